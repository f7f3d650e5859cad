/**
 * Chain state as a flat map from state keys to immutable plain values.
 * The transition never mutates a value in place: it reads through a
 * `StateOverlay` and writes new values into it, so a failed transaction is
 * dropped whole by discarding its overlay, and a block's changes are a
 * sorted list of (key, value) that storage persists and hashing commits to.
 */
import type { ChainParams } from "./params.ts";

/** Read access to committed state. */
export interface StateReader {
  get(key: string): unknown;
}

/** A reader that can list its entries by key prefix. */
export interface PrefixScan {
  entriesWithPrefix(prefix: string): Iterable<[string, unknown]>;
}

/** `null` marks a deleted key. */
export type StateChange = readonly [key: string, value: unknown | null];

export interface Account {
  /** Spendable settlement balance, satang. */
  balanceSatang: number;
  /** Spendable energy tokens, Wh (1 token = 1 kWh = 1000 Wh). */
  energyWh: number;
  /** Bonded stake, satang. */
  stakeSatang: number;
  /** Next expected transaction nonce. */
  nonce: number;
  /** Money locked by open buy orders, satang. */
  lockedSatang: number;
  /** Energy locked by open sell orders, Wh. */
  lockedWh: number;
  /** Carbon credits earned, micro-credits. */
  carbonMicroCredits: number;
  /** Unstaked amounts waiting to return: [releaseHeight, amountSatang]. */
  unbonding: ReadonlyArray<readonly [number, number]>;
}

export const EMPTY_ACCOUNT: Account = Object.freeze({
  balanceSatang: 0,
  energyWh: 0,
  stakeSatang: 0,
  nonce: 0,
  lockedSatang: 0,
  lockedWh: 0,
  carbonMicroCredits: 0,
  unbonding: Object.freeze([]) as ReadonlyArray<readonly [number, number]>,
});

export interface Validator {
  /** Ed25519 public key, hex. */
  publicKey: string;
  address: string;
}

export interface Authority {
  /** EGAT, MEA, PEA, ERC, ... */
  name: string;
  publicKey: string;
  address: string;
  /** Region codes (`BKK`, `NBI`, ...) the authority serves; `"*"` = the whole country. */
  serviceArea: string[];
  status: "active" | "suspended";
  /**
   * What the authority may do: `distribution` (register participants, meters,
   * deposits in its area), `transmission` (grid emergencies and readings
   * anywhere), `regulator` (approve pricing regulation). Absent: derived from
   * the name (EGAT, MEA, PEA, ERC), see node/governance/authorities.ts.
   */
  roles?: ("distribution" | "transmission" | "regulator")[];
}

/** Every state key; nothing else builds them. */
export const stateKey = {
  account: (address: string) => `account/${address}`,
  params: () => "params",
  validators: () => "validators",
  authorities: () => "authorities",
  /** Unbonding releases due at a height: [address, amountSatang][]. */
  unbondingAt: (height: number) => `unbonding/${height.toString().padStart(12, "0")}`,
  // Consensus (node/consensus, docs/consensus.md).
  /** A validator removed for double signing: JailRecord; it cannot rejoin the set. */
  jailed: (address: string) => `consensus/jailed/${address}`,
  /** A punished double-sign offence (offender, height, round, vote type): the evidence height. */
  evidence: (address: string, height: number, round: number, voteType: string) =>
    `consensus/evidence/${address}/${height.toString().padStart(12, "0")}/${round}/${voteType}`,
  // Governance and authorities (node/governance, docs/governance.md).
  /** Sum of all accounts' stakeSatang (governance quorum base). */
  totalStake: () => "stake/total",
  /** Id the next proposal gets (number). */
  nextProposalId: () => "gov/next_id",
  proposal: (id: number) => `gov/proposal/${id.toString().padStart(12, "0")}`,
  /** Votes of a proposal: Record<address, choice>. */
  proposalVotes: (id: number) => `gov/votes/${id.toString().padStart(12, "0")}`,
  /** Proposal ids whose voting ends at a height (tallied in that block's end hook). */
  proposalsEndingAt: (height: number) => `gov/ending/${height.toString().padStart(12, "0")}`,
  /** Passed proposal ids executed in that height's end hook. */
  proposalsExecutingAt: (height: number) => `gov/executing/${height.toString().padStart(12, "0")}`,
  /** Active grid emergencies: GridEmergency[]. */
  gridEmergencies: () => "grid/emergencies",
  /** Emergency declarations/lifts still collecting authority signatures. */
  pendingEmergencies: () => "grid/emergencies_pending",
  /** Latest authority grid reading at a location. */
  gridReading: (location: string) => `grid/reading/${location}`,
  /** Registered participant (prosumer/consumer) by address. */
  participant: (address: string) => `participant/${address}`,
  /** Registered smart meter by id. */
  meter: (meterId: string) => `meter/${meterId}`,
  /** Pricing regulation in force (price floor/ceiling, grid fee table). */
  pricingRegulation: () => "regulation/pricing",
  /** Cumulative compliance counters (deposits, burns, registrations, emergencies). */
  complianceTotals: () => "compliance/totals",
  // Energy market (node/market, docs/energy-trading.md).
  /** A resting order by id (the id of the transaction that placed it): Order. */
  order: (id: string) => `order/${id}`,
  /** Sequence number the next order gets (time priority): number. */
  orderSeq: () => "market/seq",
  /** Grid topology fixed at genesis: GridTopology. */
  gridTopology: () => "grid/topology",
  /** Scheduled flows of the current delivery interval: GridFlowSnapshot. */
  gridFlows: () => "grid/flows",
  /** All-time market totals: MarketTotals. */
  marketTotals: () => "market/totals",
  /** Halts and caps the last block matched under, and a pending re-match: MarketConditions. */
  marketConditions: () => "market/conditions",
  /** Metered energy an account may sell, by source: Partial<Record<EnergySource, Wh>>. */
  sourceEnergy: (address: string) => `energy_source/${address}`,
  /** Last accepted reading of a meter: { totalWh, readAtMs, height }. */
  meterReading: (meterId: string) => `meter_reading/${meterId}`,
  /** A trade (write-only, see WRITE_ONLY_KEY_PREFIX): Trade. */
  trade: (height: number, index: number) =>
    `log/trade/${height.toString().padStart(12, "0")}/${index.toString().padStart(6, "0")}`,
} as const;

/**
 * Keys under this prefix are write-only records (trades): committed to the
 * state root and stored, never read back by the transition, and not kept in
 * the in-memory state.
 */
export const WRITE_ONLY_KEY_PREFIX = "log/";
export const ORDER_KEY_PREFIX = "order/";
export const GRID_READING_KEY_PREFIX = "grid/reading/";
export const TRADE_KEY_PREFIX = "log/trade/";

/** Prefixes for API listings (scans of committed state; not used in consensus). */
export const PARTICIPANT_KEY_PREFIX = "participant/";
export const METER_KEY_PREFIX = "meter/";

/** Prefix of account keys, for storage scans. */
export const ACCOUNT_KEY_PREFIX = "account/";

/** Copy-on-write view over a reader. Writes stay here until merged into a parent overlay. */
export class StateOverlay implements StateReader {
  private readonly writes = new Map<string, unknown | null>();
  constructor(private readonly base: StateReader) {}

  get(key: string): unknown {
    if (this.writes.has(key)) {
      const v = this.writes.get(key);
      return v === null ? undefined : v;
    }
    return this.base.get(key);
  }

  set(key: string, value: unknown): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /** A child overlay whose writes can be merged here or dropped. */
  fork(): StateOverlay {
    return new StateOverlay(this);
  }

  /** Applies a child's writes to this overlay. */
  merge(child: StateOverlay): void {
    for (const [k, v] of child.writes) this.writes.set(k, v);
  }

  /** Changes sorted by key (code-unit order), the order the state root commits to. */
  changes(): StateChange[] {
    const keys = [...this.writes.keys()].sort();
    return keys.map((k) => [k, this.writes.get(k) ?? null] as const);
  }

  get size(): number {
    return this.writes.size;
  }

  /** Entries whose key starts with `prefix`, as this overlay sees them (slow: scans the base). */
  *entriesWithPrefix(prefix: string): Iterable<[string, unknown]> {
    const base = this.base as Partial<PrefixScan>;
    if (base.entriesWithPrefix) {
      for (const [k, v] of base.entriesWithPrefix(prefix)) if (!this.writes.has(k)) yield [k, v];
    }
    for (const [k, v] of this.writes) if (v !== null && k.startsWith(prefix)) yield [k, v];
  }

  // Typed accessors used throughout the transition.
  getAccount(address: string): Account {
    return (this.get(stateKey.account(address)) as Account | undefined) ?? EMPTY_ACCOUNT;
  }

  setAccount(address: string, account: Account): void {
    this.set(stateKey.account(address), account);
  }

  getParams(): ChainParams {
    const params = this.get(stateKey.params()) as ChainParams | undefined;
    if (params === undefined) throw new Error("state has no chain parameters (no genesis?)");
    return params;
  }
}

/** In-memory committed state, a plain map. */
export class MemoryState implements StateReader {
  constructor(readonly entries: Map<string, unknown> = new Map()) {}

  get(key: string): unknown {
    return this.entries.get(key);
  }

  *entriesWithPrefix(prefix: string): Iterable<[string, unknown]> {
    for (const e of this.entries) if (e[0].startsWith(prefix)) yield e;
  }

  apply(changes: readonly StateChange[]): void {
    for (const [k, v] of changes) {
      if (k.startsWith(WRITE_ONLY_KEY_PREFIX)) continue;
      if (v === null) this.entries.delete(k);
      else this.entries.set(k, v);
    }
  }
}

/** Typed read of an account from any reader. */
export function getAccount(state: StateReader, address: string): Account {
  return (state.get(stateKey.account(address)) as Account | undefined) ?? EMPTY_ACCOUNT;
}
