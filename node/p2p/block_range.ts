/**
 * Block-range request/response protocol `/gridtokenx/<networkId>/blocks/1`.
 *
 * One exchange per stream: the requester writes one length-prefixed (unsigned
 * varint) CBOR map `{"from": uint, "count": uint}` and closes its write side; the
 * responder writes one length-prefixed CBOR array of byte strings and closes.
 * @module
 */

import { decode, encode } from "cborg";
import * as lp from "it-length-prefixed";
import type { Libp2p } from "libp2p";
import {
  MAX_BLOCK_REQUEST_BYTES,
  MAX_BLOCK_RESPONSE_BYTES,
  MAX_BLOCKS_PER_REQUEST,
} from "./topics.ts";
import { P2PError } from "./errors.ts";

/** A libp2p v3 stream (the type is taken from libp2p so no extra import map entry is needed). */
export type Stream = Awaited<ReturnType<Libp2p["dialProtocol"]>>;

/** A decoded block-range request. */
export interface BlockRangeRequest {
  /** First block height requested. */
  from: number;
  /** Number of consecutive blocks requested (1..256). */
  count: number;
}

/** Serves encoded blocks `fromHeight .. fromHeight+count-1` (fewer if not available). */
export type BlockRangeProvider = (fromHeight: number, count: number) => Promise<Uint8Array[]>;

/** Size of the CBOR header of an array or byte string of length `n`. */
function cborHeaderBytes(n: number): number {
  if (n < 24) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  if (n < 0x100000000) return 5;
  return 9;
}

/** Encodes a request frame body (CBOR map). */
export function encodeBlockRangeRequest(request: BlockRangeRequest): Uint8Array {
  return encode({ from: request.from, count: request.count });
}

/**
 * Decodes a request. Counts above {@link MAX_BLOCKS_PER_REQUEST} are clamped
 * (a third-party client asking for too much gets the first 256).
 * Throws `P2PError("REQUEST_INVALID")`.
 */
export function decodeBlockRangeRequest(bytes: Uint8Array): BlockRangeRequest {
  let value: unknown;
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true });
  } catch (err) {
    throw new P2PError("REQUEST_INVALID", `Cannot decode block request: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new P2PError("REQUEST_INVALID", "Cannot decode block request: expected a map");
  }
  const { from, count } = value as Record<string, unknown>;
  if (typeof from !== "number" || !Number.isSafeInteger(from) || from < 0) {
    throw new P2PError(
      "REQUEST_INVALID",
      `block request "from" must be a uint, got ${String(from)}`,
    );
  }
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1) {
    throw new P2PError(
      "REQUEST_INVALID",
      `block request "count" must be >= 1, got ${String(count)}`,
    );
  }
  return { from, count: Math.min(count, MAX_BLOCKS_PER_REQUEST) };
}

/**
 * Encodes a response, keeping the longest prefix of `blocks` whose encoding fits
 * in {@link MAX_BLOCK_RESPONSE_BYTES}.
 */
export function encodeBlockRangeResponse(blocks: Uint8Array[]): Uint8Array {
  let size = cborHeaderBytes(blocks.length);
  let kept = 0;
  for (const block of blocks) {
    const next = size + cborHeaderBytes(block.length) + block.length;
    if (next > MAX_BLOCK_RESPONSE_BYTES) break;
    size = next;
    kept++;
  }
  return encode(blocks.slice(0, kept));
}

/** Decodes a response and checks it holds at most `maxCount` byte strings. */
export function decodeBlockRangeResponse(bytes: Uint8Array, maxCount: number): Uint8Array[] {
  let value: unknown;
  try {
    value = decode(bytes, { strict: true });
  } catch (err) {
    throw new P2PError(
      "RESPONSE_INVALID",
      `Cannot decode block response: ${(err as Error).message}`,
    );
  }
  if (!Array.isArray(value) || !value.every((b) => b instanceof Uint8Array)) {
    throw new P2PError(
      "RESPONSE_INVALID",
      "Cannot decode block response: expected an array of bytes",
    );
  }
  if (value.length > maxCount) {
    throw new P2PError(
      "RESPONSE_INVALID",
      `block response has ${value.length} blocks, asked for ${maxCount}`,
    );
  }
  return value as Uint8Array[];
}

/** Reads the first length-prefixed frame from a stream, or null if it ends first. */
export async function readFirstFrame(stream: Stream, maxBytes: number): Promise<Uint8Array | null> {
  try {
    for await (const frame of lp.decode(stream, { maxDataLength: maxBytes })) {
      return frame.subarray();
    }
  } catch (err) {
    const code = (err as { name?: string }).name;
    if (code === "InvalidDataLengthError" || code === "InvalidDataLengthLengthError") {
      throw new P2PError("RESPONSE_TOO_LARGE", `frame larger than ${maxBytes} bytes`);
    }
    throw err;
  }
  return null;
}

/** Writes one length-prefixed frame in chunks, honouring back-pressure. */
export async function writeFrame(
  stream: Stream,
  body: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const framed = lp.encode.single(body, { maxDataLength: MAX_BLOCK_RESPONSE_BYTES }).subarray();
  const chunkBytes = 64 * 1024;
  for (let offset = 0; offset < framed.length; offset += chunkBytes) {
    if (!stream.send(framed.subarray(offset, offset + chunkBytes))) {
      await stream.onDrain({ signal });
    }
  }
}

/**
 * Serves one request/response exchange on an inbound stream: reads the
 * request frame (at most `maxRequestBytes`), writes `answer`'s frame, closes.
 * Throws `P2PError("REQUEST_INVALID")` for a bad request (the caller
 * penalises the peer); `signal` aborts the stream with `REQUEST_TIMEOUT`.
 */
export async function serveRequest(
  stream: Stream,
  signal: AbortSignal,
  o: {
    maxRequestBytes: number;
    timeoutMessage: string;
    answer: (request: Uint8Array) => Promise<Uint8Array>;
  },
): Promise<void> {
  const onAbort = () => stream.abort(new P2PError("REQUEST_TIMEOUT", o.timeoutMessage));
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const frame = await readFirstFrame(stream, o.maxRequestBytes).catch((err) => {
      if (err instanceof P2PError) throw new P2PError("REQUEST_INVALID", err.message);
      throw err;
    });
    if (frame === null) throw new P2PError("REQUEST_INVALID", "stream ended before a request");
    await writeFrame(stream, await o.answer(frame), signal);
    await stream.close({ signal });
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The requester side of one exchange on an opened stream: writes `request`,
 * reads one response frame (at most `maxResponseBytes`) and decodes it.
 */
export async function exchangeRequest<T>(
  stream: Stream,
  signal: AbortSignal,
  o: {
    request: Uint8Array;
    maxResponseBytes: number;
    timeoutMessage: string;
    decode: (response: Uint8Array) => T;
  },
): Promise<T> {
  const onAbort = () => stream.abort(new P2PError("REQUEST_TIMEOUT", o.timeoutMessage));
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    stream.maxReadBufferLength = o.maxResponseBytes + 64 * 1024;
    await writeFrame(stream, o.request, signal);
    await stream.close({ signal });
    const frame = await readFirstFrame(stream, o.maxResponseBytes);
    if (signal.aborted) throw new P2PError("REQUEST_TIMEOUT", o.timeoutMessage);
    if (frame === null) throw new P2PError("RESPONSE_INVALID", "peer closed without a response");
    return o.decode(frame);
  } catch (err) {
    if (signal.aborted && !(err instanceof P2PError && err.code !== "RESPONSE_INVALID")) {
      throw new P2PError("REQUEST_TIMEOUT", o.timeoutMessage);
    }
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Serves one inbound block-range request stream. Throws
 * `P2PError("REQUEST_INVALID")` for a bad request (the caller penalises the peer).
 */
export function serveBlockRange(
  stream: Stream,
  provider: BlockRangeProvider,
  signal: AbortSignal,
): Promise<void> {
  return serveRequest(stream, signal, {
    maxRequestBytes: MAX_BLOCK_REQUEST_BYTES,
    timeoutMessage: "block request timed out",
    answer: async (frame) => {
      const request = decodeBlockRangeRequest(frame);
      const blocks = await provider(request.from, request.count);
      return encodeBlockRangeResponse(blocks.slice(0, request.count));
    },
  });
}

/** Performs the requester side on an already opened stream. */
export function exchangeBlockRange(
  stream: Stream,
  request: BlockRangeRequest,
  signal: AbortSignal,
): Promise<Uint8Array[]> {
  return exchangeRequest(stream, signal, {
    request: encodeBlockRangeRequest(request),
    maxResponseBytes: MAX_BLOCK_RESPONSE_BYTES,
    timeoutMessage: "block request timed out",
    decode: (frame) => decodeBlockRangeResponse(frame, request.count),
  });
}
