/**
 * Console sign-in: server-side sessions keyed by a random id (the cookie holds
 * only the id), per-session CSRF tokens, sign-in challenges for authority
 * keys, constant-time secret comparison and a bound on failed attempts.
 */
import { base64urlnopad } from "@scure/base";
import { sha256 } from "../node/crypto/sha256.ts";
import type { ConsoleActor } from "./data.ts";
import { trimOldest } from "../node/util/trim_oldest.ts";

/** A signed-in browser. */
export interface Session {
  id: string;
  actor: ConsoleActor;
  /** Token every form of this session must carry. */
  csrfToken: string;
  expiresAtMs: number;
}

/** Random URL-safe token of `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  return base64urlnopad.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * Compares two secrets in time independent of where they differ: both are
 * hashed first, so lengths leak nothing either.
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  const enc = new TextEncoder();
  const x = sha256(enc.encode(a));
  const y = sha256(enc.encode(b));
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** True when `given` is the operator token; false when no token is configured. */
export function isOperatorToken(given: string, expected: string | undefined): boolean {
  if (expected === undefined || expected.length === 0) return false;
  return timingSafeEqualText(given, expected);
}

export interface SessionStoreOptions {
  ttlMs: number;
  maxSessions: number;
  now?: () => number;
}

/** Sessions in memory; a restart signs everyone out. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly opts: SessionStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  create(actor: ConsoleActor): Session {
    this.sweep();
    // Room for the new session: the oldest goes.
    trimOldest(this.sessions, this.opts.maxSessions - 1);
    const session: Session = {
      id: randomToken(),
      actor,
      csrfToken: randomToken(),
      expiresAtMs: this.now() + this.opts.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expiresAtMs <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    return s;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.sessions.delete(id);
  }
}

/** Counts failed sign-ins in a sliding window and refuses once over the limit. */
export class FailureLimiter {
  private failures: number[] = [];
  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(): boolean {
    const since = this.now() - this.windowMs;
    this.failures = this.failures.filter((t) => t > since);
    return this.failures.length >= this.maxFailures;
  }

  recordFailure(): void {
    this.failures.push(this.now());
  }
}

/** The text an authority signs to sign in (domain separated from transactions). */
export function computeChallengeMessage(challenge: string): string {
  return `GRIDTOKENX_CONSOLE_LOGIN_V1:${challenge}`;
}

/** One-use sign-in challenges for authority keys. */
export class ChallengeStore {
  private readonly challenges = new Map<string, number>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    const now = this.now();
    for (const [c, exp] of this.challenges) if (exp <= now) this.challenges.delete(c);
    trimOldest(this.challenges, this.max - 1);
    const c = randomToken(24);
    this.challenges.set(c, now + this.ttlMs);
    return c;
  }

  /** True once for an issued, unexpired challenge. */
  consume(challenge: string): boolean {
    const exp = this.challenges.get(challenge);
    if (exp === undefined) return false;
    this.challenges.delete(challenge);
    return exp > this.now();
  }
}
