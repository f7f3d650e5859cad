/**
 * How far this node's clock is from its peers', estimated from the send time
 * every gossip envelope carries (`sentAtMs`). A node whose clock is off by
 * more than the freshness window has its gossip dropped by everyone
 * (docs/p2p.md §3) and would otherwise not notice: its API still accepts
 * transactions that never reach another node. So the estimate is reported
 * (status, metric) and warned about.
 *
 * Samples are kept per connected peer (the libp2p connection is
 * authenticated, the envelope time of a stale message is not), as the median
 * of that peer's recent samples, and the estimate is the median over peers:
 * one lying or relaying-skewed peer cannot move it alone.
 */

/** Samples kept per peer. */
const SAMPLES_PER_PEER = 9;
/** A peer's samples older than this no longer count. */
const SAMPLE_MAX_AGE_MS = 5 * 60_000;
/** Peers tracked at most (the oldest is forgotten). */
const MAX_PEERS = 256;

/** Clock offsets beyond this are warned about (a proposer this far ahead is refused by default). */
export const CLOCK_OFFSET_WARN_MS = 5_000;

/** The estimate: this node's clock minus the peers' (positive = we are ahead). */
export interface ClockOffset {
  offsetMs: number;
  /** Peers the estimate comes from. */
  peers: number;
}

interface PeerSamples {
  offsetsMs: number[];
  lastAtMs: number;
}

/** Per-peer samples of (local receive time − envelope send time). */
export class ClockOffsetEstimator {
  readonly #peers = new Map<string, PeerSamples>();

  /** Records one envelope from `peer` sent at `sentAtMs` (its clock), received at `nowMs` (ours). */
  record(peer: string, sentAtMs: number, nowMs: number): void {
    let entry = this.#peers.get(peer);
    if (entry === undefined) {
      if (this.#peers.size >= MAX_PEERS) this.#forgetOldest();
      entry = { offsetsMs: [], lastAtMs: nowMs };
      this.#peers.set(peer, entry);
    }
    entry.offsetsMs.push(nowMs - sentAtMs);
    if (entry.offsetsMs.length > SAMPLES_PER_PEER) entry.offsetsMs.shift();
    entry.lastAtMs = nowMs;
  }

  /** Median over peers heard from recently of each peer's median; null when none. */
  estimate(nowMs: number): ClockOffset | null {
    const perPeer: number[] = [];
    for (const entry of this.#peers.values()) {
      if (nowMs - entry.lastAtMs > SAMPLE_MAX_AGE_MS) continue;
      perPeer.push(median(entry.offsetsMs));
    }
    if (perPeer.length === 0) return null;
    return { offsetMs: Math.round(median(perPeer)), peers: perPeer.length };
  }

  #forgetOldest(): void {
    let oldest: string | null = null;
    let oldestAtMs = Infinity;
    for (const [peer, entry] of this.#peers) {
      if (entry.lastAtMs < oldestAtMs) {
        oldest = peer;
        oldestAtMs = entry.lastAtMs;
      }
    }
    if (oldest !== null) this.#peers.delete(oldest);
  }
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
