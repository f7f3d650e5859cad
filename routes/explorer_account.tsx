/** Explorer: one account's balances. */
import type { Account } from "../node/chain/state.ts";
import { loadAccount } from "../console/chain_data.ts";
import { definePage } from "../console/page.ts";
import { formatCredits, formatInt, formatKwh, formatThb } from "../console/ui/format.ts";

type AccountData = { address: string; account: Account | null };

export default definePage<AccountData>({
  path: "/explorer/account/:address",
  title: (d) => d.account ? "Account" : "Not an address",
  load(ctx) {
    const address = ctx.params.address ?? "";
    return Promise.resolve({ address, account: loadAccount(ctx.node, address) });
  },
  status: (d) => d.account ? 200 : 400,
  Page({ data }) {
    const a = data.account;
    if (!a) return <p class="notice">{data.address} is not a gtx1… address.</p>;
    return (
      <>
        <dl class="fields" id="account-fields">
          <dt>Address</dt>
          <dd class="mono" id="account-address">{data.address}</dd>
          <dt>Balance</dt>
          <dd id="account-balance">{formatThb(a.balanceSatang)}</dd>
          <dt>Energy</dt>
          <dd>{formatKwh(a.energyWh)}</dd>
          <dt>Stake</dt>
          <dd>{formatThb(a.stakeSatang)}</dd>
          <dt>Locked by orders</dt>
          <dd>
            {formatThb(a.lockedSatang)}, {formatKwh(a.lockedWh)}
          </dd>
          <dt>Carbon credits</dt>
          <dd>{formatCredits(a.carbonMicroCredits)}</dd>
          <dt>Nonce</dt>
          <dd>{formatInt(a.nonce)}</dd>
        </dl>
        {a.unbonding.length > 0
          ? (
            <>
              <h2>Unbonding</h2>
              <ul>
                {a.unbonding.map(([h, amount]) => (
                  <li key={h}>
                    {formatThb(amount)} released at height {formatInt(h)}
                  </li>
                ))}
              </ul>
            </>
          )
          : null}
      </>
    );
  },
});
