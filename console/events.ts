/**
 * Server-Sent Events for the console's islands: one listener on
 * `node.events` fans out to every open stream. New blocks carry the block
 * summary and the mempool size; trade, grid, proposal and authority events
 * forward their detail as JSON. Streams end after `maxStreamMs` (browsers
 * reconnect by themselves and replay missed blocks via Last-Event-ID), so
 * none outlives a graceful HTTP shutdown by long.
 */
import type { BlockEventDetail, GridNode } from "../node/runtime/grid_node.ts";
import { loadRecentBlocks, toBlockSummary } from "./chain_data.ts";
import { FORWARDED_EVENTS } from "./data.ts";

export interface EventHubOptions {
  maxClients: number;
  maxStreamMs: number;
  heartbeatMs: number;
  /** A client more than this many chunks behind is dropped. */
  maxBacklog: number;
}

export const DEFAULT_EVENT_HUB_OPTIONS: EventHubOptions = {
  maxClients: 200,
  maxStreamMs: 30_000,
  heartbeatMs: 15_000,
  maxBacklog: 256,
};

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  timers: ReturnType<typeof setTimeout>[];
}

const encoder = new TextEncoder();

/** One SSE message. */
export function formatSseMessage(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${
    JSON.stringify(data)
  }\n\n`;
}

/** The payload of a "block" event. */
export interface BlockEventView {
  block: ReturnType<typeof toBlockSummary>;
  mempoolSize: number;
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  /** Set by `close` (the node is stopping). */
  private closed = false;

  constructor(
    private readonly node: GridNode,
    private readonly opts: EventHubOptions = DEFAULT_EVENT_HUB_OPTIONS,
  ) {
    const onBlock = (e: Event) => {
      const { block, hash } = (e as CustomEvent<BlockEventDetail>).detail;
      const view: BlockEventView = {
        block: toBlockSummary(block.header, hash),
        mempoolSize: node.mempool.size,
      };
      this.broadcast(formatSseMessage("block", view, String(block.header.height)));
    };
    const onOther = (e: Event) => {
      this.broadcast(formatSseMessage(e.type, (e as CustomEvent).detail ?? null));
    };
    const onStop = () => this.close();
    node.events.addEventListener("block", onBlock);
    for (const name of FORWARDED_EVENTS) node.events.addEventListener(name, onOther);
    node.events.addEventListener("stopping", onStop);
    this.unsubscribe = () => {
      node.events.removeEventListener("block", onBlock);
      for (const name of FORWARDED_EVENTS) node.events.removeEventListener(name, onOther);
      node.events.removeEventListener("stopping", onStop);
    };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** A new stream, or null when too many are open. */
  open(lastEventId: string | null): Response | null {
    if (this.clients.size >= this.opts.maxClients) return null;
    let client!: Client;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = { controller, timers: [] };
        this.clients.add(client);
        controller.enqueue(encoder.encode(`retry: 1000\n: connected\n\n`));
        client.timers.push(
          setInterval(() => this.send(client, ": ping\n\n"), this.opts.heartbeatMs),
          setTimeout(() => this.drop(client), this.opts.maxStreamMs),
        );
        this.replay(client, lastEventId).catch((e) => {
          // Reading the missed blocks failed: this stream ends and the browser
          // reconnects. Expected only when the store closes under a stopping node.
          const fields = { error: String(e), stack: (e as Error)?.stack ?? "" };
          if (this.closed) this.node.log.debug("console.replay_abandoned", fields);
          else this.node.log.warn("console.replay_failed", fields);
          this.drop(client);
        });
      },
      cancel: () => this.drop(client, false),
    });
    return new Response(body, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
      },
    });
  }

  /** Sends the blocks a reconnecting client missed (at most 20). */
  private async replay(client: Client, lastEventId: string | null): Promise<void> {
    if (lastEventId === null || !/^[0-9]{1,15}$/.test(lastEventId)) return;
    const since = Number(lastEventId);
    const head = this.node.head.header.height;
    if (since >= head) return;
    const blocks = await loadRecentBlocks(this.node, Math.min(20, head - since), head);
    for (const b of blocks.reverse()) {
      const view: BlockEventView = { block: b, mempoolSize: this.node.mempool.size };
      this.send(client, formatSseMessage("block", view, String(b.height)));
    }
  }

  private broadcast(text: string): void {
    for (const c of this.clients) this.send(c, text);
  }

  private send(client: Client, text: string): void {
    if (!this.clients.has(client)) return;
    const backlog = -(client.controller.desiredSize ?? 0);
    if (backlog > this.opts.maxBacklog) {
      this.drop(client);
      return;
    }
    try {
      client.controller.enqueue(encoder.encode(text));
    } catch {
      this.drop(client, false);
    }
  }

  private drop(client: Client, closeStream = true): void {
    if (!this.clients.delete(client)) return;
    for (const t of client.timers) clearTimeout(t);
    if (closeStream) {
      try {
        client.controller.close();
      } catch { /* already closed */ }
    }
  }

  /** Ends every stream and stops listening to the node. */
  close(): void {
    this.closed = true;
    for (const c of [...this.clients]) this.drop(c);
    this.unsubscribe();
  }
}
