/**
 * One batch of verification cases for every SignatureVerifier (inline, noble, the worker pool):
 * the edge cases of our rule, each RFC 8032 vector valid, with a flipped signature bit and with
 * a small-order key, and malformed lengths (invalid, never thrown).
 */
import { SMALL_ORDER_ENCODINGS, type VerifyItem } from "../../../node/crypto/ed25519.ts";
import { fromHex } from "../../../node/crypto/hex.ts";
import edgeCases from "./ed25519_edge_cases.json" with { type: "json" };
import rfc8032 from "./rfc8032_ed25519.json" with { type: "json" };

export function verifierCases(): { items: VerifyItem[]; expected: boolean[] } {
  const items: VerifyItem[] = [];
  const expected: boolean[] = [];
  const push = (item: VerifyItem, valid: boolean) => {
    items.push(item);
    expected.push(valid);
  };
  for (const c of edgeCases.cases) {
    push({
      publicKey: fromHex(c.publicKey),
      message: fromHex(c.message),
      signature: fromHex(c.signature),
    }, c.valid);
  }
  rfc8032.cases.forEach((v, i) => {
    const item = {
      publicKey: fromHex(v.publicKey),
      message: fromHex(v.message),
      signature: fromHex(v.signature),
    };
    push(item, true);
    const bad = Uint8Array.from(item.signature);
    bad[5]! ^= 0x10;
    push({ ...item, signature: bad }, false);
    push({ ...item, publicKey: SMALL_ORDER_ENCODINGS[i % SMALL_ORDER_ENCODINGS.length]! }, false);
  });
  const first = items[0]!;
  push(
    { publicKey: new Uint8Array(31), message: new Uint8Array(1), signature: new Uint8Array(64) },
    false,
  );
  push(
    { publicKey: first.publicKey, message: first.message, signature: new Uint8Array(63) },
    false,
  );
  return { items, expected };
}
