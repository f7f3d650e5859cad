/**
 * The CLI's keystore directory: one encrypted keystore per wallet name
 * (`<dir>/<name>.json`, the node's keystore format). The passphrase comes
 * from `--passphrase-file`, the `GRIDTOKENX_PASSPHRASE` environment variable,
 * or a hidden prompt on a terminal; never from an argument.
 */
import { generateSecretKey } from "../node/crypto/ed25519.ts";
import { fromHex } from "../node/crypto/hex.ts";
import { encryptSecretKey, type KeystoreFile } from "../node/crypto/keystore.ts";
import {
  loadSecretKey,
  readKeystoreFile,
  writeKeystoreFile,
} from "../node/crypto/keystore_file.ts";
import { pathExists } from "../node/runtime/path_exists.ts";
import { type Wallet, walletFromSecretKey } from "../node/runtime/wallet.ts";
import { CliError, EXIT, UsageError } from "./cli_error.ts";

export const PASSPHRASE_ENV = "GRIDTOKENX_PASSPHRASE";
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

export interface WalletOptions {
  keystoreDir: string;
  passphraseFile?: string;
}

/** Default keystore directory: $GRIDTOKENX_KEYSTORE_DIR, else ~/.gridtokenx/keystore. */
export function getDefaultKeystoreDir(): string {
  const fromEnv = Deno.env.get("GRIDTOKENX_KEYSTORE_DIR");
  if (fromEnv) return fromEnv;
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? ".";
  return `${home}/.gridtokenx/keystore`;
}

export function walletPath(opts: WalletOptions, name: string): string {
  if (!NAME_RE.test(name)) {
    throw new UsageError(`Wallet name must be 1..64 of A-Z a-z 0-9 . _ -, got "${name}"`);
  }
  return `${opts.keystoreDir}/${name}.json`;
}

async function promptHidden(question: string): Promise<string> {
  await Deno.stderr.write(new TextEncoder().encode(question));
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buf = new Uint8Array(1);
  try {
    for (;;) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      const b = buf[0]!;
      if (b === 3) throw new CliError(EXIT.LOCAL, "Cancelled", "CANCELLED");
      if (b === 13 || b === 10) break;
      if (b === 127 || b === 8) bytes.pop();
      else bytes.push(b);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(new TextEncoder().encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The passphrase from the file, the environment, or a hidden prompt (in that order). */
export async function getPassphrase(opts: WalletOptions, confirm = false): Promise<string> {
  if (opts.passphraseFile !== undefined) {
    try {
      const text = (await Deno.readTextFile(opts.passphraseFile)).replace(/\r?\n$/, "");
      if (text === "") throw new Error("file is empty");
      return text;
    } catch (e) {
      throw new CliError(
        EXIT.LOCAL,
        `Cannot read the passphrase file ${opts.passphraseFile}: ${(e as Error).message}`,
        "NO_PASSPHRASE",
      );
    }
  }
  const fromEnv = Deno.env.get(PASSPHRASE_ENV);
  if (fromEnv) return fromEnv;
  if (!Deno.stdin.isTerminal()) {
    throw new CliError(
      EXIT.LOCAL,
      `No passphrase: use --passphrase-file PATH or set ${PASSPHRASE_ENV} (stdin is not a terminal)`,
      "NO_PASSPHRASE",
    );
  }
  const first = await promptHidden("Keystore passphrase: ");
  if (confirm && first !== await promptHidden("Repeat passphrase: ")) {
    throw new CliError(EXIT.LOCAL, "The passphrases differ", "NO_PASSPHRASE");
  }
  if (first === "") throw new CliError(EXIT.LOCAL, "Empty passphrase", "NO_PASSPHRASE");
  return first;
}

// Here and in getWalletAddress a path that cannot be checked (e.g. permission denied) counts as
// absent: the write or read that follows then fails with its own error.
async function refuseOverwrite(path: string): Promise<void> {
  if (await pathExists(path).catch(() => false)) {
    throw new CliError(EXIT.LOCAL, `${path} already exists; not overwriting a key`, "EXISTS");
  }
}

/** Generates a key into a new keystore; returns its address. */
export async function createWallet(opts: WalletOptions, name: string): Promise<string> {
  const path = walletPath(opts, name);
  await refuseOverwrite(path);
  const secret = generateSecretKey();
  const file = await encryptSecretKey(secret, await getPassphrase(opts, true));
  await writeKeystoreFile(path, file);
  return file.address;
}

/**
 * Imports a key: from an existing keystore file (copied as is, after checking
 * the passphrase opens it) or from a file holding the 32-byte secret in hex.
 */
export async function importWallet(
  opts: WalletOptions,
  name: string,
  source: { keystoreFile?: string; secretFile?: string },
): Promise<string> {
  const path = walletPath(opts, name);
  await refuseOverwrite(path);
  const passphrase = await getPassphrase(opts);
  if (source.keystoreFile !== undefined) {
    const file = await readLocal(() => readKeystoreFile(source.keystoreFile!));
    await readLocal(() => loadSecretKey(source.keystoreFile!, passphrase));
    await writeKeystoreFile(path, file);
    return file.address;
  }
  const hex = (await readLocal(() => Deno.readTextFile(source.secretFile!))).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new CliError(EXIT.LOCAL, `${source.secretFile} must hold a 64-hex-character secret key`);
  }
  const file = await encryptSecretKey(fromHex(hex), passphrase);
  await writeKeystoreFile(path, file);
  return file.address;
}

async function readLocal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new CliError(EXIT.LOCAL, (e as Error).message, (e as { code?: string }).code ?? "LOCAL");
  }
}

/** Wallets in the keystore directory: name and address (no passphrase needed). */
export async function listWallets(
  opts: WalletOptions,
): Promise<{ name: string; address: string }[]> {
  const out: { name: string; address: string }[] = [];
  try {
    for await (const entry of Deno.readDir(opts.keystoreDir)) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      try {
        const file: KeystoreFile = await readKeystoreFile(`${opts.keystoreDir}/${entry.name}`);
        out.push({ name: entry.name.slice(0, -5), address: file.address });
      } catch { /* not a keystore */ }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Address of a wallet, read from its keystore without decrypting. */
export async function getWalletAddress(opts: WalletOptions, name: string): Promise<string> {
  const path = walletPath(opts, name);
  const file = await readLocal(async () => {
    if (!await pathExists(path).catch(() => false)) {
      throw new Error(
        `No wallet "${name}" in ${opts.keystoreDir} (create one: wallet new ${name})`,
      );
    }
    return await readKeystoreFile(path);
  });
  return file.address;
}

/** Decrypts a wallet for signing. */
export async function loadWallet(opts: WalletOptions, name: string): Promise<Wallet> {
  await getWalletAddress(opts, name);
  const passphrase = await getPassphrase(opts);
  return walletFromSecretKey(
    await readLocal(() => loadSecretKey(walletPath(opts, name), passphrase)),
  );
}
