/**
 * Keys: secrets never reach logs or API answers; a keystore readable by
 * other users stops the node at start; the cost of one passphrase guess.
 */
import assert from "node:assert/strict";
import { loadSecretKey } from "../node/crypto/keystore_file.ts";
import { toHex } from "../node/crypto/hex.ts";
import { KEYSTORE_PBKDF2_ITERATIONS } from "../node/crypto/keystore.ts";
import { CryptoError } from "../node/crypto/errors.ts";
import { createLogger } from "../node/log/logger.ts";
import { startNode } from "../node/runtime/start_node.ts";
import { initChain } from "../node/runtime/init_chain.ts";
import { validatorKeystorePath } from "../node/runtime/keys.ts";
import { testConfigToml } from "./helpers/test_node.ts";
import { opsConfig } from "./ops_helpers.ts";

const MAIN_TS = new URL("../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

Deno.test("secrets are never logged and never in API answers", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "gtx-secrets-" });
  const passphrase = `pass-${crypto.randomUUID()}`;
  const operatorToken = `token-${crypto.randomUUID()}`;
  const configPath = `${dataDir}/config.toml`;
  await Deno.writeTextFile(
    configPath,
    testConfigToml({ dataDir }).replace('level = "info"', 'level = "trace"') +
      `\n[logging.file_logging]\nenabled = true\nfile_path = "${dataDir}/node.log"\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", DENO_JSON, MAIN_TS, "start", "--config", configPath],
    env: { GRIDTOKENX_PASSPHRASE: passphrase, GRIDTOKENX_OPERATOR_TOKEN: operatorToken },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const collect = (s: ReadableStream<Uint8Array>) => new Response(s).text();
  const stdoutP = collect(child.stdout);
  const stderrP = collect(child.stderr);
  try {
    let baseUrl = "";
    const deadline = Date.now() + 20_000;
    while (baseUrl === "" && Date.now() < deadline) {
      const log = await Deno.readTextFile(`${dataDir}/node.log`).catch(() => "");
      const m = /"api\.listening".*?"port":(\d+)/.exec(log);
      if (m) baseUrl = `http://127.0.0.1:${m[1]}`;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(baseUrl, "node started");
    await new Promise((r) => setTimeout(r, 600));
    const answers: string[] = [];
    for (
      const path of ["/api/v1/status", "/metrics", "/api/v1/blocks/latest", "/api/v1/blocks/0"]
    ) {
      answers.push(await (await fetch(`${baseUrl}${path}`)).text());
    }
    answers.push(
      await (await fetch(`${baseUrl}/api/v1/transactions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${operatorToken}` },
        body: `{"x":"${passphrase}"}`,
      })).text(),
    );
    child.kill("SIGTERM");
    await child.status;
    const logs = [await stdoutP, await stderrP, await Deno.readTextFile(`${dataDir}/node.log`)]
      .join("\n");
    assert.match(logs, /block\.committed/, "logs were captured");
    const secretKeyHex = toHex(await loadSecretKey(validatorKeystorePath(dataDir), passphrase));
    const keystoreJson = JSON.parse(await Deno.readTextFile(validatorKeystorePath(dataDir)));
    const secrets = {
      passphrase,
      operatorToken,
      secretKeyHex,
      secretKeyBase64: btoa(
        String.fromCharCode(...Array.from(secretKeyHex.match(/../g)!, (h) => parseInt(h, 16))),
      ),
      keystoreCiphertext: JSON.stringify(keystoreJson.crypto ?? keystoreJson).slice(20, 60),
    };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!logs.includes(secret), `${name} appears in the logs`);
      for (const a of answers.slice(0, 4)) {
        assert.ok(!a.includes(secret), `${name} in an API answer`);
      }
    }
    // The rejected body's error must not echo the passphrase sent in it either.
    assert.ok(!answers[4]!.includes(passphrase), "request body echoed in an error");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("a keystore readable by other users stops the node at start", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "gtx-perm-" });
  try {
    Deno.env.set("GRIDTOKENX_PASSPHRASE", "perm test passphrase");
    const cfg = opsConfig({ dataDir });
    const log = createLogger({ level: "error", format: "json", console: false });
    await initChain(cfg, log);
    const keystore = validatorKeystorePath(dataDir);
    await Deno.chmod(keystore, 0o644);
    await assert.rejects(() => startNode(cfg, log, { handleSignals: false }), (e: unknown) => {
      assert.ok(e instanceof CryptoError, String(e));
      assert.equal(e.code, "KEYSTORE_PERMISSIONS");
      assert.match(e.message, /readable by other users \(mode 0644\); run chmod 600/);
      return true;
    });
    const configPath = `${dataDir}/config.toml`;
    await Deno.writeTextFile(configPath, testConfigToml({ dataDir }));
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", DENO_JSON, MAIN_TS, "start", "--config", configPath],
      env: { GRIDTOKENX_PASSPHRASE: "perm test passphrase" },
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(res.code, 1);
    assert.match(
      new TextDecoder().decode(res.stderr),
      /gridtokenx-node: KEYSTORE_PERMISSIONS: Keystore .*validator\.json is readable by other users/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("keystore brute-force cost: one passphrase guess (PBKDF2-SHA256, 600,000 iterations)", async () => {
  assert.equal(KEYSTORE_PBKDF2_ITERATIONS, 600_000);
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("a guess"),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const t0 = performance.now();
  const runs = 3;
  for (let i = 0; i < runs; i++) {
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt, iterations: KEYSTORE_PBKDF2_ITERATIONS },
      key,
      256,
    );
  }
  const msPerGuess = (performance.now() - t0) / runs;
  console.log(
    `PBKDF2-SHA256 x ${KEYSTORE_PBKDF2_ITERATIONS}: ${
      msPerGuess.toFixed(0)
    } ms per guess on this machine (1 core)`,
  );
  assert.ok(msPerGuess > 20, "600k iterations cannot take under 20 ms on a CPU core");
});
