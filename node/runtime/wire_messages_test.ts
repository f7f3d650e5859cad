import assert from "node:assert/strict";
import { encodeCanonical } from "../chain/encoding.ts";
import type { SignedTxJson } from "../chain/transaction.ts";
import { toHex } from "../crypto/hex.ts";
import { MAX_TXS_PER_MESSAGE } from "../p2p/topics.ts";
import { signProposal } from "../consensus/votes.ts";
import {
  computeTxBatchOverheadBytes,
  decodeBlocksMessage,
  decodeTxBatchMessage,
  encodeBlocksMessage,
  encodeTxBatchMessage,
  encodeTxItem,
  WireError,
} from "./wire_messages.ts";

function wireTx(i: number): SignedTxJson {
  return {
    body: {
      kind: "transfer",
      networkId: 7,
      from: "ab".repeat(32),
      nonce: i,
      feeSatang: 10,
      expiresAtMs: 1_700_000_000_000,
      payload: { to: "gtx1example", amountSatang: 1000 + i, amountWh: 0 },
    },
    signature: toHex(new Uint8Array(64).fill(i % 256)),
  } as SignedTxJson;
}

Deno.test("tx batch: bytes equal canonical CBOR of {txs}, for every array-head size", () => {
  for (const n of [1, 23, 24, 255, 256, 1000]) {
    const txs = Array.from({ length: n }, (_, i) => wireTx(i));
    const bytes = encodeTxBatchMessage(txs.map(encodeTxItem));
    assert.deepEqual(bytes, encodeCanonical({ txs }), `n = ${n}`);
    const items = txs.map(encodeTxItem);
    const itemBytes = items.reduce((a, b) => a + b.length, 0);
    assert.equal(bytes.length, itemBytes + computeTxBatchOverheadBytes(n));
    assert.deepEqual(decodeTxBatchMessage(bytes), txs);
  }
});

Deno.test("tx batch: decoder rejects empty, oversized, non-canonical and wrong shapes", () => {
  const bad: unknown[] = [
    { txs: [] },
    { txs: Array.from({ length: MAX_TXS_PER_MESSAGE + 1 }, () => ({ a: 1 })) },
    { txs: [1] },
    { txs: [wireTx(1)], extra: 1 },
    [wireTx(1)],
  ];
  for (const value of bad) {
    assert.throws(() => decodeTxBatchMessage(encodeCanonical(value)), WireError);
  }
  // A single transaction (topic version 1 payload) is not a batch.
  assert.throws(() => decodeTxBatchMessage(encodeTxItem(wireTx(1))), WireError);
  // Non-canonical: a 1-item array head in the 1-byte-argument form.
  const good = encodeTxBatchMessage([encodeTxItem(wireTx(1))]);
  const loose = new Uint8Array([...good.subarray(0, 5), 0x98, 0x01, ...good.subarray(6)]);
  assert.throws(() => decodeTxBatchMessage(loose), WireError);
});

Deno.test("blocks: a proposal_ref carries the proposal alone and round-trips", () => {
  const sign = (_bytes: Uint8Array) => new Uint8Array(64).fill(7);
  const proposal = signProposal({
    networkId: 7,
    height: 5,
    round: 1,
    polRound: -1,
    blockHash: "ab".repeat(32),
    proposer: "cd".repeat(32),
  }, sign);
  const bytes = encodeBlocksMessage({ kind: "proposal_ref", proposal });
  assert.deepEqual(decodeBlocksMessage(bytes), { kind: "proposal_ref", proposal });
  assert.throws(
    () => decodeBlocksMessage(encodeCanonical({ kind: "proposal_ref", proposal, extra: 1 })),
    WireError,
  );
});
