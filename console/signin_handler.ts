/**
 * POST /signin: operator token (constant-time compare) or authority key (a
 * signed one-use challenge checked against the active authorities in state).
 * Failures are counted; a wrong secret is never echoed back.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { fromHex } from "../node/crypto/hex.ts";
import type { GridNode } from "../node/runtime/grid_node.ts";
import { renderSignIn, safeNext } from "../routes/signin.tsx";
import { computeChallengeMessage, isOperatorToken } from "./auth.ts";
import type { ConsoleActor } from "./data.ts";
import type { ConsoleHandle } from "./mount.ts";
import { createPageContext, sendPage } from "./mount.ts";
import { isValidCsrf, SESSION_COOKIE, setStrictCookie } from "./security.ts";

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

async function verifyAuthorityKey(
  node: GridNode,
  h: ConsoleHandle,
  form: Record<string, unknown>,
): Promise<ConsoleActor | null> {
  const { challenge, publicKey, signature } = form;
  if (typeof challenge !== "string" || !h.challenges.consume(challenge)) return null;
  const pk = typeof publicKey === "string" ? publicKey.trim().toLowerCase() : "";
  const sig = typeof signature === "string" ? signature.trim().toLowerCase() : "";
  if (!HEX64.test(pk) || !HEX128.test(sig)) return null;
  const authority = (await h.data.getAuthorities()).find(
    (a) => a.publicKey.toLowerCase() === pk && a.status === "active",
  );
  if (!authority) return null;
  const [ok] = await node.verifier.verifyBatch([{
    publicKey: fromHex(pk),
    message: new TextEncoder().encode(computeChallengeMessage(challenge)),
    signature: fromHex(sig),
  }]);
  return ok ? { kind: "authority", name: authority.name } : null;
}

export async function handleSignIn(c: Context, node: GridNode, h: ConsoleHandle) {
  const form = await c.req.parseBody();
  const ctx = createPageContext(c, node, h);
  const fail = (error: string, status = 401) => {
    const data = {
      challenge: h.challenges.issue(),
      next: safeNext(String(form.next ?? "")),
      error,
    };
    const page = renderSignIn(data, ctx);
    return sendPage(c, h, { ...page, status }, ctx);
  };
  if (!isValidCsrf(c, ctx.session, form.csrf)) {
    return fail("The form expired or came from another site. Try again.", 403);
  }
  if (h.limiter.isBlocked()) {
    return fail("Too many failed sign-ins. Wait a minute and try again.", 429);
  }
  let actor: ConsoleActor | null = null;
  if (form.method === "token") {
    const token = typeof form.token === "string" ? form.token : "";
    if (isOperatorToken(token, h.readOperatorToken())) {
      actor = { kind: "operator", name: "operator" };
    }
  } else if (form.method === "key") {
    actor = await verifyAuthorityKey(node, h, form);
  }
  if (!actor) {
    h.limiter.recordFailure();
    node.log.warn("console.signin_refused", { method: String(form.method).slice(0, 10) });
    return fail(
      form.method === "key"
        ? "Sign-in refused: the key is not an active authority or the signature is wrong."
        : "Sign-in refused: wrong operator token.",
    );
  }
  h.sessions.delete(getCookie(c, SESSION_COOKIE));
  const session = h.sessions.create(actor);
  setStrictCookie(
    c,
    SESSION_COOKIE,
    session.id,
    Math.floor((session.expiresAtMs - Date.now()) / 1000),
  );
  node.log.info("console.signin", { kind: actor.kind, name: actor.name });
  return c.redirect(safeNext(String(form.next ?? "")), 303);
}
