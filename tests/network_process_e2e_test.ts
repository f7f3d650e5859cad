/**
 * Four validators as child processes (`main.ts start`), real libp2p on
 * 127.0.0.1: one is killed with SIGKILL, the other three go on for many
 * blocks, and the restarted node catches up from its peers and agrees.
 */
import assert from "node:assert/strict";
import { removeDirs, writeNetworkConfig } from "./helpers/network.ts";
import { type NodeProcess, spawnNodeProcess, waitFor } from "./helpers/test_node.ts";

async function heightOf(p: NodeProcess): Promise<number> {
  try {
    return (await (await fetch(`${p.baseUrl}/api/v1/status`)).json()).height;
  } catch {
    return -1;
  }
}

async function hashAt(p: NodeProcess, h: number): Promise<string> {
  return (await (await fetch(`${p.baseUrl}/api/v1/blocks/${h}`)).json()).hash;
}

async function p2pAddress(p: NodeProcess): Promise<string> {
  return await waitFor<string>(
    () => {
      const line = p.lines.find((l) => l.includes('"p2p.listening"'));
      return line ? (JSON.parse(line).addresses as string).split(",")[0]! : "";
    },
    10_000,
    "p2p.listening",
  );
}

Deno.test({
  name: "child processes: a validator killed with SIGKILL for many blocks catches up",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dirs: string[] = [];
    const procs: NodeProcess[] = [];
    const addrs: string[] = [];
    const configs: string[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const dataDir = await Deno.makeTempDir({ prefix: "gtx-netp-" });
        dirs.push(dataDir);
        configs.push(
          await writeNetworkConfig({
            dataDir,
            validators: 4,
            key: i,
            blockTimeMs: 400,
            bootstrapPeers: [...addrs],
          }),
        );
        const p = await spawnNodeProcess(configs[i]!, 30_000);
        procs.push(p);
        addrs.push(await p2pAddress(p));
      }
      await waitFor(
        async () => (await Promise.all(procs.map(heightOf))).every((h) => h >= 3),
        30_000,
        "blocks on all four processes",
      );
      const victim = procs[3]!;
      const status = await victim.kill("SIGKILL");
      assert.equal(status.signal, "SIGKILL");
      const stoppedAt = Math.max(...(await Promise.all(procs.slice(0, 3).map(heightOf))));
      await waitFor(
        async () =>
          (await Promise.all(procs.slice(0, 3).map(heightOf))).every((h) => h >= stoppedAt + 12),
        40_000,
        "12 more blocks without the killed node",
      );
      procs[3] = await spawnNodeProcess(configs[3]!, 30_000);
      const target = await heightOf(procs[0]!);
      await waitFor(async () => (await heightOf(procs[3]!)) >= target + 1, 40_000, "caught up");
      assert.equal(await hashAt(procs[3]!, target), await hashAt(procs[0]!, target));
    } finally {
      // SIGKILL: after a graceful stop libp2p keeps the process alive (see the report).
      await Promise.all(procs.map((p) => p.kill("SIGKILL").catch(() => {})));
      await removeDirs(dirs);
    }
  },
});
