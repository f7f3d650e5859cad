/**
 * Browser harness of the console tests: Debian's Chromium driven by
 * playwright-core, a fresh profile per run, and a recorder of console
 * errors, page errors and CSP violations.
 */
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const ARTIFACTS_DIR = new URL("./artifacts/", import.meta.url).pathname;

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** True when the Chromium binary is installed. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile;
  } catch {
    return false;
  }
}

export async function openBrowser(): Promise<ConsoleBrowser> {
  const profile = await Deno.makeTempDir({ prefix: "gtx-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** Saves a full-page screenshot as tests/artifacts/console-<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS_DIR}console-${name}.png`, fullPage: true });
}

/**
 * Tabs through the page and returns a description of every element that got
 * focus, stopping when focus wraps to the first one again.
 */
export async function tabThrough(page: Page, maxSteps = 150): Promise<string[]> {
  const seen: string[] = [];
  await page.locator("body").focus();
  for (let i = 0; i < maxSteps; i++) {
    await page.keyboard.press("Tab");
    const d = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      return `${el.tagName.toLowerCase()}|${
        el.getAttribute("href") ?? el.getAttribute("name") ?? el.id ?? ""
      }|${(el.textContent ?? "").trim().slice(0, 30)}`;
    });
    if (d === null) continue;
    if (seen.length > 0 && d === seen[0]) break;
    seen.push(d);
  }
  return seen;
}

/** Every element a keyboard user must reach on the page. */
export async function listActions(page: Page): Promise<string[]> {
  return await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>(
      "a[href], button, input:not([type=hidden]), select, textarea",
    )].map((el) =>
      `${el.tagName.toLowerCase()}|${
        el.getAttribute("href") ?? el.getAttribute("name") ?? el.id ?? ""
      }|${(el.textContent ?? "").trim().slice(0, 30)}`
    )
  );
}
