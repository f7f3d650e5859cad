/**
 * Cost of the state root's canonical CBOR per block: 10,000 state changes
 * shaped like an energy-order block (accounts, orders, energy sources,
 * trades), fast encoder vs cborg's reference encoder, and the full
 * `computeStateRoot` (a fresh change list each run, so nothing is memoized).
 *
 *   deno bench node/chain/state_root_bench.ts
 */
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { domainTag, encodeCanonical, encodeCanonicalReference } from "./encoding.ts";
import type { StateChange } from "./state.ts";
import { computeStateRoot } from "./state_root.ts";

const CHANGES = 10_000;
const hex64 = (i: number) => i.toString(16).padStart(64, "0");
const address = (i: number) => `gtx1${i.toString(36).padStart(38, "q")}`;

function makeChanges(): StateChange[] {
  const out: StateChange[] = [];
  for (let i = 0; i < CHANGES; i++) {
    switch (i % 4) {
      case 0:
        out.push([`account/${address(i)}`, {
          balanceSatang: 1_000_000_000 - i,
          energyWh: 10_000_000 - i * 100,
          stakeSatang: 0,
          nonce: i,
          lockedSatang: 600 * i,
          lockedWh: 100 * i,
          carbonMicroCredits: 12_345,
          unbonding: [],
        }]);
        break;
      case 1:
        out.push([`order/${hex64(i)}`, {
          id: hex64(i),
          owner: address(i),
          side: i % 8 === 1 ? "sell" : "buy",
          amountWh: 100,
          remainingWh: 100,
          priceSatangPerKwh: 500,
          source: i % 8 === 1 ? "solar" : null,
          location: "BKK-01-SUB1",
          seq: i,
          expiresAtMs: 1_767_225_600_000 + i,
          lockedSatang: 60,
        }]);
        break;
      case 2:
        out.push([`energy_source/${address(i)}`, { solar: 10_000_000 - i * 100 }]);
        break;
      default:
        out.push([`log/trade/000000000042/${String(i).padStart(6, "0")}`, {
          height: 42,
          index: i,
          buyOrderId: hex64(i),
          sellOrderId: hex64(i + 1),
          buyer: address(i),
          seller: address(i + 1),
          amountWh: 100,
          priceSatangPerKwh: 500,
          feeSatang: 1,
          location: "BKK-01-SUB1",
        }]);
    }
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const changes = makeChanges();
const prev = "00".repeat(32);

Deno.bench({
  name: `encodeCanonical (fast path), ${CHANGES} order-block changes`,
  group: "encode",
  baseline: true,
  fn: () => {
    encodeCanonical(changes);
  },
});
Deno.bench({
  name: `encodeCanonicalReference (cborg rfc8949), ${CHANGES} order-block changes`,
  group: "encode",
  fn: () => {
    encodeCanonicalReference(changes);
  },
});
Deno.bench({
  name: `computeStateRoot, ${CHANGES} order-block changes (fresh list, not memoized)`,
  fn: () => {
    computeStateRoot(prev, 42, changes.slice());
  },
});
Deno.bench({
  name: `state root as before (cborg rfc8949 + @noble/hashes sha256), ${CHANGES} changes`,
  fn: () => {
    const u64 = new Uint8Array(8);
    new DataView(u64.buffer).setBigUint64(0, 42n);
    toHex(sha256(concatBytes(
      domainTag("GRIDTOKENX_STATE_V1"),
      fromHex(prev),
      u64,
      encodeCanonicalReference(changes),
    )));
  },
});
