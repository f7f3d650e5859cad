/**
 * Data sources of the console pages. The chain core gives overview, explorer,
 * validator and authority data now; market, grid, governance and p2p modules
 * plug theirs in with `addConsoleSource` (one call at import, e.g. from their
 * api routes file). A source that returns `null` makes its page show a
 * "not available yet" state, so pages never change when sources are wired.
 */
import type { CongestionReport, DepthLevel, GridTopology, Trade } from "../node/market/mod.ts";
import { type Authority, stateKey } from "../node/chain/state.ts";
import type { GridNode } from "../node/runtime/grid_node.ts";

/** A grid emergency as the console shows it. */
export interface EmergencyView {
  id: string;
  /** Region, zone or substation id it covers, e.g. `BKK` or `BKK-01`. */
  area: string;
  /** e.g. `alert`, `emergency`, `load_shedding`. */
  level: string;
  reason: string;
  /** Authority name that declared it. */
  declaredBy: string;
  sinceHeight: number;
}

/** Topology plus the current interval's congestion and emergencies. */
export interface GridStatusView {
  topology: GridTopology;
  congestion: CongestionReport;
  emergencies: EmergencyView[];
}

/** Aggregated order book depth, best price first on each side. */
export interface OrderBookView {
  bids: DepthLevel[];
  asks: DepthLevel[];
  /** Resting orders in total (both sides). */
  openOrders: number;
}

/** A governance proposal with its running tally (stake-weighted, satang). */
export interface ProposalView {
  id: string;
  title: string;
  kind: string;
  status: "voting" | "passed" | "rejected" | "executed" | "expired";
  proposer: string;
  yesSatang: number;
  noSatang: number;
  abstainSatang: number;
  /** Stake needed for quorum, satang. */
  quorumSatang: number;
  endsAtHeight: number;
}

/** An authority from chain state. */
export interface AuthorityView {
  name: string;
  address: string;
  publicKey: string;
  serviceArea: string[];
  status: "active" | "suspended";
}

/** Something an authority did on chain (emergency, reading, suspension...). */
export interface AuthorityActionView {
  authority: string;
  action: string;
  detail: string;
  height: number;
}

/** A connected p2p peer. */
export interface PeerView {
  peerId: string;
  address: string;
  /** Reputation score (higher is better); `null` when unknown. */
  reputation: number | null;
  direction: "inbound" | "outbound";
}

/** Input of the emergency form, after validation. */
export interface EmergencyInput {
  area: string;
  level: string;
  reason: string;
}

/** Who acts: the node operator (token) or an authority (key). */
export interface ConsoleActor {
  kind: "operator" | "authority";
  /** `operator` or the authority's name. */
  name: string;
}

/** Every data source of the console. `null` = not available on this node (yet). */
export interface ConsoleData {
  getGridStatus(): Promise<GridStatusView | null>;
  getOrderBook(levels: number): Promise<OrderBookView | null>;
  /** Most recent first. */
  getTrades(limit: number): Promise<Trade[] | null>;
  getProposals(): Promise<ProposalView[] | null>;
  getAuthorities(): Promise<AuthorityView[]>;
  /** Most recent first. */
  getAuthorityActions(limit: number): Promise<AuthorityActionView[] | null>;
  getPeers(): Promise<PeerView[] | null>;
  /**
   * Declares an emergency; returns the id (e.g. the transaction id).
   * Throws ConsoleError("UNAVAILABLE") until the authority module implements it.
   */
  declareEmergency(input: EmergencyInput, actor: ConsoleActor): Promise<string>;
}

/** Error of the console layer with a stable code. */
export class ConsoleError extends Error {
  constructor(readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = "ConsoleError";
  }
}

/** Builds (part of) the data sources for one node. */
export type ConsoleSourceFactory = (node: GridNode) => Partial<ConsoleData>;

const factories: ConsoleSourceFactory[] = [];

/**
 * Plugs data sources into the console; later factories override earlier ones.
 *
 * @example addConsoleSource((node) => ({ getTrades: async (n) => recentTrades(node, n) }));
 */
export function addConsoleSource(factory: ConsoleSourceFactory): void {
  if (!factories.includes(factory)) factories.push(factory);
}

/** Names of `node.events` the console forwards to browsers over SSE besides "block". */
export const FORWARDED_EVENTS = ["trade", "grid", "proposal", "authority"] as const;

/** The defaults: chain state where it exists, `null` elsewhere. */
export function createDefaultData(node: GridNode): ConsoleData {
  return {
    getGridStatus: () => Promise.resolve(null),
    getOrderBook: () => Promise.resolve(null),
    getTrades: () => Promise.resolve(null),
    getProposals: () => Promise.resolve(null),
    getAuthorities: () => Promise.resolve(readAuthorities(node)),
    getAuthorityActions: () => Promise.resolve(null),
    getPeers: () => Promise.resolve(null),
    declareEmergency: () =>
      Promise.reject(
        new ConsoleError("UNAVAILABLE", "Declaring emergencies is not available on this node yet"),
      ),
  };
}

function readAuthorities(node: GridNode): AuthorityView[] {
  const raw = node.state.get(stateKey.authorities()) as Authority[] | undefined;
  return (raw ?? []).map((a) => ({
    name: a.name,
    address: a.address,
    publicKey: a.publicKey,
    serviceArea: [...a.serviceArea],
    status: a.status,
  }));
}

/** The node's data sources: defaults overridden by every registered factory, in order. */
export function createConsoleData(
  node: GridNode,
  extra: readonly ConsoleSourceFactory[] = [],
): ConsoleData {
  const data = createDefaultData(node);
  for (const f of [...factories, ...extra]) Object.assign(data, f(node));
  return data;
}
