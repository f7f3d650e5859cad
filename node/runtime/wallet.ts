/** A signing identity held in memory after its keystore was decrypted. */
import { addressFromPublicKey } from "../crypto/address.ts";
import { getPublicKey, sign } from "../crypto/ed25519.ts";
import { toHex } from "../crypto/hex.ts";

export interface Wallet {
  publicKey: Uint8Array;
  publicKeyHex: string;
  address: string;
  sign(bytes: Uint8Array): Uint8Array;
}

export function walletFromSecretKey(secret: Uint8Array): Wallet {
  const publicKey = getPublicKey(secret);
  return {
    publicKey,
    publicKeyHex: toHex(publicKey),
    address: addressFromPublicKey(publicKey),
    sign: (bytes) => sign(bytes, secret),
  };
}
