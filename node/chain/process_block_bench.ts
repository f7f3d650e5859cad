/**
 * Block application: `processBlock` (validation + state transition + state
 * root) of a block of 5,000 transfers from 5,000 funded senders. Signatures
 * are checked at admission, not here.
 *
 *   deno bench --allow-read node/chain/process_block_bench.ts
 */
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../config/default_config.ts";
import { parseConfig } from "../config/parse_config.ts";
import { addressFromPublicKey } from "../crypto/address.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { buildBlock } from "./build_block.ts";
import { computeGenesis } from "./genesis.ts";
import { MemoryState } from "./state.ts";
import { parseTransaction, type TxBody } from "./transaction.ts";
import { processBlock } from "./transition.ts";

const TXS = 5_000;
const T0 = 1_767_225_600_000;
const key = (i: number) => sha256(new TextEncoder().encode(`block bench ${i}`));
const params = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/bench.toml"));
params.consensus.maxBlockTransactions = TXS;
const genesis = computeGenesis({
  networkId: 1001,
  networkName: "bench",
  timestampMs: T0,
  params,
  accounts: Array.from({ length: TXS }, (_, i) => ({
    address: addressFromPublicKey(key(i)),
    balanceSatang: 1_000_000,
    energyWh: 1_000,
  })),
  validators: [{ publicKey: toHex(key(-1)), stakeSatang: 1 }],
  authorities: [],
});
const state = new MemoryState();
state.apply(genesis.changes);
const txs = Array.from({ length: TXS }, (_, i) =>
  parseTransaction({
    body: {
      kind: "transfer",
      networkId: 1001,
      from: toHex(key(i)),
      nonce: 0,
      feeSatang: 2,
      expiresAtMs: T0 + 1e9,
      payload: { to: addressFromPublicKey(key((i + 1) % TXS)), amountSatang: 10, amountWh: 1 },
    } as TxBody,
    signature: "11".repeat(64),
  }));
const built = await buildBlock(state, genesis.header, txs, {
  timestampMs: T0 + 10_000,
  proposer: toHex(key(-1)),
});
if (built.included.length !== TXS) throw new Error(`only ${built.included.length} txs apply`);

Deno.bench({
  name: `processBlock, ${TXS} transfers`,
  async fn() {
    await processBlock(state, genesis.header, built.header, built.included);
  },
});

Deno.bench({
  name: `buildBlock, ${TXS} transfers`,
  async fn() {
    await buildBlock(state, genesis.header, txs, {
      timestampMs: T0 + 10_000,
      proposer: toHex(key(-1)),
    });
  },
});
