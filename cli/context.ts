/** What every command gets: parsed flags, the node client, wallet options, output. */
import type { TxBody, TxKind } from "../node/chain/transaction.ts";
import { signTransaction, toSignedTxJson } from "../node/chain/transaction.ts";
import { CliError, EXIT, UsageError } from "./cli_error.ts";
import type { NodeClient } from "./client.ts";
import { loadWallet, type WalletOptions } from "./wallets.ts";

export type Flags = Record<string, string | boolean | string[] | undefined>;

export interface CliContext {
  flags: Flags;
  /** Positionals after the command words. */
  args: string[];
  client: NodeClient;
  walletOptions: WalletOptions;
  walletName: string;
  json: boolean;
  /** Writes a line to stdout. */
  print(text: string): void;
}

/** A string flag, or a usage error when required and missing. */
export function flag(
  ctx: CliContext,
  name: string,
  usage: string,
  required = true,
): string | undefined {
  const v = ctx.flags[name];
  if (Array.isArray(v)) return v.at(-1);
  if (typeof v === "string") return v;
  if (required) throw new UsageError(`Missing --${name}`, usage);
  return undefined;
}

/** A required non-negative integer flag. */
export function intFlag(
  ctx: CliContext,
  name: string,
  usage: string,
  required = true,
): number | undefined {
  const v = flag(ctx, name, usage, required);
  if (v === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`, usage);
  }
  return Number(v);
}

/** A decimal flag scaled to an integer (e.g. kWh with 3 decimals -> Wh). */
export function scaledFlag(
  ctx: CliContext,
  name: string,
  decimals: number,
  usage: string,
  required = true,
): number | undefined {
  const v = flag(ctx, name, usage, required);
  if (v === undefined) return undefined;
  const m = /^(0|[1-9][0-9]{0,12})(?:\.([0-9]+))?$/.exec(v);
  const fraction = (m?.[2] ?? "").replace(/0+$/, "");
  if (m === null || fraction.length > decimals) {
    throw new UsageError(
      `--${name} must be a non-negative number with at most ${decimals} decimals, got "${v}"`,
      usage,
    );
  }
  return Number(m[1]! + fraction.padEnd(decimals, "0"));
}

/** The positional at `index`, or a usage error. */
export function positional(ctx: CliContext, index: number, what: string, usage: string): string {
  const v = ctx.args[index];
  if (v === undefined) throw new UsageError(`Missing ${what}`, usage);
  return v;
}

export interface SubmitResult {
  id: string;
  status: "pending" | "committed";
  height: number | null;
  sender: string;
}

/**
 * Signs a transaction with the selected wallet (network id, nonce and fee
 * from the node unless given), submits it and, unless `--no-wait`, waits
 * until it is committed. A rejection exits with the node's code and reason.
 */
export async function submitTx<K extends TxKind>(
  ctx: CliContext,
  kind: K,
  payload: Extract<TxBody, { kind: K }>["payload"],
): Promise<SubmitResult> {
  const wallet = await loadWallet(ctx.walletOptions, ctx.walletName);
  const status = await ctx.client.get<{ network_id: number }>("/api/v1/status");
  const account = await ctx.client.get<{ nonce: number }>(`/api/v1/accounts/${wallet.address}`);
  let feeSatang = typeof ctx.flags["fee-satang"] === "string"
    ? Number(ctx.flags["fee-satang"])
    : undefined;
  if (feeSatang === undefined) {
    const fee = await ctx.client.get<{ chain_value: number }>(
      "/api/v1/governance/params/consensus.min_tx_fee_satang",
    );
    feeSatang = Math.max(1, fee.chain_value);
  }
  if (!Number.isSafeInteger(feeSatang) || feeSatang < 0) {
    throw new UsageError(`--fee-satang must be a non-negative integer`);
  }
  const nonce = typeof ctx.flags.nonce === "string" ? Number(ctx.flags.nonce) : account.nonce;
  const body = {
    kind,
    networkId: status.network_id,
    from: wallet.publicKeyHex,
    nonce,
    feeSatang,
    expiresAtMs: Date.now() + 10 * 60_000,
    payload,
  } as TxBody;
  let tx;
  try {
    tx = signTransaction(body, wallet.sign);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const submitted = await ctx.client.post<{ id: string }>(
    "/api/v1/transactions",
    toSignedTxJson(tx),
  );
  if (ctx.flags["no-wait"] === true) {
    return { id: submitted.id, status: "pending", height: null, sender: wallet.address };
  }
  const deadline = Date.now() + Number(ctx.flags["wait-ms"] ?? 60_000);
  for (;;) {
    type TxStatusJson = { status: string; height?: number; code?: string; reason?: string };
    const s: TxStatusJson = await ctx.client.get<TxStatusJson>(
      `/api/v1/transactions/${submitted.id}`,
    ).catch((e) => {
      if (e instanceof CliError && e.code === "NOT_FOUND") return { status: "pending" };
      throw e;
    });
    if (s.status === "committed") {
      return {
        id: submitted.id,
        status: "committed",
        height: s.height ?? null,
        sender: wallet.address,
      };
    }
    if (s.status === "rejected") {
      throw new CliError(
        EXIT.NODE_ERROR,
        `Transaction ${submitted.id} rejected: ${s.code}: ${s.reason}`,
        s.code ?? "REJECTED",
      );
    }
    if (Date.now() > deadline) {
      throw new CliError(
        EXIT.NODE_ERROR,
        `Transaction ${submitted.id} still pending after ${
          Number(ctx.flags["wait-ms"] ?? 60_000)
        } ms`,
        "TIMEOUT",
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Prints a submission result (table or JSON) plus extra fields. */
export function printSubmitted(
  ctx: CliContext,
  r: SubmitResult,
  extra: Record<string, unknown> = {},
): void {
  if (ctx.json) {
    ctx.print(JSON.stringify({ tx_id: r.id, status: r.status, height: r.height, ...extra }));
    return;
  }
  const parts = [`tx ${r.id} ${r.status}`];
  if (r.height !== null) parts.push(`at height ${r.height}`);
  for (const [k, v] of Object.entries(extra)) parts.push(`${k}=${v}`);
  ctx.print(parts.join(" "));
}

export { EXIT };
