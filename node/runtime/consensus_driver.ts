/**
 * Glue between the consensus engine (pure state machine), the node (blocks,
 * state, storage) and the network: feeds the engine events (start, proposals,
 * votes, timeouts, build and validation results) and carries out its actions.
 *
 * All chain work (build, validate, commit, sync import) runs one task at a
 * time on `#chain`, so the state, the market replica and the head never see
 * two blocks at once. Engine events are handled synchronously as they come.
 * Our own proposals and votes are recorded in KV before they leave the node,
 * so a restarted validator never signs a conflicting message.
 */
import type { ClockOffset } from "../p2p/clock_offset.ts";
import type { Block } from "../chain/block.ts";
import { computeBlockHash } from "../chain/block.ts";
import {
  computeDefaultTimeouts,
  type ConsensusAction,
  ConsensusEngine,
  type ConsensusEvent,
  type EngineResume,
  type EngineStatus,
} from "../consensus/engine.ts";
import {
  type Commit,
  type DuplicateVoteEvidence,
  getProposalVerifyItem,
  getVoteVerifyItem,
  isProofOfLock,
  type Proposal,
  type Vote,
} from "../consensus/votes.ts";
import type { ValidatorSet } from "../consensus/validator_set.ts";
import { fromHex } from "../crypto/hex.ts";
import { computeBlockSigningBytes } from "../chain/block.ts";
import { createNetworkMetrics, type NetworkMetrics } from "../metrics/network_metrics.ts";
import type { Verdict } from "../p2p/p2p_node.ts";
import {
  compactPolPrevotes,
  expandPolPrevotes,
  getLastSignedRound,
  loadLockedBlock,
  loadSignedRecord,
  saveLockedBlock,
  saveSignedRecord,
  type SignedEntry,
  type SignedRecord,
} from "../storage/signing_record.ts";
import { PowStateRecorder } from "../storage/pow_state_record.ts";
import { computeNextStartDelayMs, type PreparedBlock } from "./block_pipeline.ts";
import { FAULT_RETRY_MS, type GridNode } from "./grid_node.ts";
import { NodeNetwork } from "./network.ts";
import { syncFromPeers } from "./sync.ts";
import type { BlockWithCommit } from "./wire_messages.ts";

/** A block the node holds for the current or next height. */
interface HeldBlock {
  block: Block;
  prepared: PreparedBlock | null;
  seenAtMs: number;
}

/** The engine, the network and the chain task queue of one node. */
export class ConsensusDriver {
  readonly network: NodeNetwork | null;
  readonly metrics: NetworkMetrics;
  #engine: ConsensusEngine;
  #chain: Promise<unknown> = Promise.resolve();
  #blocks = new Map<string, HeldBlock>();
  /** Blocks the engine asked to validate that we do not hold yet. */
  #missing = new Set<string>();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  /** After an empty block: looks for waiting transactions before the block time is up. */
  #earlyStartTimer: ReturnType<typeof setTimeout> | undefined;
  #syncTimer: ReturnType<typeof setInterval> | undefined;
  #mining: AbortController | null = null;
  /** Round whose proposal `#mining` builds. */
  #miningRound = -1;
  #signed: SignedRecord;
  #signedWrite: Promise<void> = Promise.resolve();
  #stopped = false;
  #syncing = false;
  /** Highest height peers are known to have finalized (from their messages). */
  #peerHeightHint = 0;
  #lastProgressMs = 0;
  /** Double-signing proofs waiting for their height to be committed. */
  #evidence: DuplicateVoteEvidence[] = [];
  /** Hash of the locked (valid) block written (or being written) to KV. */
  #lockedBlockSaved: string | null = null;
  #lockedBlockWrite: Promise<void> = Promise.resolve();
  /** PowState saved after each committed block (boot reads it: pow_state_record.ts). */
  #powRecorder: PowStateRecorder;
  #onBlock = (e: Event) => {
    const { hash, block } = (e as CustomEvent<{ hash: string; block: Block }>).detail;
    this.#powRecorder.record({ height: block.header.height, hash, pow: this.node.powState });
  };

  private constructor(
    readonly node: GridNode,
    signed: SignedRecord | null,
    lockedBlock: Block | null,
  ) {
    this.#signed = signed ?? { height: -1, entries: [] };
    if (lockedBlock !== null) {
      // Restored lock: held so it can be re-proposed (and validated) at its height.
      const hash = computeBlockHash(lockedBlock.header);
      this.#blocks.set(hash, { block: lockedBlock, prepared: null, seenAtMs: performance.now() });
      this.#lockedBlockSaved = hash;
    }
    this.#powRecorder = new PowStateRecorder(
      () => node.store.kv,
      (e) => node.log.warn("consensus.pow_state_save_failed", { error: String(e) }),
    );
    this.#engine = this.#createEngine();
    this.network = null;
    this.metrics = createNetworkMetrics(
      node.registry,
      () => this.peerCount(),
      () => this.clockOffset()?.offsetMs ?? null,
    );
  }

  /** Creates the driver and, when `[p2p] enabled`, its network (not started). */
  static async create(node: GridNode): Promise<ConsensusDriver> {
    const signed = await loadSignedRecord(node.store.kv);
    const lock = signed !== null && signed.height === node.head.header.height + 1
      ? signed.lock
      : undefined;
    if (lock?.polPrevotes !== undefined) {
      // Our own KV, but the proof is gossiped to peers and decides the resume: check it.
      const votes = expandPolPrevotes(signed!, node.head.header.networkId);
      const ok = await node.verifier.verifyBatch(votes.map(getVoteVerifyItem));
      if (ok.some((v) => !v)) {
        node.log.warn("consensus.lock_proof_invalid", { height: signed!.height });
        delete lock.polPrevotes;
      }
    }
    const lockedHash = lock?.validBlockHash ?? lock?.lockedBlockHash ?? null;
    const lockedBlock = lockedHash === null
      ? null
      : await loadLockedBlock(node.store.kv, lockedHash);
    const driver = new ConsensusDriver(node, signed, lockedBlock);
    if (node.config.p2p.enabled) {
      (driver as { network: NodeNetwork | null }).network = await NodeNetwork.create(node, {
        onVote: (v) => driver.#onVote(v),
        onProposal: (p, b) => driver.#onProposal(p, b),
        onCommittedBlock: (b, c) => driver.#onCommittedBlock(b, c),
      });
    }
    return driver;
  }

  #createEngine(): ConsensusEngine {
    const node = this.node;
    return new ConsensusEngine({
      networkId: node.head.header.networkId,
      signer: { publicKey: node.wallet.publicKeyHex, sign: node.wallet.sign },
      timeouts: computeDefaultTimeouts(node.config.consensus.block_time_ms),
    });
  }

  /** Starts the network, then consensus at the height after the head. */
  async start(): Promise<void> {
    if (this.network) {
      await this.network.start();
      this.node.log.info("p2p.listening", {
        peer_id: this.network.peerId,
        addresses: this.network.multiaddrs().join(","),
      });
      const every = Math.max(500, this.node.config.consensus.block_time_ms);
      this.#syncTimer = setInterval(() => this.#syncInBackground(), every);
    }
    this.node.events.addEventListener("block", this.#onBlock);
    this.#startHeight();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#syncTimer);
    clearTimeout(this.#startTimer);
    clearTimeout(this.#earlyStartTimer);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#mining?.abort();
    await this.network?.stop().catch(() => {});
    await this.#chain.catch(() => {});
    await this.#signedWrite.catch(() => {});
    this.node.events.removeEventListener("block", this.#onBlock);
    await this.#powRecorder.flush();
    await this.#lockedBlockWrite.catch(() => {});
  }

  engineStatus(): EngineStatus {
    return this.#engine.status;
  }

  peerCount(): number {
    return this.network?.peerCount() ?? 0;
  }

  peerId(): string | null {
    return this.network?.peerId ?? null;
  }

  /** This node's clock minus its peers' (null without p2p or before any gossip). */
  clockOffset(): ClockOffset | null {
    return this.network?.clockOffset() ?? null;
  }

  /** Runs `fn` after every chain task queued before it. */
  #runChain<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => (this.#stopped ? undefined as T : fn()));
    this.#chain = run.catch(() => {});
    return run;
  }

  #feed(event: ConsensusEvent): void {
    if (this.#stopped) return;
    for (const action of this.#engine.handle(event)) this.#perform(action);
  }

  /** Submits the evidence whose height is committed (an `evidence` tx needs a past height). */
  #submitEvidence(): void {
    const head = this.node.head.header.height;
    const ready = this.#evidence.filter((e) => e.voteA.height <= head);
    this.#evidence = this.#evidence.filter((e) => e.voteA.height > head);
    for (const evidence of ready) {
      this.node.submitEvidence(evidence).then(
        (id) => this.node.log.info("consensus.evidence_submitted", { tx: id }),
        (e) => this.node.log.warn("consensus.evidence_failed", { error: String(e) }),
      );
    }
  }

  #startHeight(): void {
    if (this.#stopped || this.node.fault) return;
    this.#submitEvidence();
    clearTimeout(this.#startTimer);
    clearTimeout(this.#earlyStartTimer);
    this.#mining?.abort();
    this.#mining = null;
    const head = this.node.head;
    for (const [hash, held] of this.#blocks) {
      if (held.block.header.height <= head.header.height) this.#blocks.delete(hash);
    }
    this.#missing.clear();
    const height = head.header.height + 1;
    const validators = this.node.getValidatorSet();
    const resume = this.#computeResume(height, validators);
    this.#feed({
      type: "start",
      height,
      prevHash: head.hash,
      validators,
      ...(resume === null ? {} : { resume }),
    });
  }

  /**
   * After a restart in the middle of `height` (the signing record is of it):
   * the persisted lock with the prevotes that justify it, and the round after
   * the last one signed. A lock is restored only with its proof-of-lock (the
   * +2/3 prevotes for the valid value): the engine re-gossips them so peers
   * that lost them can accept the value's re-proposal. Without the proof (a
   * record written before proofs were kept) peers might never be shown one,
   * and two such locked voters of four stall the height for good.
   */
  #computeResume(height: number, validators: ValidatorSet): EngineResume | null {
    const rec = this.#signed;
    if (rec.height !== height) return null;
    let lock = rec.lock;
    const lockBlock = lock?.validBlockHash ?? lock?.lockedBlockHash ?? null;
    const networkId = this.node.head.header.networkId;
    const polPrevotes = expandPolPrevotes(rec, networkId);
    if (lockBlock !== null && !this.#blocks.has(lockBlock) && this.network === null) {
      // Without p2p our votes never left the node: no one can have seen the lock,
      // and no one could hand us its lost block, so it is released.
      this.node.log.warn("consensus.lock_released", { height, locked_block_hash: lockBlock });
      lock = undefined;
    } else if (
      lock !== undefined && lockBlock !== null &&
      (lock.validBlockHash === null ||
        !isProofOfLock(
          validators,
          networkId,
          height,
          lock.validRound,
          lock.validBlockHash,
          polPrevotes,
        ))
    ) {
      this.node.log.warn("consensus.lock_not_restored", {
        height,
        locked_block_hash: lockBlock,
        reason: "no proof-of-lock prevotes in the signing record",
      });
      lock = undefined;
    }
    const resume: EngineResume = {
      round: getLastSignedRound(rec, height) + 1,
      lockedBlockHash: lock?.lockedBlockHash ?? null,
      lockedRound: lock?.lockedRound ?? -1,
      validBlockHash: lock?.validBlockHash ?? null,
      validRound: lock?.validRound ?? -1,
      ...(lock === undefined ? {} : { polPrevotes }),
    };
    this.node.log.info("consensus.resumed", {
      height,
      round: resume.round,
      locked_block_hash: resume.lockedBlockHash ?? "",
      locked_round: resume.lockedRound,
      valid_round: resume.validRound,
      pol_prevotes: resume.polPrevotes?.length ?? 0,
    });
    return resume;
  }

  /**
   * Starts the next height at the head's timestamp + block time (or the PoW
   * target), but never waits longer than that delay from now: a head stamped
   * by a proposer whose clock runs ahead (within the drift bound), or a local
   * clock running behind, must not stall every height by the skew.
   */
  #scheduleStart(emptyHead: boolean): void {
    clearTimeout(this.#startTimer);
    clearTimeout(this.#earlyStartTimer);
    const head = this.node.head.header;
    const delayMs = computeNextStartDelayMs(this.node.state, head.difficulty > 0);
    const waitMs = Math.min(delayMs, Math.max(0, head.timestampMs + delayMs - Date.now()));
    this.#startTimer = setTimeout(() => this.#startHeight(), waitMs);
    if (emptyHead) this.#scheduleEarlyStart();
  }

  /**
   * An empty block was built in a gap between arrivals; waiting the whole
   * block time after it only delays what arrives next (measured: energy
   * orders at 2,000/s and 2 s blocks waited up to 2 s behind 1 empty block in
   * 5). So every PoW target period (the spacing of sealed blocks) the node
   * looks at its mempool and starts the next height as soon as it holds
   * transactions. An idle chain keeps its block time.
   */
  #scheduleEarlyStart(): void {
    const everyMs = computeNextStartDelayMs(this.node.state, true);
    this.#earlyStartTimer = setTimeout(() => {
      if (this.node.mempool.size > 0) this.#startHeight();
      else this.#scheduleEarlyStart();
    }, everyMs);
  }

  #perform(a: ConsensusAction): void {
    switch (a.type) {
      case "newRound":
        this.node.metrics.consensusRounds.inc();
        // A later round throws away the proposal being sealed: stop mining it, so
        // the chain queue is free for this round's build or validation.
        if (this.#mining !== null && a.round > this.#miningRound) this.#mining.abort();
        if (a.round > 0) {
          this.node.log.info("consensus.round", { height: a.height, round: a.round });
        }
        break;
      case "buildProposal":
        void this.#runChain(() => this.#build(a.height, a.round));
        break;
      case "broadcastProposal":
        this.#broadcastProposal(a.proposal).catch((e) => this.#onSendFailed("proposal", e));
        break;
      case "validateProposal":
        void this.#runChain(() => this.#validate(a.height, a.blockHash));
        break;
      case "broadcastVote":
        this.#broadcastVote(a.vote).catch((e) => this.#onSendFailed("vote", e));
        break;
      case "gossipVotes":
        // Votes already signed and counted (the proof-of-lock of our valid value):
        // relayed as they are, so no signing-record check.
        this.node.log.debug("consensus.pol_gossiped", {
          height: a.votes[0]?.height ?? -1,
          round: a.votes[0]?.round ?? -1,
          votes: a.votes.length,
        });
        for (const vote of a.votes) this.network?.publishVote(vote);
        break;
      case "scheduleTimeout": {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          this.#feed({ type: "timeout", step: a.step, height: a.height, round: a.round });
        }, a.delayMs);
        this.#timers.add(t);
        break;
      }
      case "commit":
        void this.#runChain(() => this.#commit(a));
        break;
      case "syncNeeded":
        this.#peerHeightHint = Math.max(this.#peerHeightHint, a.peerHeight - 1);
        break;
      case "evidence":
        this.metrics.evidence.inc();
        this.node.log.warn("consensus.equivocation", {
          validator: a.evidence.voteA.validator,
          height: a.evidence.voteA.height,
          round: a.evidence.voteA.round,
          type: a.evidence.voteA.type,
        });
        // Evidence must be from a past height: kept until its height is committed.
        this.#evidence.push(a.evidence);
        this.#submitEvidence();
        break;
    }
  }

  async #build(height: number, round: number): Promise<void> {
    const st = this.#engine.status;
    if (st.height !== height || st.round !== round || height !== this.node.head.header.height + 1) {
      return;
    }
    this.#mining?.abort();
    const mining = this.#mining = new AbortController();
    this.#miningRound = round;
    let p: PreparedBlock | null;
    try {
      p = await this.node.buildProposal(mining.signal);
    } catch (e) {
      this.node.log.error("block.build_failed", { height, error: String(e) });
      return;
    }
    if (p === null || p.block.header.height !== this.node.head.header.height + 1) return;
    this.#blocks.set(p.hash, { block: p.block, prepared: p, seenAtMs: performance.now() });
    this.#feed({ type: "proposalBuilt", height, round, blockHash: p.hash });
  }

  async #validate(height: number, blockHash: string): Promise<void> {
    if (height !== this.node.head.header.height + 1) return;
    const held = this.#blocks.get(blockHash);
    if (held === undefined) {
      this.#missing.add(blockHash);
      // Not received (a proposal missed, or +2/3 precommits for it): fetch it by hash from peers.
      this.network?.fetchBlockByHash(blockHash).then((block) => {
        if (block === null || block.header.height !== height || this.#blocks.has(blockHash)) return;
        this.#blocks.set(blockHash, { block, prepared: null, seenAtMs: performance.now() });
        if (this.#missing.delete(blockHash)) {
          void this.#runChain(() => this.#validate(height, blockHash));
        }
      }, () => {});
      return;
    }
    let valid = false;
    if (held.prepared !== null && held.prepared.parentHash === this.node.head.hash) {
      valid = true;
    } else {
      try {
        held.prepared = await this.node.validateProposal(held.block);
        valid = true;
      } catch (e) {
        this.node.log.warn("block.invalid_proposal", {
          height,
          hash: blockHash,
          error: (e as Error).message,
        });
      }
    }
    this.#feed({ type: "proposalValidity", height, blockHash, valid });
  }

  async #commit(a: Extract<ConsensusAction, { type: "commit" }>): Promise<void> {
    const head = this.node.head;
    if (a.height !== head.header.height + 1) return;
    const held = this.#blocks.get(a.blockHash);
    if (held === undefined) return;
    const commit: Commit = {
      height: a.height,
      round: a.round,
      blockHash: a.blockHash,
      precommits: a.precommits,
    };
    try {
      held.prepared ??= await this.node.validateFinalized(held.block, commit);
      if (held.prepared.parentHash !== head.hash) {
        held.prepared = await this.node.validateFinalized(held.block, commit);
      }
    } catch (e) {
      // Cannot happen for a block we validated; sync will fetch it.
      this.node.log.error("block.commit_invalid", { height: a.height, error: String(e) });
      return;
    }
    const ok = await this.node.commitPrepared(held.prepared, commit);
    if (!ok) {
      if (this.node.fault) this.#scheduleRecovery();
      return;
    }
    this.metrics.finalitySeconds.observe((performance.now() - held.seenAtMs) / 1000);
    this.#lastProgressMs = Date.now();
    if (held.block.header.proposer === this.node.wallet.publicKeyHex) {
      this.network?.publishCommittedBlock(held.block, commit);
    }
    this.#scheduleStart(held.block.txs.length === 0);
  }

  #scheduleRecovery(): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      void this.#runChain(async () => {
        await this.node.recoverFromFault();
        if (this.node.fault) return this.#scheduleRecovery();
        // A fresh engine: the old one is finished with the height that failed.
        this.#engine = this.#createEngine();
        this.#startHeight();
      });
    }, FAULT_RETRY_MS);
    this.#timers.add(t);
  }

  // ---- our own messages: recorded before they leave the node -------------

  /**
   * Whether we may send our message at (height, round, step): never a
   * different one at a position already signed, never one of an earlier round
   * of a height (after a restart). Records and persists a new position.
   */
  async #guard(
    height: number,
    round: number,
    step: 0 | 1 | 2,
    hash: string | null,
  ): Promise<boolean> {
    const rec = this.#signed;
    if (rec.height > height) return false;
    if (rec.height === height) {
      const same = rec.entries.find((e) => e.round === round && e.step === step);
      if (same !== undefined) {
        if (same.blockHash !== hash) return false;
        return await this.#awaitSignedWrite(height);
      }
      if (rec.entries.some((e) => e.round > round)) return false;
    }
    const entry: SignedEntry = { round, step, blockHash: hash };
    // The engine's lock and the prevotes that justify it go with the record (one
    // write), so the lock a precommit creates is durable, with its proof, before
    // that precommit leaves the node.
    const st = this.#engine.status;
    const pol = this.#engine.getProofOfLock();
    const lock = st.height === height
      ? {
        lockedBlockHash: st.lockedBlockHash,
        lockedRound: st.lockedRound,
        validBlockHash: st.validBlockHash,
        validRound: st.validRound,
        ...(pol === null ? {} : { polPrevotes: compactPolPrevotes(pol.prevotes) }),
      }
      : undefined;
    const entries = rec.height === height ? [...rec.entries, entry] : [entry];
    this.#signed = lock === undefined ? { height, entries } : { height, entries, lock };
    if (lock !== undefined) {
      this.#scheduleLockedBlockSave(height, lock.validBlockHash ?? lock.lockedBlockHash);
    }
    const snapshot = this.#signed;
    const kv = this.node.store.kv;
    this.#signedWrite = this.#signedWrite.catch(() => {}).then(() =>
      saveSignedRecord(kv, snapshot)
    );
    return await this.#awaitSignedWrite(height);
  }

  /** Whether the signing record written last is durable (a message may leave the node). */
  async #awaitSignedWrite(height: number): Promise<boolean> {
    try {
      await this.#signedWrite;
      return true;
    } catch (e) {
      this.node.log.error("consensus.sign_record_failed", { height, error: String(e) });
      return false;
    }
  }

  /**
   * A proposal or vote that could not be sent. While the node stops this is
   * expected (the network or the store is closing under it); otherwise it is
   * a bug or a failing dependency, and it is logged as one.
   */
  #onSendFailed(what: "proposal" | "vote", e: unknown): void {
    const fields = { what, error: String(e), stack: (e as Error)?.stack ?? "" };
    if (this.#stopped) this.node.log.debug("consensus.send_abandoned", fields);
    else this.node.log.error("consensus.send_failed", fields);
  }

  /**
   * Writes the locked (valid) block to KV if the height is still undecided a
   * precommit timeout later. Only liveness needs it (re-proposing it after a
   * restart; peers that saw the lock's prevote quorum hold it too and serve it
   * by hash), so the happy path, which commits sooner, writes nothing: a
   * block write costs about as much as the block's commit.
   */
  #scheduleLockedBlockSave(height: number, hash: string | null): void {
    if (hash === null || hash === this.#lockedBlockSaved) return;
    this.#lockedBlockSaved = hash;
    const delayMs = computeDefaultTimeouts(this.node.config.consensus.block_time_ms).precommitMs;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      const held = this.#blocks.get(hash);
      if (this.#stopped || held === undefined || this.node.head.header.height >= height) return;
      const kv = this.node.store.kv;
      this.#lockedBlockWrite = this.#lockedBlockWrite.catch(() => {}).then(() =>
        saveLockedBlock(kv, hash, held.block)
      ).catch((e) => {
        this.#lockedBlockSaved = null;
        this.node.log.warn("consensus.locked_block_save_failed", { height, error: String(e) });
      });
    }, delayMs);
    this.#timers.add(t);
  }

  async #broadcastProposal(p: Proposal): Promise<void> {
    if (!await this.#guard(p.height, p.round, 0, p.blockHash)) return;
    const held = this.#blocks.get(p.blockHash);
    if (held) this.network?.publishProposal(p, held.block);
  }

  async #broadcastVote(v: Vote): Promise<void> {
    if (v.validator === this.node.wallet.publicKeyHex) {
      const step = v.type === "prevote" ? 1 : 2;
      if (!await this.#guard(v.height, v.round, step, v.blockHash)) return;
    }
    this.network?.publishVote(v);
  }

  // ---- messages from the network ------------------------------------------

  async #onVote(vote: Vote): Promise<Verdict> {
    if (vote.networkId !== this.node.head.header.networkId) return "reject";
    const [ok] = await this.node.verifier.verifyBatch([getVoteVerifyItem(vote)]);
    if (!ok) return "reject";
    const next = this.node.head.header.height + 1;
    if (vote.height > next) this.#peerHeightHint = Math.max(this.#peerHeightHint, vote.height - 1);
    this.#feed({ type: "vote", vote });
    return vote.height >= next - 1 && vote.height <= next + 1 ? "accept" : "ignore";
  }

  async #onProposal(p: Proposal, block: Block): Promise<Verdict> {
    if (p.networkId !== this.node.head.header.networkId) return "reject";
    const hash = computeBlockHash(block.header);
    if (hash !== p.blockHash || block.header.height !== p.height) return "reject";
    const ok = await this.node.verifier.verifyBatch([
      getProposalVerifyItem(p),
      {
        publicKey: fromHex(block.header.proposer),
        message: computeBlockSigningBytes(block.header),
        signature: fromHex(block.signature),
      },
    ]);
    if (!ok[0] || !ok[1]) return "reject";
    const next = this.node.head.header.height + 1;
    if (p.height > next) {
      this.#peerHeightHint = Math.max(this.#peerHeightHint, p.height - 1);
      return "ignore";
    }
    if (p.height < next) return "ignore";
    if (!this.#blocks.has(hash)) {
      this.#blocks.set(hash, { block, prepared: null, seenAtMs: performance.now() });
    }
    this.#feed({ type: "proposal", proposal: p });
    if (this.#missing.delete(hash)) {
      void this.#runChain(() => this.#validate(p.height, hash));
    }
    return "accept";
  }

  async #onCommittedBlock(block: Block, commit: Commit): Promise<Verdict> {
    const height = block.header.height;
    if (commit.height !== height || commit.blockHash !== computeBlockHash(block.header)) {
      return "reject";
    }
    const head = this.node.head.header.height;
    if (height > head + 1) {
      this.#peerHeightHint = Math.max(this.#peerHeightHint, height);
      this.#syncInBackground();
      return "ignore";
    }
    if (height <= head) return "ignore";
    try {
      const imported = await this.#importBlock({ block, commit });
      if (imported) this.#startHeight();
      return "accept";
    } catch (e) {
      this.node.log.warn("block.invalid_commit", { height, error: (e as Error).message });
      const code = (e as { code?: string }).code;
      return code === "PARENT_UNKNOWN" ? "ignore" : "reject";
    }
  }

  // ---- sync -----------------------------------------------------------------

  /** Imports one finalized block (commit checked); false if it was no longer the next one. */
  #importBlock(item: BlockWithCommit): Promise<boolean> {
    return this.#runChain(async () => {
      const head = this.node.head;
      if (item.block.header.height !== head.header.height + 1) return false;
      const p = await this.node.validateFinalized(item.block, item.commit);
      if (!await this.node.commitPrepared(p, item.commit)) {
        if (this.node.fault) this.#scheduleRecovery();
        throw new Error(`Block ${p.block.header.height} could not be stored`);
      }
      this.metrics.syncedBlocks.inc();
      this.#lastProgressMs = Date.now();
      return true;
    });
  }

  /** `#maybeSync` from a timer or a message handler: a failure is logged, never thrown. */
  #syncInBackground(): void {
    this.#maybeSync().catch((e) => {
      const fields = { error: String(e), stack: (e as Error)?.stack ?? "" };
      // Stopping closes the network and the store under a running sync: expected.
      if (this.#stopped) this.node.log.debug("sync.abandoned", fields);
      else this.node.log.warn("sync.failed", fields);
    });
  }

  /** Syncs when peers are known to be ahead or the chain has not moved for a while. */
  async #maybeSync(): Promise<void> {
    if (this.#syncing || this.#stopped || this.network === null || this.node.fault) return;
    if (this.network.peerCount() === 0) return;
    const blockTimeMs = this.node.config.consensus.block_time_ms;
    const stalled = Date.now() - this.#lastProgressMs > 3 * blockTimeMs;
    if (this.#peerHeightHint <= this.node.head.header.height && !stalled) return;
    this.#syncing = true;
    try {
      const network = this.network;
      const r = await syncFromPeers({
        peers: () => network.peers(),
        requestRange: (peer, from, count) => network.requestRange(peer, from, count),
        penalise: (peer, offence, reason) => network.penalise(peer, offence, reason),
        headHeight: () => this.node.head.header.height,
        importBlock: async (item) => {
          await this.#importBlock(item);
        },
        log: this.node.log,
        isCancelled: () => this.#stopped,
      });
      if (r.imported > 0) this.#startHeight();
      else if (stalled) this.#lastProgressMs = Date.now() - 2 * blockTimeMs;
    } finally {
      this.#syncing = false;
    }
  }
}
