/**
 * Hostile transactions over the REST API: each is refused with a stable
 * code and a message that names the problem.
 */
import assert from "node:assert/strict";
import { computeSignedBytes, toSignedTxJson, type TxBody } from "../node/chain/transaction.ts";
import { toHex } from "../node/crypto/hex.ts";
import { signWith, startTestNode, testWallet, waitFor } from "./helpers/test_node.ts";

const alice = testWallet("sec-alice");
const bob = testWallet("sec-bob");
const MAX = Number.MAX_SAFE_INTEGER;

function transferBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "transfer",
    networkId: 1001,
    from: alice.publicKeyHex,
    nonce: 0,
    feeSatang: 10,
    expiresAtMs: Date.now() + 60_000,
    payload: { to: bob.address, amountSatang: 1_000, amountWh: 0 },
    ...over,
  };
}

/** Signs any body (even an invalid one) so that only the checked property is wrong. */
function signedJson(body: Record<string, unknown>): Record<string, unknown> {
  let signature = "00".repeat(64);
  try {
    signature = toHex(alice.sign(computeSignedBytes(body as unknown as TxBody)));
  } catch { /* body cannot be encoded (NaN, ...): keep a dummy signature */ }
  return { body, signature };
}

Deno.test("hostile transactions are rejected with a clear reason", async (t) => {
  const node = await startTestNode({
    accounts: [
      { address: alice.address, balanceSatang: MAX - 1_000, energyWh: 1_000 },
      { address: bob.address, balanceSatang: MAX - 5 },
    ],
    blockTimeMs: 150,
  });
  const post = async (payload: unknown, raw?: string) => {
    const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw ?? JSON.stringify(payload),
    });
    return { status: res.status, body: await res.json() };
  };
  const expectError = async (
    payload: unknown,
    status: number,
    code: string,
    message: RegExp,
    raw?: string,
  ) => {
    const res = await post(payload, raw);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error.code, code, JSON.stringify(res.body));
    assert.match(res.body.error.message, message);
    return res.body.error;
  };
  try {
    await t.step("signed for another network: WRONG_NETWORK", async () => {
      await expectError(
        signedJson(transferBody({ networkId: 1002 })),
        422,
        "WRONG_NETWORK",
        /network 1002.*network 1001/,
      );
    });
    await t.step("fee below the minimum: FEE_TOO_LOW", async () => {
      await expectError(
        signedJson(transferBody({ feeSatang: 0 })),
        422,
        "FEE_TOO_LOW",
        /Fee 0 satang is below the minimum 1/,
      );
    });
    await t.step("amounts beyond 2^53 - 1: BAD_TRANSACTION naming the field", async () => {
      const err = await expectError(
        signedJson(
          transferBody({ payload: { to: bob.address, amountSatang: 2 ** 53, amountWh: 0 } }),
        ),
        400,
        "BAD_TRANSACTION",
        /body\.payload\.amountSatang/,
      );
      assert.equal(err.field, "body.payload.amountSatang");
      await expectError(
        null,
        400,
        "BAD_TRANSACTION",
        /body\.payload\.amountSatang/,
        JSON.stringify(signedJson(transferBody())).replace(
          '"amountSatang":1000',
          '"amountSatang":1e400',
        ),
      );
      await expectError(
        signedJson(transferBody({ feeSatang: 1e300 })),
        400,
        "BAD_TRANSACTION",
        /body\.feeSatang/,
      );
    });
    await t.step("negative, fractional and NaN values: BAD_TRANSACTION", async () => {
      await expectError(
        signedJson(transferBody({ payload: { to: bob.address, amountSatang: -1, amountWh: 0 } })),
        400,
        "BAD_TRANSACTION",
        /body\.payload\.amountSatang/,
      );
      await expectError(
        signedJson(transferBody({ payload: { to: bob.address, amountSatang: 0, amountWh: -5 } })),
        400,
        "BAD_TRANSACTION",
        /body\.payload\.amountWh/,
      );
      await expectError(
        signedJson(transferBody({ nonce: 0.5 })),
        400,
        "BAD_TRANSACTION",
        /body\.nonce/,
      );
      await expectError(
        signedJson(transferBody({ nonce: -1 })),
        400,
        "BAD_TRANSACTION",
        /body\.nonce/,
      );
      // JSON has no NaN: as a bare token it is malformed JSON, as a string it is the wrong type.
      await expectError(
        null,
        400,
        "BAD_JSON",
        /Malformed JSON/,
        JSON.stringify(signedJson(transferBody())).replace(
          '"amountSatang":1000',
          '"amountSatang":NaN',
        ),
      );
      await expectError(
        signedJson(
          transferBody({ payload: { to: bob.address, amountSatang: "NaN", amountWh: 0 } }),
        ),
        400,
        "BAD_TRANSACTION",
        /body\.payload\.amountSatang/,
      );
      await expectError(
        signedJson(transferBody({ payload: { to: bob.address, amountSatang: 0, amountWh: 0 } })),
        400,
        "BAD_TRANSACTION",
        /must move amountSatang or amountWh/,
      );
    });
    await t.step("unknown fields at every level: BAD_TRANSACTION", async () => {
      await expectError(
        { ...signedJson(transferBody()), extra: 1 },
        400,
        "BAD_TRANSACTION",
        /extra/,
      );
      await expectError(
        signedJson({ ...transferBody(), memo: "hi" }),
        400,
        "BAD_TRANSACTION",
        /memo/,
      );
      await expectError(
        signedJson(
          transferBody({ payload: { to: bob.address, amountSatang: 1, amountWh: 0, fee: 1 } }),
        ),
        400,
        "BAD_TRANSACTION",
        /fee/,
      );
    });
    await t.step("duplicate JSON keys: BAD_JSON naming the key", async () => {
      const json = JSON.stringify(signedJson(transferBody()));
      const raw = json.replace('"amountWh":0', '"amountWh":0,"amountSatang":999999');
      await expectError(
        null,
        400,
        "BAD_JSON",
        /Duplicate key "amountSatang" in the JSON object at \$\.body\.payload/,
        raw,
      );
    });
    await t.step("bad signature: BAD_SIGNATURE", async () => {
      const tx = signedJson(transferBody());
      await expectError(
        { ...tx, signature: "11".repeat(64) },
        422,
        "BAD_SIGNATURE",
        /Signature does not verify/,
      );
    });
    await t.step("replays: the same tx while pending, and again after commit", async () => {
      const tx = signWith(alice, {
        kind: "transfer",
        nonce: 0,
        feeSatang: 10,
        expiresAtMs: Date.now() + 60_000,
        payload: { to: testWallet("sec-carol").address, amountSatang: 500, amountWh: 0 },
      });
      const first = await post(toSignedTxJson(tx));
      assert.equal(first.status, 202);
      const again = await post(toSignedTxJson(tx));
      assert.ok(again.status === 409, JSON.stringify(again.body));
      assert.match(again.body.error.code, /^(DUPLICATE_TX|NONCE_TOO_LOW)$/);
      await waitFor(
        async () =>
          (await fetch(`${node.baseUrl}/api/v1/transactions/${tx.id}`).then((r) => r.json()))
            .status === "committed",
        10_000,
        "commit",
      );
      await expectError(
        toSignedTxJson(tx),
        409,
        "NONCE_TOO_LOW",
        /Nonce 0 .*(next|used)/,
      );
    });
    await t.step(
      "a credit that would overflow the recipient: rejected in the block with OVERFLOW",
      async () => {
        const tx = signWith(alice, {
          kind: "transfer",
          nonce: 1,
          feeSatang: 10,
          expiresAtMs: Date.now() + 60_000,
          payload: { to: bob.address, amountSatang: 100, amountWh: 0 },
        });
        assert.equal((await post(toSignedTxJson(tx))).status, 202);
        const status = await waitFor(
          async () => {
            const s = await fetch(`${node.baseUrl}/api/v1/transactions/${tx.id}`).then((r) =>
              r.json()
            );
            return s.status === "rejected" ? s : null;
          },
          10_000,
          "rejection",
        );
        assert.equal(status.code, "OVERFLOW");
        assert.match(status.reason, /exceeds 9007199254740991/);
        const b = await fetch(`${node.baseUrl}/api/v1/accounts/${bob.address}`).then((r) =>
          r.json()
        );
        assert.equal(b.balance_satang, MAX - 5);
      },
    );
  } finally {
    await node.stop();
  }
});
