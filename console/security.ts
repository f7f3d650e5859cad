/**
 * HTTP security of the console: headers (strict CSP: scripts, styles and
 * connections only from this origin, no inline code), cookies, CSRF checks.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { randomToken, type Session, timingSafeEqualText } from "./auth.ts";

/** No inline scripts or styles anywhere: islands boot from an external module. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export const SESSION_COOKIE = "gtx_session";
/** Double-submit CSRF cookie of visitors without a session (guards the sign-in form). */
export const CSRF_COOKIE = "gtx_csrf";

/** Paths the console serves (everything else belongs to the API). */
export const CONSOLE_PATH_RE =
  /^\/(?:$|explorer(?:\/|$)|validators$|grid$|market$|authorities$|governance$|signin$|signout$|console\/|static\/)/;

/** Sets the console's security headers on a response in progress. */
export function setSecurityHeaders(c: Context): void {
  c.res.headers.set("Content-Security-Policy", CONSOLE_CSP);
  c.res.headers.set("X-Frame-Options", "DENY");
  // "same-origin", not "no-referrer": with no-referrer Chromium sends `Origin: null` on form posts.
  c.res.headers.set("Referrer-Policy", "same-origin");
  c.res.headers.set("Cross-Origin-Opener-Policy", "same-origin");
  if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Sets an HttpOnly, SameSite=Strict cookie (Secure over https). */
export function setStrictCookie(c: Context, name: string, value: string, maxAgeS?: number): void {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: isHttps(c),
    ...(maxAgeS === undefined ? {} : { maxAge: maxAgeS }),
  });
}

/** The CSRF token forms on this response must carry; sets the visitor cookie when new. */
export function getCsrfToken(c: Context, session: Session | null): string {
  if (session) return session.csrfToken;
  const existing = getCookie(c, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{20,100}$/.test(existing)) return existing;
  const token = randomToken();
  setStrictCookie(c, CSRF_COOKIE, token);
  return token;
}

/**
 * True when a form post carries the right CSRF token (the session's, or the
 * visitor cookie's) and does not come from another site.
 */
export function isValidCsrf(c: Context, session: Session | null, submitted: unknown): boolean {
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  const origin = c.req.header("Origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) return false;
  const expected = session ? session.csrfToken : getCookie(c, CSRF_COOKIE);
  if (typeof submitted !== "string" || !expected || submitted.length === 0) return false;
  return timingSafeEqualText(submitted, expected);
}
