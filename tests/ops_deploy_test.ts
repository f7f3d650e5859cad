/**
 * Docker cannot run here: the Dockerfile, docker-compose.yml, Prometheus
 * config, alert rules, systemd unit and compile task are checked by reading
 * them, and the Prometheus files with promtool.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../node/config/parse_config.ts";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

async function pinnedDenoVersion(): Promise<string> {
  const ci = await read(".ci/run");
  const version = /^DENO_VERSION=(\S+)$/m.exec(ci)?.[1];
  assert.ok(version, ".ci/run pins DENO_VERSION");
  const readme = await read("README.md");
  assert.match(readme, new RegExp(`deno@${version.replaceAll(".", "\\.")}`), "README uses it");
  return version;
}

/** Joins continuation lines and returns the Dockerfile's instructions. */
function dockerInstructions(text: string): { op: string; args: string }[] {
  return text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

Deno.test("Dockerfile: pinned official image, non-root, volume, ports, health check", async () => {
  const version = await pinnedDenoVersion();
  const ins = dockerInstructions(await read("Dockerfile"));
  const all = (op: string) => ins.filter((i) => i.op === op).map((i) => i.args);
  assert.deepEqual(all("FROM"), [`denoland/deno:${version}`]);
  const users = all("USER");
  assert.ok(users.length > 0 && !["root", "0"].includes(users.at(-1)!), "runs as a non-root user");
  const lastUserIndex = ins.findLastIndex((i) => i.op === "USER");
  assert.ok(
    ins.findIndex((i) => i.op === "ENTRYPOINT") > lastUserIndex,
    "USER comes before ENTRYPOINT",
  );
  assert.deepEqual(all("VOLUME"), ['["/app/data"]']);
  assert.deepEqual(all("EXPOSE").join(" ").split(/\s+/).sort(), ["8080", "9000"]);
  const health = all("HEALTHCHECK").join(" ");
  assert.match(health, /http:\/\/127\.0\.0\.1:8080\/api\/v1\/status/);
  const entry = JSON.parse(all("ENTRYPOINT")[0]!) as string[];
  const cmd = JSON.parse(all("CMD")[0]!) as string[];
  assert.deepEqual(entry.slice(0, 2), ["deno", "run"]);
  assert.ok(!entry.includes("-A") && !entry.includes("--allow-all"), "narrow permissions");
  // The same permissions as `deno task start`.
  const denoJson = JSON.parse(await read("deno.json"));
  const startFlags = (denoJson.tasks.start as string).split(" ").filter((f) =>
    f.startsWith("--allow")
  );
  assert.deepEqual(entry.filter((f) => f.startsWith("--allow")), startFlags);
  assert.equal(entry.at(-1), "main.ts");
  assert.equal(cmd[0], "start");
  assert.equal(cmd[cmd.indexOf("--api-host") + 1], "0.0.0.0");
  assert.equal(cmd[cmd.indexOf("--data-dir") + 1], "/app/data");
  // The config baked into the image parses and listens on all interfaces.
  const cfg = parseConfig(await read("deploy/docker-config.toml"), "/app/config.toml");
  assert.equal(cfg.api.host, "0.0.0.0");
  assert.equal(cfg.api.port, 8080);
  assert.equal(cfg.p2p.listen_address, "0.0.0.0");
  assert.equal(cfg.p2p.port, 9000);
  assert.equal(cfg.node.data_dir, "/app/data");
  const ignore = await read(".dockerignore");
  for (const p of ["data/", ".git"]) {
    assert.match(ignore, new RegExp(`^${p.replace(".", "\\.")}$`, "m"));
  }
});

Deno.test("docker-compose.yml: node with ports and data volume, Prometheus scraping /metrics", async () => {
  const compose = await read("docker-compose.yml");
  assert.match(compose, /^services:\n {2}gridtokenx-node:\n/m);
  assert.match(compose, /- "8080:8080"/);
  assert.match(compose, /- "9000:9000"/);
  assert.match(compose, /- gridtokenx-data:\/app\/data/);
  assert.match(compose, /- GRIDTOKENX_PASSPHRASE\n/, "the passphrase comes from the host env");
  assert.doesNotMatch(compose, /^\s*-\s*GRIDTOKENX_[A-Z_]+=/m, "no secret in the file");
  assert.match(compose, /^ {2}prometheus:\n {4}image: prom\/prometheus:v[0-9.]+\n/m);
  assert.match(compose, /\.\/prometheus\.yml:\/etc\/prometheus\/prometheus\.yml/);
  assert.match(compose, /\.\/deploy\/alerts\.yml:\/etc\/prometheus\/deploy\/alerts\.yml/);
  const prom = await read("prometheus.yml");
  assert.match(prom, /metrics_path: \/metrics/);
  assert.match(prom, /targets: \["gridtokenx-node:8080"\]/);
});

Deno.test("promtool accepts prometheus.yml and the alert rules", async () => {
  let promtool: Deno.CommandOutput;
  const run = (args: string[]) =>
    new Deno.Command("promtool", { args, cwd: ROOT.pathname, stdout: "piped", stderr: "piped" })
      .output();
  try {
    promtool = await run(["check", "config", "prometheus.yml"]);
  } catch (e) {
    throw new Error(
      `promtool is not installed (${(e as Error).message}): apt-get install -y prometheus`,
    );
  }
  const text = (o: Deno.CommandOutput) =>
    new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
  assert.equal(promtool.code, 0, text(promtool));
  assert.match(text(promtool), /1 rule files found/);
  const rules = await run(["check", "rules", "deploy/alerts.yml"]);
  assert.equal(rules.code, 0, text(rules));
  // Every metric an alert uses is one the node exports (or Prometheus' own `up`).
  const alerts = await read("deploy/alerts.yml");
  const used = new Set(
    [...alerts.matchAll(/\b(gridtokenx_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!),
  );
  const metricsSource = (await Promise.all(
    [...Deno.readDirSync(new URL("node/metrics/", ROOT))]
      .filter((e) => e.name.endsWith(".ts"))
      .map((e) => read(`node/metrics/${e.name}`)),
  )).join("\n");
  for (const name of used) assert.match(metricsSource, new RegExp(`"${name}"`), name);
});

Deno.test("systemd unit and compile task", async () => {
  const unit = await read("deploy/gridtokenx-node.service");
  assert.match(unit, /^User=gridtokenx$/m);
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/gridtokenx-node start /m);
  assert.match(unit, /^EnvironmentFile=\/etc\/gridtokenx\/node\.env$/m);
  assert.match(unit, /^KillSignal=SIGTERM$/m);
  assert.match(unit, /^NoNewPrivileges=true$/m);
  const tasks = JSON.parse(await read("deno.json")).tasks as Record<string, string>;
  const compile = tasks.compile!;
  assert.ok(compile, "deno task compile exists");
  const commands = compile.split(" && ");
  const node = commands.find((c) => c.includes("--output gridtokenx-node"))!;
  const cli = commands.find((c) => c.includes("--output gridtokenx-cli"))!;
  assert.ok(node.startsWith("deno compile ") && node.endsWith(" main.ts"), node);
  assert.ok(cli.startsWith("deno compile ") && cli.endsWith(" cli/main.ts"), cli);
  assert.match(node, /--include static(\s|$)/, "console assets embedded");
  assert.ok(commands.findIndex((c) => c.includes("static/build/boot.js")) < commands.indexOf(node));
  for (const c of [node, cli]) {
    assert.ok(!/\s(-A|--allow-all)(\s|$)/.test(c), `narrow permissions: ${c}`);
  }
  // The node binary has the permissions of `deno task start`, except read: embedded assets live
  // in a virtual directory next to wherever the binary is installed.
  const startFlags = tasks.start!.split(" ").filter((f) => f.startsWith("--allow"));
  const nodeFlags = node.split(" ").filter((f) => f.startsWith("--allow"));
  assert.deepEqual(
    nodeFlags.filter((f) => !f.startsWith("--allow-read")),
    startFlags.filter((f) => !f.startsWith("--allow-read")),
  );
});
