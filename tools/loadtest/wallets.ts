/**
 * Load-test wallets (deterministic from a seed, so a node started elsewhere
 * can fund the same addresses) and fast pre-signing with WebCrypto Ed25519
 * (deterministic: the same signatures @noble/ed25519 would produce).
 */
import { base64url } from "@scure/base";
import { computeSignedBytes, computeTxId, type TxBody } from "../../node/chain/transaction.ts";
import { toHex } from "../../node/crypto/hex.ts";
import { sha256 } from "../../node/crypto/sha256.ts";
import { walletFromSecretKey } from "../../node/runtime/wallet.ts";

/** A funded load-test account with a WebCrypto signing key. */
export interface LoadWallet {
  address: string;
  publicKeyHex: string;
  key: CryptoKey;
}

/** Secret key of load-test wallet `index` for `seed`. */
export function computeLoadWalletSecret(seed: string, index: number): Uint8Array {
  return sha256(new TextEncoder().encode(`gridtokenx loadtest wallet ${seed} ${index}`));
}

/** Derives `count` wallets and imports their signing keys. */
export async function createLoadWallets(seed: string, count: number): Promise<LoadWallet[]> {
  const out: LoadWallet[] = [];
  for (let i = 0; i < count; i++) {
    const secret = computeLoadWalletSecret(seed, i);
    const w = walletFromSecretKey(secret);
    const key = await crypto.subtle.importKey(
      "jwk",
      {
        kty: "OKP",
        crv: "Ed25519",
        d: base64url.encode(secret).replace(/=+$/, ""),
        x: base64url.encode(w.publicKey).replace(/=+$/, ""),
      },
      { name: "Ed25519" },
      false,
      ["sign"],
    );
    out.push({ address: w.address, publicKeyHex: w.publicKeyHex, key });
  }
  return out;
}

/** A pre-signed transaction: its wire JSON, id and sender/nonce key. */
export interface SignedLoadTx {
  id: string;
  /** `from:nonce`, unique per committed transaction. */
  key: string;
  json: string;
}

/** Signs a body with WebCrypto; returns the wire JSON and id. */
export async function signLoadTx(wallet: LoadWallet, body: TxBody): Promise<SignedLoadTx> {
  const signedBytes = computeSignedBytes(body);
  const signature = new Uint8Array(
    await crypto.subtle.sign("Ed25519", wallet.key, signedBytes as Uint8Array<ArrayBuffer>),
  );
  return {
    id: computeTxId(signedBytes),
    key: `${body.from}:${body.nonce}`,
    json: JSON.stringify({ body, signature: toHex(signature) }),
  };
}
