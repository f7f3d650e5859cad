/** A signing identity held in memory after its keystore was decrypted. */
import { addressFromPublicKey } from "../crypto/address.ts";
import { createWebCryptoSigner, getPublicKey, sign } from "../crypto/ed25519.ts";
import { toHex } from "../crypto/hex.ts";

export interface Wallet {
  publicKey: Uint8Array;
  publicKeyHex: string;
  address: string;
  sign(bytes: Uint8Array): Uint8Array;
  /** The same signature as `sign`, computed natively off this thread (use it on hot paths). */
  signAsync(bytes: Uint8Array): Promise<Uint8Array>;
}

export function walletFromSecretKey(secret: Uint8Array): Wallet {
  const publicKey = getPublicKey(secret);
  return {
    publicKey,
    publicKeyHex: toHex(publicKey),
    address: addressFromPublicKey(publicKey),
    sign: (bytes) => sign(bytes, secret),
    signAsync: createWebCryptoSigner(secret),
  };
}
