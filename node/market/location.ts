/**
 * Grid locations (`REGION-ZONE-SUBSTATION`, e.g. `BKK-01-SUB001`) and the grid
 * topology they refer to (genesis data).
 */
import { MarketError } from "./errors.ts";
import { isIntIn } from "./units.ts";

/** `REGION-ZONE-SUBSTATION`: region 2-4 capitals, zone 2 digits, `SUB` + 3 digits. */
export const LOCATION_REGEX = /^([A-Z]{2,4})-([0-9]{2})-(SUB[0-9]{3})$/;
const ZONE_REGEX = /^([A-Z]{2,4})-([0-9]{2})$/;
const REGION_REGEX = /^[A-Z]{2,4}$/;

/** A parsed location; ids are prefixes of the location string. */
export interface ParsedLocation {
  /** e.g. `BKK` */
  regionId: string;
  /** e.g. `BKK-01` */
  zoneId: string;
  /** the whole location, e.g. `BKK-01-SUB001` */
  substationId: string;
}

/**
 * Parse a location string. Throws `MarketError("BAD_LOCATION")` when malformed.
 *
 * @example parseLocation("BKK-01-SUB001") // {regionId: "BKK", zoneId: "BKK-01", substationId: "BKK-01-SUB001"}
 */
export function parseLocation(location: string, field = "location"): ParsedLocation {
  const m = typeof location === "string" ? LOCATION_REGEX.exec(location) : null;
  if (!m) {
    throw new MarketError(
      "BAD_LOCATION",
      `Cannot parse grid location: expected REGION-ZONE-SUBSTATION like "BKK-01-SUB001", got ${
        JSON.stringify(location)
      }`,
      field,
    );
  }
  return { regionId: m[1]!, zoneId: `${m[1]}-${m[2]}`, substationId: location };
}

/** The grid as written in genesis. Zone and substation ids carry their parents as prefixes. */
export interface GridTopology {
  /** Authority receiving cross-region fees (transmission), e.g. `EGAT`. */
  transmissionAuthority: string;
  /** Regions with the distribution authority that receives in-region fees. */
  regions: { id: string; authority: string }[];
  /** Zones, id `REGION-NN`, e.g. `BKK-01`. */
  zones: { id: string }[];
  /** Substations, id `REGION-NN-SUBNNN`, with their capacity in kW. */
  substations: { id: string; capacityKw: number }[];
  /** Undirected zone-to-zone links with their capacity in kW. */
  links: { zoneA: string; zoneB: string; capacityKw: number }[];
}

/** Largest capacity of a substation or link, kW (10 GW). */
export const MAX_CAPACITY_KW = 10_000_000;

/**
 * Throw `MarketError("BAD_TOPOLOGY")` unless ids are well formed, unique, and
 * every zone/substation/link refers to a known parent; capacities are integers.
 */
export function validateTopology(t: GridTopology): void {
  const fail = (msg: string, field: string): never => {
    throw new MarketError("BAD_TOPOLOGY", `Invalid grid topology: ${msg}`, field);
  };
  if (typeof t.transmissionAuthority !== "string" || t.transmissionAuthority === "") {
    fail("transmissionAuthority must be a non-empty string", "transmissionAuthority");
  }
  const regions = new Set<string>();
  for (const r of t.regions) {
    if (!REGION_REGEX.test(r.id)) fail(`bad region id ${JSON.stringify(r.id)}`, "regions");
    if (regions.has(r.id)) fail(`duplicate region ${r.id}`, "regions");
    if (typeof r.authority !== "string" || r.authority === "") {
      fail(`region ${r.id} has no authority`, "regions");
    }
    regions.add(r.id);
  }
  const zones = new Set<string>();
  for (const z of t.zones) {
    const m = ZONE_REGEX.exec(z.id);
    if (!m) fail(`bad zone id ${JSON.stringify(z.id)}`, "zones");
    if (!regions.has(m![1]!)) fail(`zone ${z.id} is in unknown region ${m![1]}`, "zones");
    if (zones.has(z.id)) fail(`duplicate zone ${z.id}`, "zones");
    zones.add(z.id);
  }
  const subs = new Set<string>();
  for (const s of t.substations) {
    const m = LOCATION_REGEX.exec(s.id);
    if (!m) fail(`bad substation id ${JSON.stringify(s.id)}`, "substations");
    if (!zones.has(`${m![1]}-${m![2]}`)) {
      fail(`substation ${s.id} is in unknown zone`, "substations");
    }
    if (subs.has(s.id)) fail(`duplicate substation ${s.id}`, "substations");
    if (!isIntIn(s.capacityKw, 0, MAX_CAPACITY_KW)) {
      fail(`substation ${s.id} capacityKw must be an integer, got ${s.capacityKw}`, "substations");
    }
    subs.add(s.id);
  }
  const links = new Set<string>();
  for (const l of t.links) {
    if (!zones.has(l.zoneA) || !zones.has(l.zoneB)) {
      fail(`link ${l.zoneA}<->${l.zoneB} refers to an unknown zone`, "links");
    }
    if (l.zoneA === l.zoneB) fail(`link ${l.zoneA}<->${l.zoneB} is a loop`, "links");
    const key = l.zoneA < l.zoneB ? `${l.zoneA}|${l.zoneB}` : `${l.zoneB}|${l.zoneA}`;
    if (links.has(key)) fail(`duplicate link ${l.zoneA}<->${l.zoneB}`, "links");
    if (!isIntIn(l.capacityKw, 0, MAX_CAPACITY_KW)) {
      fail(`link ${key} capacityKw must be an integer, got ${l.capacityKw}`, "links");
    }
    links.add(key);
  }
}

/**
 * A small default topology for dev/test genesis: Bangkok (MEA) and three
 * provincial regions (PEA); EGAT carries cross-region energy.
 */
export const DEFAULT_GRID_TOPOLOGY: Readonly<GridTopology> = {
  transmissionAuthority: "EGAT",
  regions: [
    { id: "BKK", authority: "MEA" },
    { id: "CNX", authority: "PEA" },
    { id: "KKN", authority: "PEA" },
    { id: "PKT", authority: "PEA" },
  ],
  zones: [
    { id: "BKK-01" },
    { id: "BKK-02" },
    { id: "BKK-03" },
    { id: "CNX-01" },
    { id: "CNX-02" },
    { id: "KKN-01" },
    { id: "PKT-01" },
  ],
  substations: [
    { id: "BKK-01-SUB001", capacityKw: 50_000 },
    { id: "BKK-01-SUB002", capacityKw: 40_000 },
    { id: "BKK-02-SUB001", capacityKw: 50_000 },
    { id: "BKK-02-SUB002", capacityKw: 30_000 },
    { id: "BKK-03-SUB001", capacityKw: 30_000 },
    { id: "CNX-01-SUB001", capacityKw: 20_000 },
    { id: "CNX-02-SUB001", capacityKw: 15_000 },
    { id: "KKN-01-SUB001", capacityKw: 20_000 },
    { id: "PKT-01-SUB001", capacityKw: 20_000 },
  ],
  links: [
    { zoneA: "BKK-01", zoneB: "BKK-02", capacityKw: 40_000 },
    { zoneA: "BKK-02", zoneB: "BKK-03", capacityKw: 30_000 },
    { zoneA: "BKK-01", zoneB: "BKK-03", capacityKw: 20_000 },
    { zoneA: "CNX-01", zoneB: "CNX-02", capacityKw: 10_000 },
    { zoneA: "BKK-01", zoneB: "CNX-01", capacityKw: 25_000 },
    { zoneA: "BKK-02", zoneB: "KKN-01", capacityKw: 20_000 },
    { zoneA: "BKK-03", zoneB: "PKT-01", capacityKw: 15_000 },
  ],
};
