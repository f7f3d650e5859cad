/**
 * Sign-in: with the node's operator token, or with an authority key by
 * signing a one-use challenge. Never echoes a submitted secret back.
 */
import { computeChallengeMessage } from "../console/auth.ts";
import type { PageContext, RenderedPage } from "../console/page.ts";

export interface SignInData {
  challenge: string;
  next: string;
  error: string | null;
}

/** A safe local redirect target (a path on this origin), else "/". */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : "/";
}

export function SignInPage({ data, csrfToken }: { data: SignInData; csrfToken: string }) {
  return (
    <>
      {data.error ? <p class="error" role="alert" id="signin-error">{data.error}</p> : null}
      <h2>Operator token</h2>
      <form method="post" action="/signin" id="token-form">
        <input type="hidden" name="csrf" value={csrfToken} />
        <input type="hidden" name="next" value={data.next} />
        <input type="hidden" name="method" value="token" />
        <p>
          <label for="token">Operator token</label>
          <input id="token" name="token" type="password" autocomplete="off" required />
        </p>
        <button type="submit">Sign in</button>
      </form>
      <h2>Authority key</h2>
      <form method="post" action="/signin" id="key-form">
        <input type="hidden" name="csrf" value={csrfToken} />
        <input type="hidden" name="next" value={data.next} />
        <input type="hidden" name="method" value="key" />
        <input type="hidden" name="challenge" value={data.challenge} />
        <p>
          Sign this text with the authority's Ed25519 key (UTF-8 bytes), valid for 5 minutes:
        </p>
        <pre class="mono" id="challenge-message">{computeChallengeMessage(data.challenge)}</pre>
        <p>
          <label for="public-key">Public key (hex)</label>
          <input id="public-key" name="publicKey" autocomplete="off" required />
        </p>
        <p>
          <label for="signature">Signature (hex)</label>
          <input id="signature" name="signature" autocomplete="off" required />
        </p>
        <button type="submit">Sign in with key</button>
      </form>
    </>
  );
}

/** The sign-in page for a context (401 when it shows an error). */
export function renderSignIn(data: SignInData, ctx: PageContext): RenderedPage {
  return {
    title: "Sign in",
    body: <SignInPage data={data} csrfToken={ctx.csrfToken} />,
    status: data.error ? 401 : 200,
  };
}
