/** gridtokenx-cli as a separate process: the product description's command, failures, exit codes. */
import assert from "node:assert/strict";
import { startTestNode, TEST_PASSPHRASE } from "./helpers/test_node.ts";

const CLI = new URL("../cli/main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

async function runCliProcess(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check", // the test run type-checks cli/; spare the CPU of parallel tests
      "--config",
      DENO_JSON,
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      CLI,
      ...args,
    ],
    env: { GRIDTOKENX_PASSPHRASE: "", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("cli process: the product description's propose command runs as written", async () => {
  const node = await startTestNode({ blockTimeMs: 200 });
  const dir = await Deno.makeTempDir({ prefix: "gtx-cli-proc-" });
  try {
    const passFile = `${dir}/pass`;
    await Deno.writeTextFile(passFile, TEST_PASSPHRASE + "\n");
    const common = ["--node", node.baseUrl, "--keystore-dir", `${dir}/ks`];
    const imp = await runCliProcess([
      ...common,
      "--passphrase-file",
      passFile,
      "wallet",
      "import",
      "default",
      "--keystore-file",
      `${node.dataDir}/keys/validator.json`,
    ]);
    assert.equal(imp.code, 0, imp.stderr);
    // Passphrase from the environment this time.
    const r = await runCliProcess([
      ...common,
      "governance",
      "propose",
      "--title",
      "Increase renewable energy incentives",
      "--description",
      "Proposal to increase carbon credit rates for solar energy",
      "--type",
      "parameter-change",
      "--parameter",
      "carbon_credits.solar",
      "--new-value",
      "0.7",
    ], { GRIDTOKENX_PASSPHRASE: TEST_PASSPHRASE });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /committed at height \d+ proposal_id=1/);
    const show = await runCliProcess([...common, "governance", "show", "1"]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status:\s+voting/);
    const status = await runCliProcess([...common, "--json", "status"]);
    assert.equal(JSON.parse(status.stdout).network_id, 1001);
    // No passphrase source and no terminal: a one-line local error.
    const noPass = await runCliProcess([...common, "stake", "--amount-satang", "5"]);
    assert.equal(noPass.code, 4);
    assert.match(noPass.stderr, /^error: No passphrase/);
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli process: unreachable node and bad arguments fail with one line and an exit code", async () => {
  const unreachable = await runCliProcess(["--node", "http://127.0.0.1:9", "status"]);
  assert.equal(unreachable.code, 3);
  assert.match(unreachable.stderr, /^error: Cannot reach the node at http:\/\/127\.0\.0\.1:9/);
  const bad = await runCliProcess(["governance", "vote", "1", "maybe"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^error: The choice must be yes, no, abstain or veto, got "maybe"\nusage:/,
  );
  const unknownFlag = await runCliProcess(["status", "--bogus"]);
  assert.equal(unknownFlag.code, 2);
  const unknown = await runCliProcess(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
});
