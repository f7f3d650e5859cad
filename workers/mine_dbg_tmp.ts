import { MinePool } from "./mine_pool.ts";
import { sha256 } from "../node/crypto/sha256.ts";
const pool = new MinePool({ workers: 2 });
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const n = await pool.mine(sha256(new Uint8Array([i])), 10);
  console.log(i, n, (performance.now() - t).toFixed(1));
}
pool.close();
