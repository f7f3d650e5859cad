/**
 * Browser assets of the console: the islands bundle (built with `deno bundle`
 * by `deno task bundle`, or at start-up when missing or older than its
 * sources), the stylesheet and the icon. Each is served under a
 * content-hashed URL with a one-year immutable cache.
 */
import { toHex } from "../node/crypto/hex.ts";
import { sha256 } from "../node/crypto/sha256.ts";
import type { Logger } from "../node/log/logger.ts";

const ROOT = new URL("../", import.meta.url);
/** Entry of the islands bundle. */
export const BUNDLE_ENTRY = "islands/boot.ts";
/** Where the bundle is written (git-ignored). */
export const BUNDLE_OUTPUT = "static/build/boot.js";
/** Directories whose files end up in the bundle. */
const BUNDLE_SOURCE_DIRS = ["islands", "console/ui"];

/** One servable file. */
export interface Asset {
  url: string;
  body: Uint8Array;
  contentType: string;
}

/** The hashed URLs pages link to; `script` is null when no bundle could be built. */
export interface AssetUrls {
  script: string | null;
  stylesheet: string;
  icon: string;
}

/** Assets by URL, ready to serve. */
export class AssetSet {
  private readonly byUrl = new Map<string, Asset>();
  constructor(readonly urls: AssetUrls, assets: Asset[]) {
    for (const a of assets) this.byUrl.set(a.url, a);
  }

  /** The response for a URL under /static/, or null when unknown. */
  serve(path: string): Response | null {
    const a = this.byUrl.get(path);
    if (!a) return null;
    return new Response(a.body.slice(), {
      headers: {
        "Content-Type": a.contentType,
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
      },
    });
  }
}

function hashedAsset(urlDir: string, name: string, body: Uint8Array, type: string): Asset {
  const dot = name.lastIndexOf(".");
  const hash = toHex(sha256(body)).slice(0, 16);
  return {
    url: `${urlDir}/${name.slice(0, dot)}.${hash}${name.slice(dot)}`,
    body,
    contentType: type,
  };
}

async function newestSourceMtimeMs(): Promise<number> {
  let newest = 0;
  const walk = async (dir: URL): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await walk(url);
      else if (/\.(ts|tsx)$/.test(e.name) && !e.name.endsWith("_test.ts")) {
        newest = Math.max(newest, (await Deno.stat(url)).mtime?.getTime() ?? 0);
      }
    }
  };
  for (const d of BUNDLE_SOURCE_DIRS) await walk(new URL(`${d}/`, ROOT));
  return newest;
}

async function isBundleFresh(out: URL): Promise<boolean> {
  try {
    const built = (await Deno.stat(out)).mtime?.getTime() ?? 0;
    return built >= await newestSourceMtimeMs();
  } catch {
    return false;
  }
}

/**
 * Runs `deno bundle` into a temporary file and renames it into place, so
 * concurrent builds (tests in parallel) never serve a half-written file.
 */
export async function buildBundle(): Promise<void> {
  const out = new URL(BUNDLE_OUTPUT, ROOT);
  await Deno.mkdir(new URL("./", out), { recursive: true });
  const tmp = new URL(`${BUNDLE_OUTPUT}.${crypto.randomUUID()}.tmp`, ROOT);
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "--config",
      new URL("deno.json", ROOT).pathname,
      "-o",
      tmp.pathname,
      new URL(BUNDLE_ENTRY, ROOT).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(
      `deno bundle failed: ${new TextDecoder().decode(result.stderr).slice(0, 2000)}`,
    );
  }
  await Deno.rename(tmp, out);
}

/** Builds the bundle if needed and loads every asset. Never throws for a missing bundle. */
export async function loadAssets(log: Logger): Promise<AssetSet> {
  const out = new URL(BUNDLE_OUTPUT, ROOT);
  if (!await isBundleFresh(out)) {
    try {
      await buildBundle();
      log.info("console.bundle_built", { path: BUNDLE_OUTPUT });
    } catch (e) {
      log.warn("console.bundle_unavailable", {
        error: (e as Error).message,
        action: "run `deno task bundle`; pages work without live updates meanwhile",
      });
    }
  }
  const assets: Asset[] = [];
  let script: string | null = null;
  try {
    const js = hashedAsset("/static/build", "boot.js", await Deno.readFile(out), "text/javascript");
    assets.push(js);
    script = js.url;
  } catch { /* no bundle: pages render without islands' live updates */ }
  const css = hashedAsset(
    "/static",
    "console.css",
    await Deno.readFile(new URL("static/console.css", ROOT)),
    "text/css; charset=utf-8",
  );
  const icon = hashedAsset(
    "/static",
    "favicon.svg",
    await Deno.readFile(new URL("static/favicon.svg", ROOT)),
    "image/svg+xml",
  );
  assets.push(css, icon);
  return new AssetSet({ script, stylesheet: css.url, icon: icon.url }, assets);
}
