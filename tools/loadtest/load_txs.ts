/**
 * What the load tool sends: transfers, or energy orders that match. Both are
 * pre-signed before the timed run. Transaction `k` is sent by wallet
 * `k % wallets` with nonce `floor(k / wallets)`, so every wallet's nonces
 * arrive in order.
 *
 * Orders: wallets are paired (2p sells, 2p+1 buys) at the same substation
 * (pair p at substation p mod 9 of the default topology), every order 100 Wh;
 * asks at 500 and bids at 600 satang/kWh, so every bid crosses every ask and
 * trades at the maker's 500. Same-substation trades count once against the
 * substation's interval capacity: the default topology's 275,000 kW give
 * 68.75 MWh per 15-minute interval, i.e. 687,500 trades of 100 Wh; an equal
 * share per substation lasts ~37,500 trades at the smallest (CNX-02-SUB001,
 * 15,000 kW), i.e. ~2 minutes at 2,500 trades/s. A bid that finds no ask at
 * its own substation takes an older one elsewhere (links have capacity too).
 */
import type { TxBody } from "../../node/chain/transaction.ts";
import { DEFAULT_GRID_TOPOLOGY } from "../../node/market/location.ts";
import type { GenesisExtras } from "./load_chain.ts";
import { type LoadWallet, type SignedLoadTx, signLoadTx } from "./wallets.ts";

/** Kinds of load. */
export type LoadKind = "transfer" | "orders";

/** Money of every load wallet at genesis (10,000,000 THB). */
export const FUND_SATANG = 1_000_000_000_000;
/** Metered solar energy of every selling wallet at genesis (10 MWh). */
export const SELLER_ENERGY_WH = 10_000_000;
/** Size of every order. */
export const ORDER_WH = 100;
export const ASK_SATANG_PER_KWH = 500;
export const BID_SATANG_PER_KWH = 600;

const SUBSTATIONS = DEFAULT_GRID_TOPOLOGY.substations.map((s) => s.id);

/** Substation of wallet `index` (both wallets of a pair share it). */
export function computeWalletLocation(index: number): string {
  return SUBSTATIONS[Math.floor(index / 2) % SUBSTATIONS.length]!;
}

/** Genesis additions: money for every wallet; for orders also registration and solar energy. */
export function computeGenesisExtras(
  kind: LoadKind,
  wallets: readonly LoadWallet[],
): GenesisExtras {
  const accounts = wallets.map((w) => ({
    address: w.address,
    balanceSatang: FUND_SATANG,
    energyWh: 0,
  }));
  if (kind === "transfer") return { accounts };
  const registeredBy = (loc: string) => loc.startsWith("BKK-") ? "MEA" : "PEA";
  return {
    accounts,
    participants: wallets.map((w, i) => ({
      address: w.address,
      location: computeWalletLocation(i),
      registeredBy: registeredBy(computeWalletLocation(i)),
    })),
    meteredEnergy: wallets.flatMap((w, i) =>
      i % 2 === 0 ? [{ address: w.address, source: "solar", wh: SELLER_ENERGY_WH }] : []
    ),
  };
}

function bodyOf(
  kind: LoadKind,
  wallets: readonly LoadWallet[],
  k: number,
  nonce: number,
  networkId: number,
  expiresAtMs: number,
): TxBody {
  const n = wallets.length;
  const i = k % n;
  const w = wallets[i]!;
  const common = { networkId, from: w.publicKeyHex, nonce, feeSatang: 1, expiresAtMs };
  if (kind === "transfer") {
    return {
      ...common,
      kind: "transfer",
      payload: { to: wallets[(k + 1) % n]!.address, amountSatang: 1, amountWh: 0 },
    };
  }
  const sell = i % 2 === 0;
  return {
    ...common,
    kind: "energy_order",
    payload: {
      side: sell ? "sell" : "buy",
      amountWh: ORDER_WH,
      priceSatangPerKwh: sell ? ASK_SATANG_PER_KWH : BID_SATANG_PER_KWH,
      source: sell ? "solar" : null,
      location: computeWalletLocation(i),
      orderExpiresAtMs: expiresAtMs,
    },
  };
}

/**
 * Signs `total` transactions of `kind`; `nonces[i]` is wallet i's next nonce.
 * Orders need an even number of wallets (sell/buy pairs).
 */
export async function presignLoad(
  kind: LoadKind,
  wallets: readonly LoadWallet[],
  nonces: readonly number[],
  networkId: number,
  total: number,
): Promise<SignedLoadTx[]> {
  if (kind === "orders" && wallets.length % 2 !== 0) {
    throw new Error("--kind orders needs an even number of --accounts (sell/buy pairs)");
  }
  const expiresAtMs = Date.now() + 3_600_000;
  const out: SignedLoadTx[] = new Array(total);
  const n = wallets.length;
  const CHUNK = 2048;
  for (let start = 0; start < total; start += CHUNK) {
    const jobs: Promise<void>[] = [];
    for (let k = start; k < Math.min(total, start + CHUNK); k++) {
      const body = bodyOf(
        kind,
        wallets,
        k,
        nonces[k % n]! + Math.floor(k / n),
        networkId,
        expiresAtMs,
      );
      jobs.push(signLoadTx(wallets[k % n]!, body).then((s) => void (out[k] = s)));
    }
    await Promise.all(jobs);
  }
  return out;
}
