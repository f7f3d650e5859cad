/**
 * Block timestamp bounds. Two rules:
 * 1. `timestampMs > parent.timestampMs` — part of the pure transition
 *    (processBlock, BAD_TIMESTAMP), so every node agrees;
 * 2. `timestampMs <= localNowMs + maxFutureDriftMs` — depends on the local
 *    clock, so the node checks it before prevoting (a validator prevotes nil
 *    for a block from too far in the future) and never when replaying a
 *    finalized block (finality already happened; replay must not depend on
 *    the clock).
 * Peak-hour pricing and order expiry use the block timestamp, never a clock.
 */
import type { BlockHeader } from "../chain/block.ts";
import { ConsensusError } from "./errors.ts";

/**
 * Checks both bounds; `localNowMs` is the caller's clock.
 *
 * @throws {ConsensusError} `BAD_TIMESTAMP` or `TIMESTAMP_IN_FUTURE`
 */
export function checkBlockTimestamp(
  header: Pick<BlockHeader, "height" | "timestampMs">,
  parent: Pick<BlockHeader, "timestampMs">,
  localNowMs: number,
  maxFutureDriftMs: number,
): void {
  if (header.timestampMs <= parent.timestampMs) {
    throw new ConsensusError(
      "BAD_TIMESTAMP",
      `Block ${header.height} timestamp ${header.timestampMs} is not after its parent's ${parent.timestampMs}`,
      "header.timestampMs",
    );
  }
  if (header.timestampMs > localNowMs + maxFutureDriftMs) {
    throw new ConsensusError(
      "TIMESTAMP_IN_FUTURE",
      `Block ${header.height} timestamp ${header.timestampMs} is more than ${maxFutureDriftMs} ms ahead of ${localNowMs}`,
      "header.timestampMs",
    );
  }
}
