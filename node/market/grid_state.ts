/**
 * Grid state for the matcher: the topology indexed for O(1) lookups, and the
 * energy scheduled per substation and per zone link in the current delivery
 * interval, with capacity checks and congestion levels.
 *
 * Flow rules (documented in docs/energy-trading.md):
 * - a trade counts its Wh at the seller's substation and at the buyer's
 *   substation (once when both are the same substation);
 * - between different zones it counts on every link of the path: the direct
 *   link when there is one, otherwise the shortest path in the zone graph by
 *   breadth-first search, neighbours visited in ascending zone id order (so
 *   ties go to the lexicographically smaller route); no path, no trade;
 * - links are undirected and count gross Wh in both directions;
 * - all flows reset when a new delivery interval starts.
 */
import { MarketError } from "./errors.ts";
import type { GridTopology } from "./location.ts";
import { parseLocation, validateTopology } from "./location.ts";
import type { DistanceClass } from "./params.ts";
import { floorDiv } from "./units.ts";

/** Utilisation at or above this (basis points of capacity) is `warning`. */
export const CONGESTION_WARNING_BPS = 8_000;
/** Utilisation at or above this (basis points of capacity) is `congested`. */
export const CONGESTION_CONGESTED_BPS = 9_500;

/** Congestion level of a grid element: normal < 80 % <= warning < 95 % <= congested. */
export type CongestionLevel = "normal" | "warning" | "congested";

/** Scheduled energy vs capacity of one element in the current interval. */
export interface CongestionEntry {
  /** Substation id, zone id, or `ZONEA|ZONEB` (sorted) for a link. */
  id: string;
  scheduledWh: number;
  capacityWh: number;
  /** floor(scheduled x 10000 / capacity); 10000 when capacity is 0. */
  utilizationBps: number;
  level: CongestionLevel;
}

/** Congestion of every substation, zone and link, sorted by id. */
export interface CongestionReport {
  interval: number;
  intervalMs: number;
  substations: CongestionEntry[];
  zones: CongestionEntry[];
  links: CongestionEntry[];
}

/** Scheduled flows of an interval, as stored in chain state (non-zero entries, sorted by id). */
export interface GridFlowSnapshot {
  intervalMs: number;
  /** Interval index floor(timestampMs / intervalMs); -1 before any block. */
  interval: number;
  substations: [id: string, scheduledWh: number][];
  links: [linkId: string, scheduledWh: number][];
}

/** A substation resolved against the topology (internal indices are not part of any state). */
export interface ResolvedLocation {
  idx: number;
  zoneIdx: number;
  regionIdx: number;
  substationId: string;
  zoneId: string;
  regionId: string;
}

/**
 * Capacity (Wh) of a kW rating over one interval: floor(capacityKw x intervalMs / 3600).
 * (kW x 1000 W x intervalMs / 3,600,000 ms/h.)
 */
export function computeIntervalCapacityWh(capacityKw: number, intervalMs: number): number {
  return floorDiv(capacityKw * intervalMs, 3_600);
}

/** Level for scheduled vs capacity, compared exactly in integers. */
export function getCongestionLevel(scheduledWh: number, capacityWh: number): CongestionLevel {
  const s = scheduledWh * 10_000;
  if (s >= capacityWh * CONGESTION_CONGESTED_BPS) return "congested";
  if (s >= capacityWh * CONGESTION_WARNING_BPS) return "warning";
  return "normal";
}

/** Link id of two zones: `A|B` with A < B. */
export function getLinkId(zoneA: string, zoneB: string): string {
  return zoneA < zoneB ? `${zoneA}|${zoneB}` : `${zoneB}|${zoneA}`;
}

/** See the module comment. Mutable: the matcher adds flows as it makes trades. */
export class GridState {
  readonly topology: GridTopology;
  #intervalMs = 0;
  #interval = -1;
  readonly #subs: ResolvedLocation[] = [];
  readonly #subByLocation = new Map<string, ResolvedLocation>();
  readonly #subCapKw: number[] = [];
  readonly #zoneIds: string[];
  readonly #regionIds: string[];
  readonly #regionAuthority: string[];
  readonly #linkIds: string[] = [];
  readonly #linkCapKw: number[] = [];
  /** per zone: [neighbourZoneIdx, linkIdx] sorted by neighbour zone id */
  readonly #adj: [number, number][][];
  /** Paths by `fromZone x zones + toZone`; undefined until computed. */
  readonly #pathCache: (Int32Array | null | undefined)[];
  #subCapWh: Float64Array;
  #linkCapWh: Float64Array;
  #subFlowWh: Float64Array;
  #linkFlowWh: Float64Array;
  #halted: Uint8Array;
  readonly #scratch = new Float64Array(1);

  /** Validates the topology (`BAD_TOPOLOGY`) and indexes it. */
  constructor(topology: GridTopology) {
    validateTopology(topology);
    this.topology = topology;
    this.#regionIds = topology.regions.map((r) => r.id).sort();
    const authority = new Map(topology.regions.map((r) => [r.id, r.authority]));
    this.#regionAuthority = this.#regionIds.map((r) => authority.get(r)!);
    this.#zoneIds = topology.zones.map((z) => z.id).sort();
    this.#pathCache = new Array(this.#zoneIds.length ** 2).fill(undefined);
    const zoneIdx = new Map(this.#zoneIds.map((z, i) => [z, i]));
    const regionIdx = new Map(this.#regionIds.map((r, i) => [r, i]));
    const subs = [...topology.substations].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const s of subs) {
      const p = parseLocation(s.id);
      const r: ResolvedLocation = {
        idx: this.#subs.length,
        zoneIdx: zoneIdx.get(p.zoneId)!,
        regionIdx: regionIdx.get(p.regionId)!,
        substationId: s.id,
        zoneId: p.zoneId,
        regionId: p.regionId,
      };
      this.#subs.push(r);
      this.#subByLocation.set(s.id, r);
      this.#subCapKw.push(s.capacityKw);
    }
    const links = topology.links
      .map((l) => ({ id: getLinkId(l.zoneA, l.zoneB), l }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    this.#adj = this.#zoneIds.map(() => []);
    for (const { id, l } of links) {
      const li = this.#linkIds.length;
      this.#linkIds.push(id);
      this.#linkCapKw.push(l.capacityKw);
      const a = zoneIdx.get(l.zoneA)!, b = zoneIdx.get(l.zoneB)!;
      this.#adj[a]!.push([b, li]);
      this.#adj[b]!.push([a, li]);
    }
    for (const n of this.#adj) n.sort((x, y) => x[0] - y[0]);
    this.#subCapWh = new Float64Array(this.#subs.length);
    this.#linkCapWh = new Float64Array(this.#linkIds.length);
    this.#subFlowWh = new Float64Array(this.#subs.length);
    this.#linkFlowWh = new Float64Array(this.#linkIds.length);
    this.#halted = new Uint8Array(this.#subs.length);
  }

  /** Current interval index, -1 before the first block. */
  get interval(): number {
    return this.#interval;
  }

  /** Interval length the capacities were computed for. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Enter the interval containing `timestampMs`: when it (or `intervalMs`)
   * differs from the current one, flows reset and capacities are recomputed.
   * Returns the interval index.
   */
  beginInterval(timestampMs: number, intervalMs: number): number {
    const interval = floorDiv(timestampMs, intervalMs);
    if (interval !== this.#interval || intervalMs !== this.#intervalMs) {
      this.#interval = interval;
      if (intervalMs !== this.#intervalMs) {
        this.#intervalMs = intervalMs;
        this.#subCapKw.forEach((kw, i) =>
          this.#subCapWh[i] = computeIntervalCapacityWh(kw, intervalMs)
        );
        this.#linkCapKw.forEach((kw, i) =>
          this.#linkCapWh[i] = computeIntervalCapacityWh(kw, intervalMs)
        );
      }
      this.#subFlowWh.fill(0);
      this.#linkFlowWh.fill(0);
    }
    return interval;
  }

  /**
   * Mark halted locations: each entry is a region (`BKK`), zone (`BKK-01`) or
   * substation (`BKK-01-SUB001`); everything under it is halted. Replaces
   * the previous set.
   */
  setHalted(prefixes: readonly string[]): void {
    this.#halted.fill(0);
    if (prefixes.length === 0) return;
    for (const s of this.#subs) {
      for (const p of prefixes) {
        if (s.substationId === p || s.zoneId === p || s.regionId === p) {
          this.#halted[s.idx] = 1;
          break;
        }
      }
    }
  }

  /** True when trading is halted at this resolved location. */
  isHalted(loc: ResolvedLocation): boolean {
    return this.#halted[loc.idx] === 1;
  }

  /**
   * Resolve a location string. Throws `BAD_LOCATION` when malformed and
   * `UNKNOWN_LOCATION` when it is not a substation of the topology.
   */
  resolveLocation(location: string, field = "location"): ResolvedLocation {
    const r = this.#subByLocation.get(location);
    if (r) return r;
    parseLocation(location, field);
    throw new MarketError(
      "UNKNOWN_LOCATION",
      `Unknown grid location ${JSON.stringify(location)}: no such substation in the grid topology`,
      field,
    );
  }

  /** Distance class between a seller's and a buyer's substations. */
  getDistanceClass(seller: ResolvedLocation, buyer: ResolvedLocation): DistanceClass {
    if (seller.idx === buyer.idx) return "same_substation";
    if (seller.zoneIdx === buyer.zoneIdx) return "same_zone";
    if (seller.regionIdx === buyer.regionIdx) return "same_region";
    return "cross_region";
  }

  /** Authority receiving the grid fee: the region's authority, or the transmission authority across regions. */
  getFeeAuthority(seller: ResolvedLocation, buyer: ResolvedLocation): string {
    return seller.regionIdx === buyer.regionIdx
      ? this.#regionAuthority[seller.regionIdx]!
      : this.topology.transmissionAuthority;
  }

  /** Link ids on the path between two zones (empty within a zone), or null when unconnected. */
  getPathLinkIds(fromZoneId: string, toZoneId: string): string[] | null {
    const a = this.#zoneIds.indexOf(fromZoneId), b = this.#zoneIds.indexOf(toZoneId);
    if (a < 0 || b < 0) return null;
    const p = this.#path(a, b);
    return p ? Array.from(p, (li) => this.#linkIds[li]!) : null;
  }

  #path(a: number, b: number): Int32Array | null {
    if (a === b) return EMPTY_PATH;
    const key = a * this.#zoneIds.length + b;
    const cached = this.#pathCache[key];
    if (cached !== undefined) return cached;
    return this.#pathCache[key] = this.#findPath(a, b);
  }

  /**
   * Breadth-first search for {@link #path} (apart so that #path, called per
   * headroom check, allocates no closure context).
   */
  #findPath(a: number, b: number): Int32Array | null {
    let path: Int32Array | null = null;
    const direct = this.#adj[a]!.find(([n]) => n === b);
    if (direct) {
      path = Int32Array.of(direct[1]);
    } else {
      const prevZone = new Int32Array(this.#zoneIds.length).fill(-1);
      const prevLink = new Int32Array(this.#zoneIds.length).fill(-1);
      prevZone[a] = a;
      const queue = [a];
      for (let qi = 0; qi < queue.length && prevZone[b] === -1; qi++) {
        const z = queue[qi]!;
        for (const [n, li] of this.#adj[z]!) {
          if (prevZone[n] !== -1) continue;
          prevZone[n] = z;
          prevLink[n] = li;
          queue.push(n);
        }
      }
      if (prevZone[b] !== -1) {
        const links: number[] = [];
        for (let z = b; z !== a; z = prevZone[z]!) links.push(prevLink[z]!);
        path = Int32Array.from(links.reverse());
      }
    }
    return path;
  }

  /**
   * Largest Wh that can still flow from seller to buyer in this interval
   * without any substation or link on the path exceeding its capacity;
   * -1 when the zones are not connected.
   */
  getHeadroomWh(seller: ResolvedLocation, buyer: ResolvedLocation): number {
    this.headroomInto(seller, buyer, this.#scratch, 0);
    return this.#scratch[0]!;
  }

  /**
   * {@link getHeadroomWh} written to `out[i]` instead of returned: the
   * matcher's form (a returned number above 2^30 would be boxed per call).
   */
  headroomInto(
    seller: ResolvedLocation,
    buyer: ResolvedLocation,
    out: Float64Array,
    i: number,
  ): void {
    const path = this.#path(seller.zoneIdx, buyer.zoneIdx);
    if (path === null) {
      out[i] = -1;
      return;
    }
    const cap = this.#subCapWh, flow = this.#subFlowWh;
    let h = cap[seller.idx]! - flow[seller.idx]!;
    if (buyer.idx !== seller.idx) h = Math.min(h, cap[buyer.idx]! - flow[buyer.idx]!);
    for (let k = 0; k < path.length; k++) {
      const li = path[k]!;
      h = Math.min(h, this.#linkCapWh[li]! - this.#linkFlowWh[li]!);
    }
    out[i] = Math.max(h, 0);
  }

  /** True when a substation has no capacity left in this interval ({@link getSubstationHeadroomWh} is 0). */
  isSubstationFull(loc: ResolvedLocation): boolean {
    return this.#subCapWh[loc.idx]! - this.#subFlowWh[loc.idx]! <= 0;
  }

  /** Capacity left at one substation in this interval, Wh. */
  getSubstationHeadroomWh(loc: ResolvedLocation): number {
    return Math.max(this.#subCapWh[loc.idx]! - this.#subFlowWh[loc.idx]!, 0);
  }

  /** Schedule `amountWh` from seller to buyer. The caller checked {@link getHeadroomWh}. */
  addFlow(seller: ResolvedLocation, buyer: ResolvedLocation, amountWh: number): void {
    this.#subFlowWh[seller.idx]! += amountWh;
    if (buyer.idx !== seller.idx) this.#subFlowWh[buyer.idx]! += amountWh;
    const path = this.#path(seller.zoneIdx, buyer.zoneIdx)!;
    for (let i = 0; i < path.length; i++) this.#linkFlowWh[path[i]!]! += amountWh;
  }

  /** Scheduled Wh and capacity of every element, with congestion levels. */
  getCongestion(): CongestionReport {
    const entry = (id: string, scheduledWh: number, capacityWh: number): CongestionEntry => ({
      id,
      scheduledWh,
      capacityWh,
      utilizationBps: capacityWh === 0 ? 10_000 : floorDiv(scheduledWh * 10_000, capacityWh),
      level: getCongestionLevel(scheduledWh, capacityWh),
    });
    const zoneSched = new Float64Array(this.#zoneIds.length);
    const zoneCap = new Float64Array(this.#zoneIds.length);
    const substations = this.#subs.map((s) => {
      zoneSched[s.zoneIdx]! += this.#subFlowWh[s.idx]!;
      zoneCap[s.zoneIdx]! += this.#subCapWh[s.idx]!;
      return entry(s.substationId, this.#subFlowWh[s.idx]!, this.#subCapWh[s.idx]!);
    });
    return {
      interval: this.#interval,
      intervalMs: this.#intervalMs,
      substations,
      zones: this.#zoneIds.map((z, i) => entry(z, zoneSched[i]!, zoneCap[i]!)),
      links: this.#linkIds.map((l, i) => entry(l, this.#linkFlowWh[i]!, this.#linkCapWh[i]!)),
    };
  }

  /** Flows of the current interval for chain state. */
  snapshot(): GridFlowSnapshot {
    const substations: [string, number][] = [];
    this.#subs.forEach((s) => {
      const f = this.#subFlowWh[s.idx]!;
      if (f !== 0) substations.push([s.substationId, f]);
    });
    const links: [string, number][] = [];
    this.#linkIds.forEach((id, i) => {
      const f = this.#linkFlowWh[i]!;
      if (f !== 0) links.push([id, f]);
    });
    return { intervalMs: this.#intervalMs, interval: this.#interval, substations, links };
  }

  /** Restore flows saved by {@link snapshot} (after a restart or to resync a replica). */
  restore(s: GridFlowSnapshot): void {
    this.#interval = -1;
    this.#intervalMs = 0;
    if (s.intervalMs > 0) this.beginInterval(s.interval * s.intervalMs, s.intervalMs);
    this.#interval = s.interval;
    for (const [id, wh] of s.substations) {
      this.#subFlowWh[this.resolveLocation(id).idx] = wh;
    }
    for (const [id, wh] of s.links) {
      const li = this.#linkIds.indexOf(id);
      if (li < 0) throw new MarketError("BAD_TOPOLOGY", `Unknown link ${id} in flow snapshot`);
      this.#linkFlowWh[li] = wh;
    }
  }
}

const EMPTY_PATH = new Int32Array(0);
