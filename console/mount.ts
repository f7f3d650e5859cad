/**
 * Mounts the operator console on the node's Hono app: pages from routes/,
 * hashed static assets, the SSE stream, sign-in/out and actions.
 */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie } from "hono/cookie";
import type { GridNode } from "../node/runtime/grid_node.ts";
import { type AssetSet, loadAssets } from "./assets.ts";
import { ChallengeStore, FailureLimiter, type Session, SessionStore } from "./auth.ts";
import { type ConsoleData, type ConsoleSourceFactory, createConsoleData } from "./data.ts";
import { renderDocument } from "./document.tsx";
import { EventHub } from "./events.ts";
import type { ConsolePage, PageContext, RenderedPage } from "./page.ts";
import { PAGES } from "./pages.ts";
import {
  CONSOLE_PATH_RE,
  getCsrfToken,
  isValidCsrf,
  SESSION_COOKIE,
  setSecurityHeaders,
} from "./security.ts";
import { handleEmergency } from "./actions.ts";
import { handleSignIn } from "./signin_handler.ts";
import { renderSignIn, safeNext } from "../routes/signin.tsx";

export interface ConsoleOptions {
  sessionTtlMs?: number;
  /** Extra data sources (tests). */
  sources?: ConsoleSourceFactory[];
  /** Reads the operator token; default: the env var named by `api.operator_token_env`. */
  readOperatorToken?: () => string | undefined;
}

/** What the console keeps per node. */
export interface ConsoleHandle {
  data: ConsoleData;
  hub: EventHub;
  sessions: SessionStore;
  challenges: ChallengeStore;
  limiter: FailureLimiter;
  assets: Promise<AssetSet>;
  readOperatorToken: () => string | undefined;
  isPublic: boolean;
}

const FORM_MAX_BYTES = 16 * 1024;

function envTokenReader(node: GridNode): () => string | undefined {
  const name = node.config.api.operator_token_env;
  return () => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env for it: token sign-in is off
    }
  };
}

/** The context of a request (session, CSRF token, route params). */
export function createPageContext(
  c: Context,
  node: GridNode,
  h: ConsoleHandle,
  notice: string | null = null,
): PageContext {
  const session = h.sessions.get(getCookie(c, SESSION_COOKIE));
  return {
    node,
    data: h.data,
    url: new URL(c.req.url),
    params: c.req.param() as Record<string, string>,
    session,
    csrfToken: getCsrfToken(c, session),
    notice,
  };
}

/** Sends a rendered page as HTML. */
export async function sendPage(
  c: Context,
  h: ConsoleHandle,
  page: RenderedPage,
  ctx: PageContext,
): Promise<Response> {
  const assets = await h.assets;
  return c.html(renderDocument(page, ctx, assets.urls), page.status as 200);
}

function noticeOf(url: URL): string | null {
  const declared = url.searchParams.get("declared");
  if (declared && /^[A-Za-z0-9_-]{1,80}$/.test(declared)) {
    return `Emergency action submitted (${declared}).`;
  }
  return url.searchParams.get("signedout") === "1" ? "Signed out." : null;
}

function pageHandler(node: GridNode, h: ConsoleHandle, page: ConsolePage) {
  return async (c: Context) => {
    const ctx = createPageContext(c, node, h, noticeOf(new URL(c.req.url)));
    if (!h.isPublic && !ctx.session) {
      return c.redirect(`/signin?next=${encodeURIComponent(ctx.url.pathname)}`, 303);
    }
    const out = await page.render(ctx);
    if (out instanceof Response) {
      return c.body(null, out.status as 303, Object.fromEntries(out.headers));
    }
    return await sendPage(c, h, out, ctx);
  };
}

/** Registers every console route on `app` for `node`. */
export function mountConsole(app: Hono, node: GridNode, opts: ConsoleOptions = {}): ConsoleHandle {
  const h: ConsoleHandle = {
    data: createConsoleData(node, opts.sources),
    hub: new EventHub(node),
    sessions: new SessionStore({ ttlMs: opts.sessionTtlMs ?? 8 * 3600_000, maxSessions: 1000 }),
    challenges: new ChallengeStore(5 * 60_000, 1000),
    limiter: new FailureLimiter(10, 60_000),
    assets: loadAssets(node.log),
    readOperatorToken: opts.readOperatorToken ?? envTokenReader(node),
    isPublic: node.config.api.console_public,
  };
  if (!h.readOperatorToken()) {
    node.log.warn("console.operator_token_unset", {
      env: node.config.api.operator_token_env,
      action: "set it to allow operator sign-in; authority keys still work",
    });
  }

  app.use("*", async (c, next) => {
    await next();
    if (CONSOLE_PATH_RE.test(c.req.path)) setSecurityHeaders(c);
  });
  const formLimit = bodyLimit({
    maxSize: FORM_MAX_BYTES,
    onError: (c) => c.text("Form too large", 413),
  });

  for (const page of PAGES) app.get(page.path, pageHandler(node, h, page));

  app.get("/signin", (c) => {
    const ctx = createPageContext(c, node, h);
    const data = {
      challenge: h.challenges.issue(),
      next: safeNext(ctx.url.searchParams.get("next")),
      error: null,
    };
    return sendPage(c, h, renderSignIn(data, ctx), ctx);
  });
  app.post("/signin", formLimit, (c) => handleSignIn(c, node, h));
  app.post("/signout", formLimit, async (c) => {
    const session = h.sessions.get(getCookie(c, SESSION_COOKIE));
    const form = await c.req.parseBody();
    if (!isValidCsrf(c, session, form.csrf)) return c.text("Invalid CSRF token", 403);
    h.sessions.delete(session?.id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/?signedout=1", 303);
  });
  app.post("/console/actions/emergency", formLimit, (c) => handleEmergency(c, node, h));

  app.get("/console/events", (c) => {
    const session: Session | null = h.sessions.get(getCookie(c, SESSION_COOKIE));
    if (!h.isPublic && !session) return c.text("Sign in first", 401);
    const res = h.hub.open(c.req.header("Last-Event-ID") ?? null);
    return res ?? c.text("Too many live connections", 503, { "Retry-After": "10" });
  });

  app.get("/static/*", async (c) => {
    const res = (await h.assets).serve(c.req.path);
    return res ?? c.text("Not found", 404);
  });

  return h;
}
