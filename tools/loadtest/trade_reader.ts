/**
 * Follows `GET /api/v1/energy/trades` (newest first, pages of 500) and
 * records when each order of the run first shows up in a trade. A trade is
 * visible there once its block's state copy (storage step 3) is done, so
 * this measures submission -> trade readable through the API.
 */

/** A trade as the API serves it (fields the load tool reads). */
interface TradeRow {
  /** `HEIGHT-INDEX`. */
  id: string;
  buyOrderId: string;
  sellOrderId: string;
  timestampMs: number;
}

/** Trade counters of a run. */
export class TradeFollower {
  /** Trades seen (each once). */
  count = 0;
  /** Trades whose block timestamp lies in [fromMs, toMs] (set by the caller). */
  readonly timestamps: number[] = [];
  #lastKey = "";

  constructor(
    private readonly baseUrl: string,
    /** Index of a transaction of this run by id, or undefined. */
    private readonly indexOfId: (id: string) => number | undefined,
    /** Called once per order of this run the first time it appears in a trade. */
    private readonly onOrderTraded: (index: number, nowMs: number) => void,
  ) {}

  /** Reads every trade newer than the last one seen. */
  async poll(): Promise<void> {
    const fresh: { key: string; value: TradeRow }[] = [];
    let cursor: string | undefined;
    // When the first page answered: every trade read in this poll was visible by
    // then (paging through a big block's trades took up to ~1 s more).
    let visibleAtMs = 0;
    for (;;) {
      const url = `${this.baseUrl}/api/v1/energy/trades?limit=500${
        cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""
      }`;
      const res = await fetch(url);
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`GET trades answered ${res.status}`);
      }
      const page = await res.json() as { trades: TradeRow[]; next_cursor: string | null };
      if (visibleAtMs === 0) visibleAtMs = Date.now();
      let done = false;
      for (const t of page.trades) {
        const key = tradeKey(t);
        if (key <= this.#lastKey) {
          done = true;
          break;
        }
        fresh.push({ key, value: t });
      }
      if (done || page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    if (fresh.length === 0) return;
    const now = visibleAtMs;
    this.#lastKey = fresh[0]!.key;
    for (const { value: t } of fresh) {
      this.count++;
      this.timestamps.push(t.timestampMs);
      for (const id of [t.buyOrderId, t.sellOrderId]) {
        const i = this.indexOfId(id);
        if (i !== undefined) this.onOrderTraded(i, now);
      }
    }
  }
}

/** Sortable key of a trade: its id is `HEIGHT-INDEX`. */
function tradeKey(t: TradeRow): string {
  const [h, i] = t.id.split("-");
  return `${h!.padStart(12, "0")}/${i!.padStart(6, "0")}`;
}
