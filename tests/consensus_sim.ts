/**
 * A deterministic discrete-event simulation of consensus engines wired
 * through an in-memory message bus with virtual time, per-link delays,
 * drops, partitions and paused nodes. Blocks are opaque hashes; the "node"
 * part answers buildProposal / validateProposal and restarts the engine on
 * the next height after each commit (as the real node does).
 */
import { getPublicKey, sign } from "../node/crypto/ed25519.ts";
import { toHex } from "../node/crypto/hex.ts";
import { sha256Hex } from "../node/crypto/sha256.ts";
import { addressFromPublicKey } from "../node/crypto/address.ts";
import {
  type ConsensusAction,
  ConsensusEngine,
  type ConsensusEvent,
} from "../node/consensus/engine.ts";
import { ValidatorSet, type Voter } from "../node/consensus/validator_set.ts";
import {
  type DuplicateVoteEvidence,
  signProposal,
  signVote,
  verifyCommit,
  type Vote,
} from "../node/consensus/votes.ts";

export const NETWORK_ID = 7;
export const GENESIS_HASH = "11".repeat(32);

export interface SimKey {
  secret: Uint8Array;
  publicKey: string;
  address: string;
}

/** Deterministic keys: secret = SHA-256("sim-key-" + i). */
export function makeKeys(n: number): SimKey[] {
  return Array.from({ length: n }, (_, i) => {
    const secret = new Uint8Array(
      (sha256Hex(new TextEncoder().encode(`sim-key-${i}`)).match(/../g) ?? []).map((h) =>
        parseInt(h, 16)
      ),
    );
    const pub = getPublicKey(secret);
    return { secret, publicKey: toHex(pub), address: addressFromPublicKey(pub) };
  });
}

export function makeSet(
  keys: SimKey[],
  stakes: number[],
  authorities: SimKey[] = [],
): ValidatorSet {
  const validators: Voter[] = keys.map((k, i) => ({
    publicKey: k.publicKey,
    address: k.address,
    power: stakes[i]!,
    role: "validator",
    name: "",
  }));
  const auth: Voter[] = authorities.map((k, i) => ({
    publicKey: k.publicKey,
    address: k.address,
    power: 10,
    role: "authority",
    name: `AUTH${i}`,
  }));
  return new ValidatorSet(validators, auth);
}

interface QueueItem {
  atMs: number;
  seq: number;
  node: number;
  event: ConsensusEvent;
  /** Network messages are dropped if the receiver is paused or cut off; timers wait. */
  kind: "net" | "timer" | "local";
}

export interface SimOptions {
  keys: SimKey[];
  set: ValidatorSet;
  /** Per-message delay, ms (default 10). */
  delayMs?: (from: number, to: number, seq: number) => number;
  /** Pause between a commit and the next height's start, ms (default 100). */
  commitWaitMs?: number;
}

export class Sim {
  readonly engines: ConsensusEngine[];
  readonly keys: SimKey[];
  readonly set: ValidatorSet;
  /** committed[node][height] = block hash. */
  readonly committed: Map<number, string>[];
  readonly evidence: DuplicateVoteEvidence[][] = [];
  readonly rounds: number[];
  nowMs = 0;
  #queue: QueueItem[] = [];
  #seq = 0;
  readonly paused = new Set<number>();
  /** Pairs [a,b] that cannot talk (partition). */
  readonly cut = new Set<string>();
  /** Drop predicate for network messages. */
  drop: (from: number, to: number, event: ConsensusEvent) => boolean = () => false;
  /** Byzantine proposers: send a different proposal to the second half of the nodes. */
  readonly byzantineProposers = new Set<number>();
  /** Equivocators: send a second, nil vote for every block vote. */
  readonly equivocators = new Set<number>();
  readonly invalidBlocks = new Set<string>();
  #deferred: QueueItem[] = [];
  readonly #delay: (from: number, to: number, seq: number) => number;
  readonly #commitWaitMs: number;
  readonly heights: number[];

  constructor(opts: SimOptions) {
    this.keys = opts.keys;
    this.set = opts.set;
    this.#delay = opts.delayMs ?? (() => 10);
    this.#commitWaitMs = opts.commitWaitMs ?? 100;
    this.engines = opts.keys.map((k) =>
      new ConsensusEngine({
        networkId: NETWORK_ID,
        signer: { publicKey: k.publicKey, sign: (b) => sign(b, k.secret) },
        timeouts: { proposeMs: 300, prevoteMs: 100, precommitMs: 100, deltaMs: 100 },
      })
    );
    this.committed = opts.keys.map(() => new Map());
    this.evidence = opts.keys.map(() => []);
    this.rounds = opts.keys.map(() => 0);
    this.heights = opts.keys.map(() => 0);
  }

  start(): void {
    this.engines.forEach((_, i) => this.#push(i, 0, this.#startEvent(1, GENESIS_HASH), "local"));
  }

  #startEvent(height: number, prevHash: string): ConsensusEvent {
    return { type: "start", height, prevHash, validators: this.set };
  }

  #push(node: number, delayMs: number, event: ConsensusEvent, kind: QueueItem["kind"]): void {
    const item = { atMs: this.nowMs + delayMs, seq: this.#seq++, node, event, kind };
    // Insert keeping (atMs, seq) order.
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1]!.atMs > item.atMs) i--;
    this.#queue.splice(i, 0, item);
  }

  #send(from: number, event: ConsensusEvent, to?: number[]): void {
    const targets = to ?? this.engines.map((_, i) => i).filter((i) => i !== from);
    for (const t of targets) {
      if (t === from) continue;
      this.#push(t, this.#delay(from, t, this.#seq), { ...event }, "net");
      const last = this.#queue.find((q) => q.seq === this.#seq - 1)!;
      (last as QueueItem & { from?: number }).from = from;
    }
  }

  #isCut(a: number, b: number): boolean {
    return this.cut.has(`${a}-${b}`) || this.cut.has(`${b}-${a}`);
  }

  /** Cuts every link between group A and group B. */
  partition(a: number[], b: number[]): void {
    for (const x of a) for (const y of b) this.cut.add(`${x}-${y}`);
  }

  heal(): void {
    this.cut.clear();
  }

  pause(node: number): void {
    this.paused.add(node);
  }

  /** Resumes a node: deferred timers fire; if the others went ahead, it syncs their commits. */
  resume(node: number): void {
    this.paused.delete(node);
    const best = this.committed.reduce(
      (b, m, i) => (this.paused.has(i) || m.size <= this.committed[b]!.size ? b : i),
      node,
    );
    const mine = this.committed[node]!;
    const theirs = this.committed[best]!;
    if (theirs.size > mine.size) {
      for (const [h, hash] of theirs) mine.set(h, hash);
      const top = theirs.size;
      this.heights[node] = top;
      this.#push(node, 0, this.#startEvent(top + 1, theirs.get(top)!), "local");
    }
    for (const item of this.#deferred.filter((d) => d.node === node)) {
      this.#push(node, 0, item.event, item.kind);
    }
    this.#deferred = this.#deferred.filter((d) => d.node !== node);
  }

  /** Runs the simulation until virtual time `untilMs`. */
  /** Simulated block sync: adopt the commits of the most advanced reachable node. */
  #syncFromPeers(node: number): void {
    let best = node;
    this.committed.forEach((m, i) => {
      if (!this.paused.has(i) && !this.#isCut(i, node) && m.size > this.committed[best]!.size) {
        best = i;
      }
    });
    const mine = this.committed[node]!;
    const theirs = this.committed[best]!;
    if (theirs.size <= mine.size) return;
    for (const [h, hash] of theirs) mine.set(h, hash);
    this.heights[node] = theirs.size;
    const actions = this.engines[node]!.handle(
      this.#startEvent(theirs.size + 1, theirs.get(theirs.size)!),
    );
    this.#perform(node, actions);
  }

  readonly #syncChecks = new Set<number>();

  runUntil(untilMs: number): void {
    while (this.#queue.length > 0 && this.#queue[0]!.atMs <= untilMs) {
      const item = this.#queue.shift()!;
      this.nowMs = item.atMs;
      const from = (item as QueueItem & { from?: number }).from;
      if (this.paused.has(item.node)) {
        if (item.kind !== "net") this.#deferred.push(item);
        continue;
      }
      if (item.kind === "net" && from !== undefined) {
        if (this.paused.has(from) || this.#isCut(from, item.node)) continue;
        if (this.drop(from, item.node, item.event)) continue;
      }
      if (item.event.type === "timeout" && item.event.height === -1) {
        this.#syncFromPeers(item.node);
        continue;
      }
      const actions = this.engines[item.node]!.handle(item.event);
      this.#perform(item.node, actions);
    }
    this.nowMs = untilMs;
  }

  #perform(i: number, actions: ConsensusAction[]): void {
    const key = this.keys[i]!;
    for (const a of actions) {
      switch (a.type) {
        case "newRound":
          this.rounds[i]!++;
          break;
        case "buildProposal": {
          const hash = sha256Hex(new TextEncoder().encode(`block/${a.height}/${a.round}/${i}`));
          this.#push(i, 5, {
            type: "proposalBuilt",
            height: a.height,
            round: a.round,
            blockHash: hash,
          }, "local");
          break;
        }
        case "broadcastProposal":
          if (this.byzantineProposers.has(i)) {
            const n = this.engines.length;
            const other = signProposal({
              ...a.proposal,
              blockHash: sha256Hex(
                new TextEncoder().encode(`evil/${a.proposal.height}/${a.proposal.round}`),
              ),
            }, (b) => sign(b, key.secret));
            const all = this.engines.map((_, j) => j).filter((j) => j !== i);
            this.#send(i, { type: "proposal", proposal: a.proposal }, all.filter((j) => j < n / 2));
            this.#send(i, { type: "proposal", proposal: other }, all.filter((j) => j >= n / 2));
          } else {
            this.#send(i, { type: "proposal", proposal: a.proposal });
          }
          break;
        case "validateProposal":
          this.#push(i, 2, {
            type: "proposalValidity",
            height: a.height,
            blockHash: a.blockHash,
            valid: !this.invalidBlocks.has(a.blockHash),
          }, "local");
          break;
        case "broadcastVote":
          this.#send(i, { type: "vote", vote: a.vote });
          if (this.equivocators.has(i) && a.vote.blockHash !== null) {
            const twin: Vote = signVote({ ...a.vote, blockHash: null }, (b) => sign(b, key.secret));
            this.#send(i, { type: "vote", vote: twin });
          }
          break;
        case "gossipVotes":
          // The proof-of-lock of our valid value, relayed as signed (the driver publishes each vote).
          for (const vote of a.votes) this.#send(i, { type: "vote", vote });
          break;
        case "scheduleTimeout":
          this.#push(i, a.delayMs, {
            type: "timeout",
            step: a.step,
            height: a.height,
            round: a.round,
          }, "timer");
          break;
        case "commit": {
          verifyCommit(this.set, NETWORK_ID, a.blockHash, a);
          const map = this.committed[i]!;
          if (map.has(a.height)) throw new Error(`node ${i} committed height ${a.height} twice`);
          map.set(a.height, a.blockHash);
          this.heights[i] = a.height;
          this.#push(i, this.#commitWaitMs, this.#startEvent(a.height + 1, a.blockHash), "local");
          break;
        }
        case "evidence":
          this.evidence[i]!.push(a.evidence);
          break;
        case "syncNeeded":
          this.#push(
            i,
            500,
            { type: "timeout", step: "rebroadcast", height: -1, round: 0 },
            "timer",
          );
          this.#syncChecks.add(i);
          break;
      }
    }
  }

  /** Throws if two nodes finalized different blocks at one height. */
  assertNoConflicts(): void {
    const byHeight = new Map<number, string>();
    for (const m of this.committed) {
      for (const [h, hash] of m) {
        const seen = byHeight.get(h);
        if (seen !== undefined && seen !== hash) {
          throw new Error(`Conflicting blocks finalized at height ${h}: ${seen} and ${hash}`);
        }
        byHeight.set(h, hash);
      }
    }
  }

  maxHeight(nodes?: number[]): number {
    return Math.max(
      ...(nodes ?? this.engines.map((_, i) => i)).map((i) => this.committed[i]!.size),
    );
  }

  minHeight(nodes?: number[]): number {
    return Math.min(
      ...(nodes ?? this.engines.map((_, i) => i)).map((i) => this.committed[i]!.size),
    );
  }
}
