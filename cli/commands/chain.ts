/** `status`, `balance`, `transfer`, `stake`, `unstake`. */
import { UsageError } from "../cli_error.ts";
import {
  type CliContext,
  flag,
  intFlag,
  positional,
  printSubmitted,
  scaledFlag,
  submitTx,
} from "../context.ts";
import { formatFields, formatKwh, formatThb } from "../format.ts";

export const CHAIN_USAGE = `status
  balance ADDRESS
  transfer --to ADDRESS (--amount-satang N | --amount-thb X) [--energy-wh N | --energy-kwh X]
  stake (--amount-satang N | --amount-thb X)
  unstake (--amount-satang N | --amount-thb X)`;

function satangAmount(ctx: CliContext, required: boolean): number {
  const satang = intFlag(ctx, "amount-satang", CHAIN_USAGE, false);
  const thb = scaledFlag(ctx, "amount-thb", 2, CHAIN_USAGE, false);
  if (satang !== undefined && thb !== undefined) {
    throw new UsageError("Give --amount-satang or --amount-thb, not both", CHAIN_USAGE);
  }
  const v = satang ?? thb;
  if (v === undefined && required) {
    throw new UsageError("Missing --amount-satang or --amount-thb", CHAIN_USAGE);
  }
  return v ?? 0;
}

export async function runStatus(ctx: CliContext): Promise<void> {
  const s = await ctx.client.get("/api/v1/status");
  if (ctx.json) return ctx.print(JSON.stringify(s));
  ctx.print(formatFields([
    ["node", s.node_id as string],
    ["network", `${s.network_name} (${s.network_id})`],
    ["height", s.height as number],
    ["head", s.head_hash as string],
    ["role", s.role as string],
    ["mempool", s.mempool_size as number],
    ["version", s.version as string],
  ]));
}

export async function runBalance(ctx: CliContext): Promise<void> {
  const address = positional(ctx, 0, "ADDRESS", CHAIN_USAGE);
  const b = await ctx.client.get<Record<string, number>>(`/api/v1/accounts/${address}`);
  if (ctx.json) return ctx.print(JSON.stringify(b));
  ctx.print(formatFields([
    ["address", address],
    ["balance", formatThb(b.balance_satang!)],
    ["locked", formatThb(b.locked_satang!)],
    ["stake", formatThb(b.stake_satang!)],
    ["energy", formatKwh(b.energy_wh!)],
    ["energy locked", formatKwh(b.locked_wh!)],
    ["carbon credits", (b.carbon_micro_credits ?? 0) / 1_000_000],
    ["nonce", b.nonce],
  ]));
}

export async function runTransfer(ctx: CliContext): Promise<void> {
  const to = flag(ctx, "to", CHAIN_USAGE)!;
  const amountSatang = satangAmount(ctx, false);
  const wh = intFlag(ctx, "energy-wh", CHAIN_USAGE, false) ??
    scaledFlag(ctx, "energy-kwh", 3, CHAIN_USAGE, false) ?? 0;
  if (amountSatang === 0 && wh === 0) {
    throw new UsageError("Nothing to transfer: give an amount and/or energy", CHAIN_USAGE);
  }
  const r = await submitTx(ctx, "transfer", { to, amountSatang, amountWh: wh });
  printSubmitted(ctx, r);
}

export async function runStake(ctx: CliContext, kind: "stake" | "unstake"): Promise<void> {
  const amountSatang = satangAmount(ctx, true);
  if (amountSatang === 0) throw new UsageError("The amount must be positive", CHAIN_USAGE);
  const r = await submitTx(ctx, kind, { amountSatang });
  printSubmitted(ctx, r);
}
