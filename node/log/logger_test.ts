import assert from "node:assert/strict";
import { parseConfig } from "../config/parse_config.ts";
import { loggerOptionsFromConfig } from "./from_config.ts";
import { createLogger } from "./logger.ts";

const FIXED = new Date("2026-11-25T12:00:00.000Z");
const now = () => FIXED;

function capture() {
  const lines: string[] = [];
  return { lines, sink: (line: string) => lines.push(line) };
}

Deno.test("logger json: one object per line with ts, level, event and fields", () => {
  const { lines, sink } = capture();
  const log = createLogger({ level: "info", format: "json", console: sink, now });
  log.info("block.committed", { height: 5, hash: "ab12", amount_wh: 10n });
  assert.deepEqual(lines, [
    '{"ts":"2026-11-25T12:00:00.000Z","level":"info","event":"block.committed","height":5,"hash":"ab12","amount_wh":"10"}',
  ]);
});

Deno.test("logger pretty: timestamp, padded level, event, k=v", () => {
  const { lines, sink } = capture();
  const log = createLogger({ level: "info", format: "pretty", console: sink, now });
  log.info("block.committed", { height: 5, note: "two words", peers: ["a", "b"] });
  log.error("p2p.failed", { err: new Error("boom") });
  assert.deepEqual(lines, [
    '2026-11-25T12:00:00.000Z INFO  block.committed height=5 note="two words" peers=["a","b"]',
    '2026-11-25T12:00:00.000Z ERROR p2p.failed err={"name":"Error","message":"boom"}',
  ]);
});

Deno.test("logger: level filter, child fields, reserved names", () => {
  const { lines, sink } = capture();
  const log = createLogger({ level: "warn", format: "json", console: sink, now });
  log.debug("x");
  log.info("y");
  assert.equal(log.isEnabled("info"), false);
  assert.equal(log.isEnabled("error"), true);
  log.child({ component: "p2p" }).warn("peer.banned", { peer: "12D3", level: "oops" });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: FIXED.toISOString(),
    level: "warn",
    event: "peer.banned",
    component: "p2p",
    peer: "12D3",
    _level: "oops",
  });
});

Deno.test("logger: secret-looking fields are redacted, also nested", () => {
  const { lines, sink } = capture();
  const log = createLogger({ level: "trace", format: "json", console: sink, now });
  log.trace("keystore.opened", {
    passphrase: "hunter2",
    operatorToken: "t0k3n",
    clientSecret: "s",
    private_key: "pk",
    nested: { PrivateKey: "pk2", ok: 1 },
    path: "/data/keystore.json",
  });
  const obj = JSON.parse(lines[0]!);
  assert.equal(obj.passphrase, "[redacted]");
  assert.equal(obj.operatorToken, "[redacted]");
  assert.equal(obj.clientSecret, "[redacted]");
  assert.equal(obj.private_key, "[redacted]");
  assert.deepEqual(obj.nested, { PrivateKey: "[redacted]", ok: 1 });
  assert.equal(obj.path, "/data/keystore.json");
  assert.ok(!lines[0]!.includes("hunter2") && !lines[0]!.includes("t0k3n"));
});

Deno.test("logger: file output appends lines, creates the directory, close is idempotent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const filePath = `${dir}/logs/sub/node.log`;
    const a = createLogger({ level: "info", format: "json", console: false, filePath, now });
    a.info("one", { n: 1 });
    a.close();
    a.close();
    a.info("after.close"); // console off, file closed: dropped without error
    const b = createLogger({ level: "info", format: "pretty", console: false, filePath, now });
    b.warn("two", { secret: "x" });
    b.close();
    const text = await Deno.readTextFile(filePath);
    assert.equal(
      text,
      '{"ts":"2026-11-25T12:00:00.000Z","level":"info","event":"one","n":1}\n' +
        "2026-11-25T12:00:00.000Z WARN  two secret=[redacted]\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loggerOptionsFromConfig: file only when file_logging.enabled", () => {
  const off = parseConfig('[logging]\nlevel = "debug"\nformat = "json"\n', "/etc/gtx/config.toml");
  assert.deepEqual(loggerOptionsFromConfig(off), { level: "debug", format: "json" });
  const on = parseConfig("[logging.file_logging]\nenabled = true\n", "/etc/gtx/config.toml");
  assert.deepEqual(loggerOptionsFromConfig(on), {
    level: "info",
    format: "pretty",
    filePath: "/etc/gtx/logs/gridtokenx.log",
  });
});
