/**
 * The mempool: transactions that passed admission (shape, signature, nonce,
 * fee, balance) and wait for a block. Per-sender nonce queues; blocks take
 * the highest-fee executable transaction first while keeping each sender's
 * nonces in order. Bounded: when full, a new transaction must pay a higher
 * fee than the cheapest one it evicts.
 */
import { ChainError } from "../chain/errors.ts";
import type { Tx } from "../chain/transaction.ts";
import { toHex } from "../crypto/hex.ts";

export interface MempoolOptions {
  maxTransactions: number;
  /** How far ahead of the account's nonce a transaction may be queued. */
  maxNonceGap?: number;
}

interface Entry {
  tx: Tx;
  seq: number;
  /** Lowercase hex of the signature, as in the wire form. */
  signatureHex: string;
}

/** Account facts admission needs, from committed state. */
export interface SenderState {
  nonce: number;
  balanceSatang: number;
}

export class Mempool {
  private readonly byId = new Map<string, Entry>();
  /**
   * By signature hex, for matching a proposed block's wire transactions
   * without parsing them. The first holder of a signature keeps the slot (two
   * valid transactions sharing one only happen with degenerate keys; a miss
   * only costs a parse).
   */
  private readonly bySignature = new Map<string, Entry>();
  private readonly bySender = new Map<string, Map<number, Entry>>();
  /** Sum of `spendOf` over each sender's queue, kept up to date so admission is O(1). */
  private readonly spendBySender = new Map<string, number>();
  private seq = 0;
  readonly maxTransactions: number;
  readonly maxNonceGap: number;

  constructor(opts: MempoolOptions) {
    this.maxTransactions = opts.maxTransactions;
    this.maxNonceGap = opts.maxNonceGap ?? 256;
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Tx | undefined {
    return this.byId.get(id)?.tx;
  }

  /**
   * A pending transaction with this signature (lowercase hex, as on the
   * wire), if any. Only an index: the caller must still check that the body
   * is the one signed (see `isWireFormOf` in node/chain/transaction.ts).
   */
  getBySignatureHex(signatureHex: string): Tx | undefined {
    return this.bySignature.get(signatureHex)?.tx;
  }

  /** The nonce a new transaction of `sender` should use: after its queued ones. */
  nextNonce(sender: string, accountNonce: number): number {
    let next = accountNonce;
    const q = this.bySender.get(sender);
    while (q?.has(next)) next++;
    return next;
  }

  /** Fees a sender's queued transactions already spend, satang. */
  pendingSpendSatang(sender: string): number {
    return this.spendBySender.get(sender) ?? 0;
  }

  /**
   * Admits a transaction whose signature was verified. Throws ChainError with
   * DUPLICATE_TX, NONCE_TOO_LOW, NONCE_GAP, INSUFFICIENT_BALANCE,
   * REPLACEMENT_UNDERPRICED or MEMPOOL_FULL.
   */
  add(tx: Tx, sender: SenderState): void {
    if (this.byId.has(tx.id)) {
      throw new ChainError("DUPLICATE_TX", `Transaction ${tx.id} is already pending`);
    }
    const nonce = tx.body.nonce;
    if (nonce < sender.nonce) {
      throw new ChainError(
        "NONCE_TOO_LOW",
        `Nonce ${nonce} was already used; next is ${sender.nonce}`,
        "body.nonce",
      );
    }
    if (nonce >= sender.nonce + this.maxNonceGap) {
      throw new ChainError(
        "NONCE_GAP",
        `Nonce ${nonce} is too far ahead of the account's next nonce ${sender.nonce}`,
        "body.nonce",
      );
    }
    const queue = this.bySender.get(tx.sender);
    const replaced = queue?.get(nonce);
    const pending = this.pendingSpendSatang(tx.sender) - (replaced ? spendOf(replaced.tx) : 0);
    if (pending + spendOf(tx) > sender.balanceSatang) {
      throw new ChainError(
        "INSUFFICIENT_BALANCE",
        `Balance ${sender.balanceSatang} satang cannot cover this and the sender's pending transactions`,
        "body.feeSatang",
      );
    }
    if (replaced) {
      if (tx.body.feeSatang <= replaced.tx.body.feeSatang) {
        throw new ChainError(
          "REPLACEMENT_UNDERPRICED",
          `A transaction with nonce ${nonce} is pending; a replacement must pay a higher fee`,
          "body.feeSatang",
        );
      }
      this.remove(replaced.tx.id);
    } else if (this.byId.size >= this.maxTransactions) {
      const cheapest = this.findEvictable();
      if (cheapest === undefined || cheapest.tx.body.feeSatang >= tx.body.feeSatang) {
        throw new ChainError(
          "MEMPOOL_FULL",
          `Mempool is full (${this.maxTransactions} transactions); retry later or pay a higher fee`,
        );
      }
      this.remove(cheapest.tx.id);
    }
    const entry = { tx, seq: this.seq++, signatureHex: toHex(tx.signature) };
    this.byId.set(tx.id, entry);
    if (!this.bySignature.has(entry.signatureHex)) this.bySignature.set(entry.signatureHex, entry);
    let q = this.bySender.get(tx.sender);
    if (!q) this.bySender.set(tx.sender, q = new Map());
    q.set(nonce, entry);
    this.spendBySender.set(tx.sender, (this.spendBySender.get(tx.sender) ?? 0) + spendOf(tx));
  }

  /** The cheapest transaction that is last in its sender's queue (evicting it leaves no gap). */
  private findEvictable(): Entry | undefined {
    let worst: Entry | undefined;
    for (const q of this.bySender.values()) {
      let last: Entry | undefined;
      for (const e of q.values()) if (!last || e.tx.body.nonce > last.tx.body.nonce) last = e;
      if (last && (!worst || last.tx.body.feeSatang < worst.tx.body.feeSatang)) worst = last;
    }
    return worst;
  }

  remove(id: string): void {
    const e = this.byId.get(id);
    if (!e) return;
    this.byId.delete(id);
    if (this.bySignature.get(e.signatureHex) === e) this.bySignature.delete(e.signatureHex);
    const q = this.bySender.get(e.tx.sender);
    q?.delete(e.tx.body.nonce);
    if (q?.size === 0) {
      this.bySender.delete(e.tx.sender);
      this.spendBySender.delete(e.tx.sender);
    } else {
      this.spendBySender.set(
        e.tx.sender,
        (this.spendBySender.get(e.tx.sender) ?? 0) - spendOf(e.tx),
      );
    }
  }

  /**
   * Executable transactions for the next block, at most `max`: per sender in
   * nonce order starting at its account nonce, across senders highest fee
   * first, then oldest.
   */
  selectForBlock(max: number, nonceOf: (sender: string) => number): Tx[] {
    const heap = new EntryHeap();
    const cursor = new Map<string, number>();
    for (const [sender, q] of this.bySender) {
      const next = nonceOf(sender);
      const e = q.get(next);
      if (e) {
        heap.push(e);
        cursor.set(sender, next);
      }
    }
    const out: Tx[] = [];
    while (out.length < max) {
      const e = heap.pop();
      if (!e) break;
      out.push(e.tx);
      const sender = e.tx.sender;
      const n = cursor.get(sender)! + 1;
      const next = this.bySender.get(sender)?.get(n);
      if (next) {
        cursor.set(sender, n);
        heap.push(next);
      }
    }
    return out;
  }

  /** Drops transactions made stale by a committed block (included or nonce now too low). */
  prune(touchedSenders: Iterable<string>, nonceOf: (sender: string) => number): void {
    for (const sender of touchedSenders) {
      const q = this.bySender.get(sender);
      if (!q) continue;
      const next = nonceOf(sender);
      for (const [nonce, e] of q) if (nonce < next) this.remove(e.tx.id);
    }
  }

  /** Removes transactions that expired before `timestampMs`. */
  pruneExpired(timestampMs: number): Tx[] {
    const expired: Tx[] = [];
    for (const e of this.byId.values()) {
      if (e.tx.body.expiresAtMs < timestampMs) expired.push(e.tx);
    }
    for (const tx of expired) this.remove(tx.id);
    return expired;
  }
}

function spendOf(tx: Tx): number {
  const b = tx.body;
  let spend = b.feeSatang;
  if (b.kind === "transfer") spend += b.payload.amountSatang;
  else if (b.kind === "stake") spend += b.payload.amountSatang;
  return spend;
}

/** Max-heap by fee, then lowest sequence (oldest) first. */
class EntryHeap {
  private readonly items: Entry[] = [];
  private static before(a: Entry, b: Entry): boolean {
    const fa = a.tx.body.feeSatang, fb = b.tx.body.feeSatang;
    return fa !== fb ? fa > fb : a.seq < b.seq;
  }
  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!EntryHeap.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && EntryHeap.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && EntryHeap.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
