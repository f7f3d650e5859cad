/**
 * REST routes of the energy market and the grid: orders (placed by clients
 * through POST /transactions, or by the node's own wallet here with the
 * operator token), trades, order book depth, statistics, grid status.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { ENERGY_SOURCES } from "../chain/params.ts";
import { GRID_READING_KEY_PREFIX } from "../chain/state.ts";
import { getGridEmergencies } from "../governance/emergencies.ts";
import { computeDepth, computeGridCongestion, readRecentTrades } from "../runtime/market_views.ts";
import {
  getGridTopology,
  getMarketTotals,
  getTopologyIndex,
} from "../market/chain/market_state.ts";
import { MarketError } from "../market/errors.ts";
import type { Order } from "../market/order.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import { ApiError } from "./errors.ts";
import { readJsonBody } from "./json_body.ts";
import { addRoutes } from "./app.ts";
import { requireOperatorToken } from "./middleware/operator_auth.ts";
import { computeMarketStats } from "./market_stats.ts";

/** The product description's order request, verbatim field names. */
const orderRequestSchema = z.strictObject({
  order_type: z.enum(["buy", "sell"]),
  /** kWh, up to 3 decimals (a whole number of Wh). */
  energy_amount: z.number().positive().finite(),
  /** satang per kWh (5000 = 50.00 THB/kWh). */
  price_per_kwh: z.int().positive(),
  energy_source: z.enum(ENERGY_SOURCES).nullable().optional(),
  grid_location: z.string().regex(
    /^[A-Z]{2,4}-[0-9]{2}-SUB[0-9]{3}$/,
    "must look like BKK-01-SUB001",
  ),
  expiration_hours: z.number().positive().max(24 * 366).optional(),
  fee_satang: z.int().min(0).optional(),
});

const HEX64 = /^[0-9a-f]{64}$/;

function zodError(error: z.ZodError): ApiError {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join(".");
  return new ApiError("BAD_REQUEST", `"${field}": ${issue.message}`, field);
}

/** kWh (≤ 3 decimals) → Wh, exactly. */
function kwhToWh(kwh: number): number {
  const wh = Math.round(kwh * 1000);
  if (Math.abs(wh - kwh * 1000) > 1e-6 || !Number.isSafeInteger(wh)) {
    throw new ApiError(
      "BAD_REQUEST",
      `"energy_amount" must have at most 3 decimals (whole Wh), got ${kwh}`,
      "energy_amount",
    );
  }
  return wh;
}

export function orderView(o: Order) {
  return {
    id: o.id,
    owner: o.owner,
    order_type: o.side,
    energy_amount_wh: o.amountWh,
    remaining_wh: o.remainingWh,
    price_satang_per_kwh: o.priceSatangPerKwh,
    energy_source: o.source,
    grid_location: o.location,
    seq: o.seq,
    expires_at_ms: o.expiresAtMs,
    locked_satang: o.lockedSatang,
  };
}

function intParam(c: Context, name: string, def: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return def;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) {
    throw new ApiError("BAD_PARAM", `"${name}" must be an integer 0..${max}, got "${raw}"`, name);
  }
  return Number(raw);
}

export function registerMarketRoutes(app: Hono, node: GridNode): void {
  const operatorOnly = requireOperatorToken(node.config.api);

  app.post("/api/v1/energy/orders", operatorOnly, async (c) => {
    const parsed = orderRequestSchema.safeParse(await readJsonBody(c));
    if (!parsed.success) throw zodError(parsed.error);
    const r = parsed.data;
    const amountWh = kwhToWh(r.energy_amount);
    const topology = getGridTopology(node.state);
    if (topology) {
      try {
        getTopologyIndex(topology).resolveLocation(r.grid_location);
      } catch (e) {
        if (e instanceof MarketError) throw new ApiError(e.code, e.message, "grid_location");
        throw e;
      }
    }
    if (r.order_type === "sell" && !r.energy_source) {
      throw new ApiError(
        "BAD_REQUEST",
        `"energy_source" is required for a sell order`,
        "energy_source",
      );
    }
    const hours = r.expiration_hours ?? 24;
    const payload = {
      side: r.order_type,
      amountWh,
      priceSatangPerKwh: r.price_per_kwh,
      source: r.energy_source ?? null,
      location: r.grid_location,
      orderExpiresAtMs: Date.now() + Math.round(hours * 3_600_000),
    };
    const result = await node.signAndAdmit(node.wallet, "energy_order", payload, r.fee_satang);
    return c.json({
      order_id: result.id,
      tx_id: result.id,
      status: result.status,
      owner: node.wallet.address,
      units: { energy: "Wh", price: "satang per kWh" },
      order: payload,
    }, 202);
  });

  app.delete("/api/v1/energy/orders/:id", operatorOnly, async (c) => {
    const id = c.req.param("id");
    if (!HEX64.test(id)) {
      throw new ApiError("BAD_PARAM", `"id" must be 64 lowercase hex characters`, "id");
    }
    const order = node.market.orders.get(id);
    if (!order) throw new ApiError("NOT_FOUND", `No open order ${id}`, "id");
    if (order.owner !== node.wallet.address) {
      throw new ApiError(
        "FORBIDDEN",
        `Order ${id} is not the node wallet's; its owner must sign a cancel_order transaction`,
        "id",
      );
    }
    const result = await node.signAndAdmit(node.wallet, "cancel_order", { orderId: id });
    return c.json({ order_id: id, tx_id: result.id, status: result.status }, 202);
  });

  app.get("/api/v1/energy/orders", (c) => {
    const side = c.req.query("side");
    if (side !== undefined && side !== "buy" && side !== "sell") {
      throw new ApiError("BAD_PARAM", `"side" must be buy or sell`, "side");
    }
    const location = c.req.query("location");
    const source = c.req.query("source");
    const owner = c.req.query("owner");
    const limit = intParam(c, "limit", 100, 1000);
    const cursor = intParam(c, "cursor", -1 >>> 0, 2 ** 31);
    const after = c.req.query("cursor") === undefined ? -1 : cursor;
    const matches = [...node.market.orders.values()]
      .filter((o) =>
        o.seq > after && (side === undefined || o.side === side) &&
        (location === undefined || o.location === location ||
          o.location.startsWith(location + "-")) &&
        (source === undefined || o.source === source) && (owner === undefined || o.owner === owner)
      )
      .sort((a, b) => a.seq - b.seq);
    const page = matches.slice(0, limit);
    return c.json({
      orders: page.map(orderView),
      total: matches.length,
      next_cursor: matches.length > limit ? String(page[page.length - 1]!.seq) : null,
    });
  });

  app.get("/api/v1/energy/orders/:id", async (c) => {
    const id = c.req.param("id");
    if (!HEX64.test(id)) {
      throw new ApiError("BAD_PARAM", `"id" must be 64 lowercase hex characters`, "id");
    }
    const order = node.market.orders.get(id);
    if (order) return c.json({ status: "open", ...orderView(order) });
    const tx = await node.getTransactionStatus(id);
    if (!tx) throw new ApiError("NOT_FOUND", `Unknown order ${id}`, "id");
    return c.json({
      id,
      status: tx.status === "committed" ? "closed" : tx.status,
      transaction: tx,
    });
  });

  app.get("/api/v1/energy/trades", async (c) => {
    const limit = intParam(c, "limit", 50, 500);
    const cursor = c.req.query("cursor");
    if (cursor !== undefined && !/^log\/trade\/\d{12}\/\d{6}$/.test(cursor)) {
      throw new ApiError(
        "BAD_PARAM",
        `"cursor" must be a next_cursor value from this endpoint`,
        "cursor",
      );
    }
    const address = c.req.query("address");
    const rows = await readRecentTrades(node, limit, cursor);
    const trades = rows.map((r) => r.value)
      .filter((t) => address === undefined || t.buyer === address || t.seller === address);
    return c.json({
      trades,
      next_cursor: rows.length === limit ? rows[rows.length - 1]!.key : null,
    });
  });

  app.get("/api/v1/energy/orderbook", (c) => {
    const location = c.req.query("location");
    const levels = intParam(c, "levels", 50, 1000);
    const depth = (side: "buy" | "sell") =>
      computeDepth(node, side, levels, location).map((l) => ({
        price_satang_per_kwh: l.priceSatangPerKwh,
        amount_wh: l.amountWh,
        orders: l.orders,
      }));
    return c.json({ height: node.head.header.height, bids: depth("buy"), asks: depth("sell") });
  });

  app.get("/api/v1/energy/stats", async (c) => {
    return c.json(await computeMarketStats(node, getMarketTotals(node.state)));
  });

  app.get("/api/v1/grid/status", (c) => {
    const grid = computeGridCongestion(node);
    if (!grid) throw new ApiError("NOT_FOUND", "This chain has no grid topology");
    const { topology, congestion } = grid;
    return c.json({
      height: node.head.header.height,
      timestamp_ms: node.head.header.timestampMs,
      interval: congestion.interval,
      interval_ms: congestion.intervalMs,
      regions: topology.regions,
      substations: congestion.substations,
      zones: congestion.zones,
      links: congestion.links,
      emergencies: getGridEmergencies(node.state),
      // Latest load / generation / frequency reported by authorities, per location.
      readings: [...node.state.entriesWithPrefix(GRID_READING_KEY_PREFIX)].map(([, v]) => v),
    });
  });
}

addRoutes(registerMarketRoutes);
