import assert from "node:assert/strict";
import { createP2PNode } from "../node/p2p/p2p_node.ts";
import { seedOf, signerOf, startNode, stopAll, verifyEd25519 } from "./p2p_test_helpers.ts";
import { P2PError } from "../node/p2p/errors.ts";

Deno.test("p2p: peer id is stable across restarts from the same seed", async () => {
  const first = await startNode(51);
  const firstId = first.peerId;
  assert.ok(first.multiaddrs()[0]!.endsWith(`/p2p/${firstId}`));
  await first.stop();
  const second = await startNode(51);
  const other = await startNode(52);
  try {
    assert.equal(second.peerId, firstId);
    assert.notEqual(other.peerId, firstId);
    assert.match(firstId, /^12D3KooW/); // Ed25519 identity peer id
  } finally {
    await stopAll([second, other]);
  }
});

Deno.test("p2p: options are validated", async () => {
  await assert.rejects(
    createP2PNode({
      networkId: 1,
      identitySecretKey: new Uint8Array(31),
      signingKey: signerOf(seedOf(1)),
      verify: verifyEd25519,
    }),
    (err: unknown) => err instanceof P2PError && err.code === "INVALID_OPTION",
  );
});
