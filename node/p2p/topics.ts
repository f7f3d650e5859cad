/**
 * Topic names, protocol ids and wire limits of the GridTokenX p2p layer.
 * Everything a third-party client must match byte for byte is here (see docs/p2p.md).
 * @module
 */

/** Short names of the gossip topics; the full topic string adds the network id. */
export type TopicName = "tx" | "blocks" | "votes";

/** All gossip topic names, in a fixed order. */
export const TOPIC_NAMES: readonly TopicName[] = ["tx", "blocks", "votes"];

/**
 * Wire version of each topic, the last part of the topic string. `tx` is 2:
 * one message carries a batch of transactions (version 1 carried one).
 */
export const TOPIC_VERSIONS: Readonly<Record<TopicName, number>> = { tx: 2, blocks: 1, votes: 1 };

/** Most transactions in one `tx` topic message; a receiver rejects more. */
export const MAX_TXS_PER_MESSAGE = 2_000;

/** Domain separation tag prefixed to every signed envelope (ASCII, 17 bytes). */
export const ENVELOPE_DOMAIN = "gridtokenx/p2p/v1";

/** Envelope format version carried in field 0 of the CBOR array. */
export const ENVELOPE_VERSION = 1;

/** Maximum number of blocks a single block-range request may ask for. */
export const MAX_BLOCKS_PER_REQUEST = 256;

/** Maximum size of one block-range response frame (8 MiB). */
export const MAX_BLOCK_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Maximum size of one block-range request frame. */
export const MAX_BLOCK_REQUEST_BYTES = 1024;

/** Deadline for a whole block-range exchange (open, request, response). */
export const BLOCK_REQUEST_TIMEOUT_MS = 10_000;

/** Maximum size of one block-by-hash response frame (8 MiB, one block). */
export const MAX_BLOCK_BY_HASH_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Maximum size of one block-by-hash request frame. */
export const MAX_BLOCK_BY_HASH_REQUEST_BYTES = 64;

/** Deadline for a whole block-by-hash exchange (it is on the consensus path: short). */
export const BLOCK_BY_HASH_TIMEOUT_MS = 5_000;

/** Default maximum size of one gossip envelope (1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Messages sent more than this far in the future are ignored (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 60_000;

/** Messages older than this are ignored (replay window; gossipsub seen-cache outlives it). */
export const MAX_MESSAGE_AGE_MS = 5 * 60_000;

/** Returns true when `name` is one of the gossip topic names. */
export function isTopicName(name: string): name is TopicName {
  return (TOPIC_NAMES as readonly string[]).includes(name);
}

/**
 * Full gossipsub topic string for a topic name on a network.
 * @example
 * computeTopic(7, "tx") // "/gridtokenx/7/tx/2"
 * computeTopic(7, "votes") // "/gridtokenx/7/votes/1"
 */
export function computeTopic(networkId: number, name: TopicName): string {
  return `/gridtokenx/${networkId}/${name}/${TOPIC_VERSIONS[name]}`;
}

/** Protocol id of the block-range request/response stream protocol. */
export function computeBlocksProtocol(networkId: number): string {
  return `/gridtokenx/${networkId}/blocks/1`;
}

/** Protocol id of the block-by-hash request/response stream protocol. */
export function computeBlockByHashProtocol(networkId: number): string {
  return `/gridtokenx/${networkId}/block-by-hash/1`;
}
