import assert from "node:assert/strict";
import { ChainError } from "../chain/errors.ts";
import { ConsensusError } from "../consensus/errors.ts";
import { StorageError } from "../storage/chain_store.ts";
import { computeImportOffence } from "./sync.ts";
import { WireError } from "./wire_messages.ts";

Deno.test("sync: what a peer's bad block costs it (wrong seal, signature, commit, state root, bytes)", () => {
  const cases: [Error, string | null][] = [
    [new ConsensusError("BAD_SEAL", "seal above the target"), "invalid_block"],
    [new ConsensusError("BAD_DIFFICULTY", "difficulty is not the chain's"), "invalid_block"],
    [new ConsensusError("BAD_COMMIT", "precommits below 2/3"), "invalid_block"],
    [new ChainError("BAD_SIGNATURE", "block signature"), "invalid_block"],
    [new ChainError("BAD_STATE_ROOT", "state root differs"), "invalid_block"],
    [new WireError("MALFORMED", "not CBOR"), "invalid_block"],
    // A finalized block on another parent: a fork, or our chain is wrong: lighter.
    [new ChainError("PARENT_UNKNOWN", "parent"), "bad_response"],
    // Our clock, or our disk: never the peer's fault.
    [new ChainError("BAD_TIMESTAMP", "before parent"), null],
    [new StorageError("COMMIT_FAILED", "disk full"), null],
  ];
  for (const [error, offence] of cases) {
    assert.equal(computeImportOffence(error), offence, (error as { code?: string }).code);
  }
});
