/**
 * One EventSource per page, shared by every island: `onLiveEvent` subscribes
 * a handler to an event type and returns the unsubscribe function.
 */

type Handler = (data: unknown) => void;

const EVENTS_URL = "/console/events";
const handlers = new Map<string, Set<Handler>>();
let source: EventSource | null = null;

function listen(type: string): void {
  source?.addEventListener(type, (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as unknown;
    for (const h of handlers.get(type) ?? []) h(data);
  });
}

/** Calls `handler` with the parsed data of every `type` event from the node. */
export function onLiveEvent(type: string, handler: Handler): () => void {
  if (typeof EventSource === "undefined") return () => {};
  if (source === null) source = new EventSource(EVENTS_URL);
  let set = handlers.get(type);
  if (!set) {
    set = new Set();
    handlers.set(type, set);
    listen(type);
  }
  set.add(handler);
  return () => set.delete(handler);
}
