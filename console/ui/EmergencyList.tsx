/** Active grid emergencies. */
import type { EmergencyView } from "../data.ts";
import { formatInt } from "./format.ts";

export function EmergencyList({ emergencies }: { emergencies: readonly EmergencyView[] }) {
  if (emergencies.length === 0) {
    return <p class="empty" id="no-emergencies">No active emergency.</p>;
  }
  return (
    <ul class="emergencies" id="emergencies">
      {emergencies.map((e) => (
        <li key={e.id} class="emergency" data-area={e.area}>
          <strong>{e.level}</strong> in <span class="mono">{e.area}</span>: {e.reason}{" "}
          <span class="muted">
            (declared by {e.declaredBy} at height {formatInt(e.sinceHeight)})
          </span>
        </li>
      ))}
    </ul>
  );
}
