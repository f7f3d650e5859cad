import assert from "node:assert/strict";
import { generateSecretKey } from "./ed25519.ts";
import { CryptoError } from "./errors.ts";
import { encryptSecretKey } from "./keystore.ts";
import { loadSecretKey, readKeystoreFile, writeKeystoreFile } from "./keystore_file.ts";

const isCode = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;
const posix = Deno.build.os !== "windows";

Deno.test("write creates parent dirs with mode 0600; read and load round trip", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gtx-keystore-" });
  try {
    const secret = generateSecretKey();
    // One full-strength keystore so loadSecretKey works with its default minimum.
    const file = await encryptSecretKey(secret, "pw");
    const path = `${dir}/nested/keys/node.json`;
    await writeKeystoreFile(path, file);
    if (posix) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await readKeystoreFile(path), file);
    assert.deepEqual(await loadSecretKey(path, "pw"), secret);
    await assert.rejects(() => loadSecretKey(path, "nope"), isCode("WRONG_PASSPHRASE"));
    // Overwriting an existing, wider file leaves 0600 and no temporary files.
    await Deno.chmod(path, 0o644);
    await writeKeystoreFile(path, file);
    if (posix) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const names = [];
    for await (const entry of Deno.readDir(`${dir}/nested/keys`)) names.push(entry.name);
    assert.deepEqual(names, ["node.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a group/world-readable keystore is refused with KEYSTORE_PERMISSIONS",
  ignore: !posix,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gtx-keystore-" });
    try {
      const path = `${dir}/node.json`;
      await writeKeystoreFile(
        path,
        await encryptSecretKey(generateSecretKey(), "pw", { iterations: 1_000 }),
      );
      await Deno.chmod(path, 0o644);
      await assert.rejects(() => readKeystoreFile(path), isCode("KEYSTORE_PERMISSIONS"));
      await assert.rejects(
        () => readKeystoreFile(path),
        new RegExp(`Keystore ${path} is readable by other users \\(mode 0644\\); run chmod 600`),
      );
      await Deno.chmod(path, 0o640);
      await assert.rejects(() => readKeystoreFile(path), isCode("KEYSTORE_PERMISSIONS"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("missing file and invalid JSON give clear errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gtx-keystore-" });
  try {
    await assert.rejects(
      () => readKeystoreFile(`${dir}/absent.json`),
      (e) =>
        e instanceof CryptoError && e.code === "KEYSTORE_NOT_FOUND" && e.message.includes("absent"),
    );
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, "{not json", { mode: 0o600 });
    await Deno.chmod(bad, 0o600);
    await assert.rejects(() => readKeystoreFile(bad), isCode("BAD_KEYSTORE"));
    await Deno.writeTextFile(bad, '{"version": 7}');
    await assert.rejects(() => readKeystoreFile(bad), /bad\.json: Invalid keystore: "version"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
