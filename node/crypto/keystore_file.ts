/**
 * Keystore files on disk: the only file of `node/crypto` that touches `Deno.*`.
 * Files are written with mode 0600 and refused when other users can read them.
 * Needs `--allow-read` and `--allow-write` for the keystore path.
 */
import { CryptoError } from "./errors.ts";
import { decryptSecretKey, type KeystoreFile, parseKeystoreFile } from "./keystore.ts";

const OWNER_ONLY_MODE = 0o600;

function parentDir(path: string): string | undefined {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut > 0 ? path.slice(0, cut) : undefined;
}

/**
 * Writes a keystore as pretty JSON, creating parent directories. The file is
 * written under a temporary name with mode 0600, chmod-ed (umask and existing
 * files may otherwise widen it), then renamed into place, so a crash never
 * leaves a half-written keystore. An existing file at `path` is replaced.
 *
 * @example
 * ```ts
 * await writeKeystoreFile("data/keys/node.json", await encryptSecretKey(secret, pass));
 * ```
 */
export async function writeKeystoreFile(path: string, file: KeystoreFile): Promise<void> {
  const dir = parentDir(path);
  if (dir !== undefined) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16))
    .join("");
  const tmp = `${path}.tmp-${suffix}`;
  const text = JSON.stringify(file, null, 2) + "\n";
  try {
    await Deno.writeTextFile(tmp, text, { mode: OWNER_ONLY_MODE, createNew: true });
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, OWNER_ONLY_MODE);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Reads and structurally validates a keystore file (does not decrypt).
 *
 * @throws {CryptoError} `KEYSTORE_NOT_FOUND` if missing; `KEYSTORE_PERMISSIONS`
 *   if group or others may read it (mode & 0o077); `BAD_KEYSTORE` if it is
 *   not valid JSON or not a valid keystore.
 */
export async function readKeystoreFile(path: string): Promise<KeystoreFile> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CryptoError("KEYSTORE_NOT_FOUND", `Keystore file ${path} does not exist`);
    }
    throw e;
  }
  if (!info.isFile) {
    throw new CryptoError("BAD_KEYSTORE", `Keystore ${path} is not a regular file`);
  }
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
    throw new CryptoError(
      "KEYSTORE_PERMISSIONS",
      `Keystore ${path} is readable by other users (mode ${mode}); run chmod 600 ${path}`,
    );
  }
  const text = await Deno.readTextFile(path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CryptoError(
      "BAD_KEYSTORE",
      `Keystore ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  try {
    return parseKeystoreFile(json);
  } catch (e) {
    if (e instanceof CryptoError) throw new CryptoError(e.code, `${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads a keystore file and decrypts its secret key.
 *
 * @throws {CryptoError} as {@link readKeystoreFile} and `decryptSecretKey`
 *   (`WRONG_PASSPHRASE`, `BAD_KEYSTORE`).
 * @example
 * ```ts
 * const secret = await loadSecretKey("data/keys/node.json", passphrase);
 * ```
 */
export async function loadSecretKey(path: string, passphrase: string): Promise<Uint8Array> {
  return decryptSecretKey(await readKeystoreFile(path), passphrase);
}
