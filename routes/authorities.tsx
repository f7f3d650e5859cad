/** Authorities, their service areas and recent actions; the emergency form for signed-in operators. */
import type { AuthorityActionView, AuthorityView } from "../console/data.ts";
import { definePage } from "../console/page.ts";
import { formatInt, shortId } from "../console/ui/format.ts";

interface AuthoritiesData {
  authorities: AuthorityView[];
  actions: AuthorityActionView[] | null;
}

/** Emergency levels the form offers. */
export const EMERGENCY_LEVELS = ["alert", "emergency", "load_shedding", "lifted"] as const;

export default definePage<AuthoritiesData>({
  path: "/authorities",
  title: () => "Authorities",
  async load({ data }) {
    const [authorities, actions] = await Promise.all([
      data.getAuthorities(),
      data.getAuthorityActions(50),
    ]);
    return { authorities, actions };
  },
  Page({ data, ctx }) {
    return (
      <>
        {data.authorities.length === 0
          ? <p class="empty">No authorities in state.</p>
          : (
            <table class="data" id="authorities">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Service area</th>
                  <th scope="col">Status</th>
                  <th scope="col">Address</th>
                </tr>
              </thead>
              <tbody>
                {data.authorities.map((a) => (
                  <tr key={a.name}>
                    <td>{a.name}</td>
                    <td>{a.serviceArea.join(", ")}</td>
                    <td>{a.status}</td>
                    <td class="mono">
                      <a href={`/explorer/account/${a.address}`}>{shortId(a.address)}</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        <h2>Recent actions</h2>
        {data.actions === null
          ? <p class="empty" id="actions-unavailable">Authority actions are not available yet.</p>
          : data.actions.length === 0
          ? <p class="empty">No actions yet.</p>
          : (
            <ul>
              {data.actions.map((a, i) => (
                <li key={i}>
                  {a.authority} {a.action}: {a.detail} (height {formatInt(a.height)})
                </li>
              ))}
            </ul>
          )}
        <h2>Declare or lift an emergency</h2>
        {ctx.session
          ? (
            <form method="post" action="/console/actions/emergency" id="emergency-form">
              <input type="hidden" name="csrf" value={ctx.csrfToken} />
              <p>
                <label for="em-area">Area (region, zone or substation)</label>
                <input
                  id="em-area"
                  name="area"
                  required
                  pattern="[A-Z]{2,4}(-[0-9]{2}(-SUB[0-9]{3})?)?"
                  placeholder="BKK-01"
                />
              </p>
              <p>
                <label for="em-level">Level</label>
                <select id="em-level" name="level">
                  {EMERGENCY_LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
                </select>
              </p>
              <p>
                <label for="em-reason">Reason</label>
                <input id="em-reason" name="reason" required maxLength={200} />
              </p>
              <p>
                <input id="em-confirm" type="checkbox" name="confirm" value="yes" required />{" "}
                <label for="em-confirm">I confirm this action is intended</label>
              </p>
              <button type="submit">Submit</button>
            </form>
          )
          : (
            <p>
              <a href="/signin?next=/authorities">Sign in</a>{" "}
              with the operator token or an authority key to act.
            </p>
          )}
      </>
    );
  },
});
