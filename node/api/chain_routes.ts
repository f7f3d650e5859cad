/** REST routes of the chain: status, blocks, transactions, accounts. */
import type { Hono } from "hono";
import { parseAddress } from "../crypto/address.ts";
import type { Account } from "../chain/state.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import { ApiError } from "./errors.ts";
import { readJsonBody } from "./json_body.ts";

const HASH_RE = /^[0-9a-f]{64}$/;

function parseHeight(text: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ApiError(
      "BAD_PARAM",
      `"height" must be a non-negative integer, got "${text}"`,
      "height",
    );
  }
  return Number(text);
}

function checkAddress(text: string): string {
  try {
    parseAddress(text);
  } catch (e) {
    throw new ApiError("BAD_ADDRESS", (e as Error).message, "address");
  }
  return text;
}

/** Account as the API shows it (snake_case, units in names). */
export function accountView(address: string, a: Account) {
  return {
    address,
    balance_satang: a.balanceSatang,
    energy_wh: a.energyWh,
    stake_satang: a.stakeSatang,
    nonce: a.nonce,
    locked_satang: a.lockedSatang,
    locked_wh: a.lockedWh,
    carbon_micro_credits: a.carbonMicroCredits,
    unbonding: a.unbonding.map(([height, amount]) => ({
      release_height: height,
      amount_satang: amount,
    })),
  };
}

export function registerChainRoutes(app: Hono, node: GridNode): void {
  app.get("/api/v1/status", (c) => c.json(node.status()));

  app.get("/api/v1/blocks/latest", async (c) => {
    const block = await node.store.getBlock(node.head.header.height);
    return c.json({ hash: node.head.hash, ...block });
  });

  app.get("/api/v1/blocks/hash/:hash", async (c) => {
    const hash = c.req.param("hash");
    if (!HASH_RE.test(hash)) {
      throw new ApiError("BAD_PARAM", `"hash" must be 64 lowercase hex characters`, "hash");
    }
    const height = await node.store.getBlockHeightByHash(hash);
    const block = height === null ? null : await node.store.getBlock(height);
    if (!block) throw new ApiError("NOT_FOUND", `No block with hash ${hash}`, "hash");
    return c.json({ hash, ...block });
  });

  app.get("/api/v1/blocks/:height", async (c) => {
    const height = parseHeight(c.req.param("height"));
    const block = await node.store.getBlock(height);
    if (!block) {
      throw new ApiError(
        "NOT_FOUND",
        `No block at height ${height} (head is ${node.head.header.height})`,
        "height",
      );
    }
    const rec = await node.store.getBlockRecord(height);
    return c.json({ hash: rec?.hash, ...block });
  });

  app.post("/api/v1/transactions", async (c) => {
    const body = await readJsonBody(c);
    const result = await node.submitTransaction(body);
    return c.json(result, 202);
  });

  app.get("/api/v1/transactions/:id", async (c) => {
    const id = c.req.param("id");
    if (!HASH_RE.test(id)) {
      throw new ApiError("BAD_PARAM", `"id" must be 64 lowercase hex characters`, "id");
    }
    const status = await node.getTransactionStatus(id);
    if (!status) throw new ApiError("NOT_FOUND", `Unknown transaction ${id}`, "id");
    return c.json(status);
  });

  app.get("/api/v1/accounts/:address", (c) => {
    const address = checkAddress(c.req.param("address"));
    return c.json(accountView(address, node.getAccount(address)));
  });

  app.get("/api/v1/accounts/:address/balance", (c) => {
    const address = checkAddress(c.req.param("address"));
    const a = node.getAccount(address);
    return c.json({
      address,
      balance_satang: a.balanceSatang,
      energy_wh: a.energyWh,
      energy_tokens: a.energyWh / 1000,
      stake_satang: a.stakeSatang,
      locked_satang: a.lockedSatang,
      locked_wh: a.lockedWh,
    });
  });
}
