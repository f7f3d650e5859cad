/**
 * A flood of 50,000 requests from one local client (bounded concurrency,
 * loopback) against a node in a child process: the node keeps producing
 * blocks and answering /api/v1/status; the flooding client is rate-limited
 * with 429 + Retry-After.
 */
import assert from "node:assert/strict";
import { spawnNodeProcess } from "./helpers/test_node.ts";
import { opsConfigToml } from "./ops_helpers.ts";

const FLOOD_REQUESTS = 50_000;
const CONCURRENCY = 64;

Deno.test("flood of 50,000 requests: node keeps producing and serving /status", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "gtx-flood-" });
  const configPath = `${dataDir}/config.toml`;
  await Deno.writeTextFile(
    configPath,
    opsConfigToml({
      dataDir,
      blockTimeMs: 200,
      apiToml: "rate_limit_per_second = 200\nrate_limit_burst = 400",
    }),
  );
  const node = await spawnNodeProcess(configPath);
  try {
    const height = async () =>
      (await (await fetch(`${node.baseUrl}/api/v1/status`)).json()).height as number;
    const startHeight = await height();
    const counts = new Map<number, number>();
    let retryAfterMissing = 0;
    let next = 0;
    let flooding = true;
    const startedMs = performance.now();
    const worker = async () => {
      while (next < FLOOD_REQUESTS) {
        next++;
        const res = await fetch(`${node.baseUrl}/api/v1/blocks/latest`);
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        if (res.status === 429 && res.headers.get("retry-after") === null) retryAfterMissing++;
        await res.body?.cancel();
      }
    };
    // Health probe during the flood: /status must keep answering.
    const probeLatenciesMs: number[] = [];
    const heights: number[] = [];
    const probe = (async () => {
      while (flooding) {
        const t0 = performance.now();
        const res = await fetch(`${node.baseUrl}/api/v1/status`);
        assert.equal(res.status, 200);
        heights.push((await res.json()).height);
        probeLatenciesMs.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    flooding = false;
    await probe;
    const elapsedS = (performance.now() - startedMs) / 1000;
    const endHeight = await height();
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    probeLatenciesMs.sort((a, b) => a - b);
    const p99 = probeLatenciesMs[Math.floor(probeLatenciesMs.length * 0.99)] ?? 0;
    console.log(
      `flood: ${total} requests in ${elapsedS.toFixed(1)} s (${
        Math.round(total / elapsedS)
      } req/s); statuses ${JSON.stringify(Object.fromEntries(counts))}; ` +
        `height ${startHeight} -> ${endHeight}; /status probes ${probeLatenciesMs.length}, p99 ${
          p99.toFixed(1)
        } ms`,
    );
    assert.equal(total, FLOOD_REQUESTS);
    assert.ok((counts.get(429) ?? 0) > 0, "the flooding client was rate-limited");
    assert.equal(retryAfterMissing, 0, "every 429 carries Retry-After");
    assert.deepEqual([...counts.keys()].filter((s) => s !== 200 && s !== 429), []);
    // Blocks every 200 ms: require at least a third of the expected blocks during the flood.
    const expectedBlocks = Math.floor((elapsedS * 1000) / 200);
    assert.ok(
      endHeight - startHeight >= Math.max(3, Math.floor(expectedBlocks / 3)),
      `only ${endHeight - startHeight} blocks in ${elapsedS.toFixed(1)} s`,
    );
    assert.ok(probeLatenciesMs.length > 0);
    assert.ok(p99 < 2000, `/status p99 ${p99} ms`);
  } finally {
    await node.kill("SIGTERM");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
