/** REST routes of grid authorities, participants, meters, emergencies and regulation. */
import type { Hono } from "hono";
import { METER_KEY_PREFIX, PARTICIPANT_KEY_PREFIX } from "../chain/state.ts";
import { parseAddress } from "../crypto/address.ts";
import {
  EMERGENCY_SIGNATURE_WINDOW_MS,
  getAuthorities,
  getAuthorityRoles,
  getGridEmergencies,
  getMeter,
  getParticipant,
  getPendingEmergencyActions,
  getPricingRegulation,
  type Meter,
  type Participant,
} from "../governance/mod.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import { addRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

const participantView = (p: Participant) => ({
  address: p.address,
  location: p.location,
  registered_by: p.registeredBy,
  height: p.height,
});

const meterView = (m: Meter) => ({
  meter_id: m.meterId,
  owner: m.owner,
  location: m.location,
  source: m.source,
  registered_by: m.registeredBy,
  height: m.height,
});

function scan<T>(node: GridNode, prefix: string, limit: number): T[] {
  const out: T[] = [];
  for (const [key, value] of node.state.entries) {
    if (key.startsWith(prefix)) out.push(value as T);
    if (out.length >= limit) break;
  }
  return out;
}

export function registerAuthorityRoutes(app: Hono, node: GridNode): void {
  app.get("/api/v1/authorities", (c) =>
    c.json({
      authorities: getAuthorities(node.state).map((a) => ({
        name: a.name,
        address: a.address,
        public_key: a.publicKey,
        service_area: a.serviceArea,
        roles: getAuthorityRoles(a),
        status: a.status,
      })),
    }));

  app.get("/api/v1/grid/emergencies", (c) =>
    c.json({
      height: node.head.header.height,
      emergencies: getGridEmergencies(node.state).map((e) => ({
        scope: e.scope,
        kind: e.kind,
        cap_kw: e.capKw,
        declared_by: e.declaredBy,
        proposal_id: e.proposalId,
        reason: e.reason,
        height: e.height,
      })),
      pending: getPendingEmergencyActions(node.state, node.head.header.timestampMs).map((p) => ({
        action: p.action,
        scope: p.scope,
        kind: p.kind,
        cap_kw: p.capKw,
        signers: p.signers,
        first_height: p.firstHeight,
        expires_at_ms: p.firstTimestampMs + EMERGENCY_SIGNATURE_WINDOW_MS,
      })),
    }));

  app.get("/api/v1/participants", (c) => {
    const list = scan<Participant>(node, PARTICIPANT_KEY_PREFIX, 1000);
    return c.json({ participants: list.map(participantView) });
  });

  app.get("/api/v1/participants/:address", (c) => {
    const address = c.req.param("address");
    parseAddress(address);
    const p = getParticipant(node.state, address);
    if (p === undefined) {
      throw new ApiError("NOT_FOUND", `${address} is not a registered participant`, "address");
    }
    return c.json(participantView(p));
  });

  app.get("/api/v1/meters", (c) => {
    const owner = c.req.query("owner");
    const list = scan<Meter>(node, METER_KEY_PREFIX, 10_000)
      .filter((m) => owner === undefined || m.owner === owner);
    return c.json({ meters: list.slice(0, 1000).map(meterView) });
  });

  app.get("/api/v1/meters/:id", (c) => {
    const id = c.req.param("id");
    const m = getMeter(node.state, id);
    if (m === undefined) throw new ApiError("NOT_FOUND", `No meter ${id}`, "id");
    return c.json(meterView(m));
  });

  app.get("/api/v1/regulation/pricing", (c) => {
    const r = getPricingRegulation(node.state);
    return c.json({
      price_floor_satang_per_kwh: r?.priceFloorSatangPerKwh ?? null,
      price_ceiling_satang_per_kwh: r?.priceCeilingSatangPerKwh ?? null,
      grid_fee_satang_per_kwh: r?.gridFeeSatangPerKwh ?? null,
      proposal_id: r?.proposalId ?? null,
      height: r?.height ?? null,
    });
  });
}

addRoutes(registerAuthorityRoutes);
