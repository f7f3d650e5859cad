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
  serviceArea: string[];
  status: "active" | "suspended";
}

/** Every state key; nothing else builds them. */
export const stateKey = {
  account: (address: string) => `account/${address}`,
  params: () => "params",
  validators: () => "validators",
  authorities: () => "authorities",
  /** Unbonding releases due at a height: [address, amountSatang][]. */
  unbondingAt: (height: number) => `unbonding/${height.toString().padStart(12, "0")}`,
} as const;

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

  apply(changes: readonly StateChange[]): void {
    for (const [k, v] of changes) {
      if (v === null) this.entries.delete(k);
      else this.entries.set(k, v);
    }
  }
}

/** Typed read of an account from any reader. */
export function getAccount(state: StateReader, address: string): Account {
  return (state.get(stateKey.account(address)) as Account | undefined) ?? EMPTY_ACCOUNT;
}
