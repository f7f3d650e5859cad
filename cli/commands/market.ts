/**
 * `order place|cancel|list|book`, `trades`, `meter report`: the energy
 * market's REST API (`/api/v1/energy/...`) and its transaction kinds
 * `energy_order`, `cancel_order`, `meter_reading` (docs/energy-trading.md).
 */
import { ENERGY_SOURCES } from "../../node/chain/params.ts";
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
import { formatTable } from "../format.ts";

export const MARKET_USAGE =
  `order place --side buy|sell --amount-kwh X --price-satang-per-kwh N --source SOURCE
              --location REGION-ZONE-SUBSTATION [--expiration-hours H]   (buy: --source any)
  order cancel ORDER_ID
  order list [--side S] [--location L] [--source S] [--owner ADDRESS]
  order book [--location L]
  trades [--limit N]
  meter report --meter-id ID --location L (--total-kwh X | --total-wh N)`;

function query(ctx: CliContext, names: string[]): string {
  const q = new URLSearchParams();
  for (const n of names) {
    const v = flag(ctx, n, MARKET_USAGE, false);
    if (v !== undefined) q.set(n, v);
  }
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

function printList(ctx: CliContext, data: Record<string, unknown>, key: string): void {
  if (ctx.json) return ctx.print(JSON.stringify(data));
  const items = (data[key] ?? []) as Record<string, unknown>[];
  if (items.length === 0) return ctx.print(`No ${key}`);
  const headers = Object.keys(items[0]!).filter((k) => typeof items[0]![k] !== "object");
  ctx.print(
    formatTable(
      headers.map((h) => h.toUpperCase()),
      items.map((i) => headers.map((h) => i[h] as string)),
    ),
  );
}

export async function runOrder(ctx: CliContext, sub: string | undefined): Promise<void> {
  switch (sub) {
    case "place": {
      const side = flag(ctx, "side", MARKET_USAGE)!;
      if (side !== "buy" && side !== "sell") {
        throw new UsageError(`--side must be buy or sell`, MARKET_USAGE);
      }
      const amountWh = scaledFlag(ctx, "amount-kwh", 3, MARKET_USAGE)!;
      const priceSatangPerKwh = intFlag(ctx, "price-satang-per-kwh", MARKET_USAGE)!;
      const sourceText = flag(ctx, "source", MARKET_USAGE, side === "sell") ?? "any";
      if (sourceText !== "any" && !(ENERGY_SOURCES as readonly string[]).includes(sourceText)) {
        throw new UsageError(
          `--source must be one of ${ENERGY_SOURCES.join(", ")}${side === "buy" ? ", any" : ""}`,
          MARKET_USAGE,
        );
      }
      if (side === "sell" && sourceText === "any") {
        throw new UsageError("A sell order needs its --source", MARKET_USAGE);
      }
      const hours = scaledFlag(ctx, "expiration-hours", 3, MARKET_USAGE, false) ?? 24_000;
      const r = await submitTx(ctx, "energy_order", {
        side,
        amountWh,
        priceSatangPerKwh,
        source: sourceText === "any" ? null : sourceText as typeof ENERGY_SOURCES[number],
        location: flag(ctx, "location", MARKET_USAGE)!,
        orderExpiresAtMs: Date.now() + Math.round(hours * 3600),
      });
      printSubmitted(ctx, r, { order_id: r.id });
      return;
    }
    case "cancel": {
      const orderId = positional(ctx, 0, "ORDER_ID", MARKET_USAGE);
      if (!/^[0-9a-f]{64}$/.test(orderId)) {
        throw new UsageError("ORDER_ID must be 64 lowercase hex", MARKET_USAGE);
      }
      printSubmitted(ctx, await submitTx(ctx, "cancel_order", { orderId }));
      return;
    }
    case "list":
      printList(
        ctx,
        await ctx.client.get(
          `/api/v1/energy/orders${query(ctx, ["side", "location", "source", "owner"])}`,
        ),
        "orders",
      );
      return;
    case "book": {
      const book = await ctx.client.get(`/api/v1/energy/orderbook${query(ctx, ["location"])}`);
      if (ctx.json) return ctx.print(JSON.stringify(book));
      for (const side of ["asks", "bids"]) {
        ctx.print(side.toUpperCase());
        printList(ctx, book, side);
      }
      return;
    }
    default:
      throw new UsageError(`Unknown order command "${sub ?? ""}"`, MARKET_USAGE);
  }
}

export async function runTrades(ctx: CliContext): Promise<void> {
  printList(ctx, await ctx.client.get(`/api/v1/energy/trades${query(ctx, ["limit"])}`), "trades");
}

export async function runMeter(ctx: CliContext, sub: string | undefined): Promise<void> {
  if (sub !== "report") throw new UsageError(`Unknown meter command "${sub ?? ""}"`, MARKET_USAGE);
  const meterId = flag(ctx, "meter-id", MARKET_USAGE)!;
  const totalWh = intFlag(ctx, "total-wh", MARKET_USAGE, false) ??
    scaledFlag(ctx, "total-kwh", 3, MARKET_USAGE, false);
  if (totalWh === undefined) {
    throw new UsageError("Missing --total-kwh or --total-wh", MARKET_USAGE);
  }
  const location = flag(ctx, "location", MARKET_USAGE)!;
  const r = await submitTx(ctx, "meter_reading", {
    meterId,
    totalWh,
    readAtMs: Date.now(),
    location,
  });
  printSubmitted(ctx, r);
}
