/** Signing authority actions (register a participant or meter, deposit, ...) in tests. */
import type { Tx } from "../../node/chain/transaction.ts";
import type { AuthorityActionName } from "../../node/governance/authority_actions.ts";
import type { Wallet } from "../../node/runtime/wallet.ts";
import { signWith } from "./test_node.ts";

/**
 * A function that signs authority actions from `authority` with fee 1. It owns no
 * nonce counter: each action takes the next nonce from `nextNonce`, so the test's
 * other transactions from the same wallet (meter readings, orders) share one counter.
 *
 * @example
 * ```ts
 * let meaNonce = 0;
 * const act = authorityActionSigner(mea, { expiresAtMs, nextNonce: () => meaNonce++ });
 * const register = act("register_participant", { address, location: "BKK-01-SUB001" });
 * const reading = signWith(mea, { kind: "meter_reading", nonce: meaNonce++, ... });
 * ```
 */
export function authorityActionSigner(
  authority: Wallet,
  opts: { expiresAtMs: number; nextNonce: () => number },
): (action: AuthorityActionName, args: Record<string, string | number>) => Tx {
  return (action, args) =>
    signWith(authority, {
      kind: "authority_action",
      nonce: opts.nextNonce(),
      feeSatang: 1,
      expiresAtMs: opts.expiresAtMs,
      payload: { action, args } as never,
    });
}
