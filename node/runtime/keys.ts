/**
 * The node's keystores under `<data_dir>/keys/`: the validator key and, on a
 * dev chain, generated authority keys. The passphrase comes from the env var
 * named by `consensus.keystore_passphrase_env`; on a dev chain without it, a
 * random passphrase is generated into `keys/passphrase` (mode 0600) so the
 * node starts unattended; production operators set the env var instead.
 */
import { generateSecretKey } from "../crypto/ed25519.ts";
import { encryptSecretKey } from "../crypto/keystore.ts";
import { loadSecretKey, writeKeystoreFile } from "../crypto/keystore_file.ts";
import { toHex } from "../crypto/hex.ts";
import { pathExists } from "./path_exists.ts";
import { type Wallet, walletFromSecretKey } from "./wallet.ts";

export class KeyError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "KeyError";
  }
}

export function keysDir(dataDir: string): string {
  return `${dataDir}/keys`;
}

export function validatorKeystorePath(dataDir: string): string {
  return `${keysDir(dataDir)}/validator.json`;
}

export function authorityKeystorePath(dataDir: string, name: string): string {
  return `${keysDir(dataDir)}/authority-${name}.json`;
}

/**
 * The keystore passphrase: the env var if set, else the dev passphrase file,
 * created when `create` is true.
 */
export async function getPassphrase(
  dataDir: string,
  envName: string,
  opts: { create: boolean },
): Promise<{ passphrase: string; source: "env" | "dev-file" }> {
  const fromEnv = Deno.env.get(envName);
  if (fromEnv !== undefined && fromEnv !== "") return { passphrase: fromEnv, source: "env" };
  const path = `${keysDir(dataDir)}/passphrase`;
  if (await pathExists(path)) {
    const info = await Deno.stat(path);
    if (info.mode !== null && (info.mode & 0o077) !== 0) {
      throw new KeyError(
        "KEYSTORE_PERMISSIONS",
        `${path} is readable by other users; run chmod 600 ${path}`,
      );
    }
    return { passphrase: (await Deno.readTextFile(path)).trim(), source: "dev-file" };
  }
  if (!opts.create) {
    throw new KeyError(
      "NO_PASSPHRASE",
      `No keystore passphrase: set the environment variable ${envName}`,
    );
  }
  await Deno.mkdir(keysDir(dataDir), { recursive: true, mode: 0o700 });
  const passphrase = toHex(crypto.getRandomValues(new Uint8Array(24)));
  await Deno.writeTextFile(path, passphrase + "\n", { mode: 0o600 });
  await Deno.chmod(path, 0o600);
  return { passphrase, source: "dev-file" };
}

/** Generates a key and writes its encrypted keystore; refuses to overwrite. */
export async function createKeystore(path: string, passphrase: string): Promise<Wallet> {
  if (await pathExists(path)) {
    throw new KeyError("KEYSTORE_EXISTS", `${path} already exists; not overwriting a key`);
  }
  const secret = generateSecretKey();
  await writeKeystoreFile(path, await encryptSecretKey(secret, passphrase));
  return walletFromSecretKey(secret);
}

export async function loadWallet(path: string, passphrase: string): Promise<Wallet> {
  return walletFromSecretKey(await loadSecretKey(path, passphrase));
}
