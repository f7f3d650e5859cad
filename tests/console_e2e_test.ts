/**
 * Browser test of the operator console: runs tests/console_scenario.ts in a
 * child process with --allow-all (playwright-core cannot load under the test
 * task's narrower permissions) and fails with its output when it fails.
 */
import assert from "node:assert/strict";

const SCENARIO = new URL("./console_scenario.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

Deno.test("console e2e in Chromium: live overview, pages, search, sign-in, keyboard", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", DENO_JSON, SCENARIO],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  console.log(text.trim());
  assert.ok(out.success, `console scenario failed:\n${text}`);
});
