/**
 * The grid as nested boxes: regions > zones > substations, each substation
 * coloured by its congestion level; zone links listed with their load. Colours
 * come from classes (`level-normal|warning|congested`), never inline styles.
 */
import type { CongestionEntry } from "../../node/market/grid_state.ts";
import type { GridStatusView } from "../data.ts";
import { formatBps, formatKwh } from "./format.ts";

function byId(entries: readonly CongestionEntry[]): Map<string, CongestionEntry> {
  return new Map(entries.map((e) => [e.id, e]));
}

function Cell({ id, entry }: { id: string; entry: CongestionEntry | undefined }) {
  const level = entry?.level ?? "normal";
  return (
    <li class={`substation level-${level}`} data-substation={id} data-congestion={level}>
      <span class="mono">{id}</span>
      <span>{entry ? formatBps(entry.utilizationBps) : "0.0 %"}</span>
      <span class="muted">
        {entry ? `${formatKwh(entry.scheduledWh)} / ${formatKwh(entry.capacityWh)}` : ""}
      </span>
      <span class="level-label">{level}</span>
    </li>
  );
}

export function GridDiagram({ status }: { status: GridStatusView }) {
  const { topology, congestion } = status;
  const subs = byId(congestion.substations);
  const zones = byId(congestion.zones);
  return (
    <div class="grid-diagram">
      <p class="muted">
        Delivery interval {congestion.interval} ({congestion.intervalMs / 60_000} min)
      </p>
      {topology.regions.map((r) => (
        <section class="region" key={r.id} aria-label={`Region ${r.id}`}>
          <h3>
            {r.id} <span class="muted">({r.authority})</span>
          </h3>
          {topology.zones.filter((z) => z.id.startsWith(`${r.id}-`)).map((z) => (
            <div class="zone" key={z.id}>
              <h4>
                Zone {z.id}{" "}
                <span class={`level-${zones.get(z.id)?.level ?? "normal"}`}>
                  {formatBps(zones.get(z.id)?.utilizationBps ?? 0)}
                </span>
              </h4>
              <ul class="substations">
                {topology.substations.filter((s) =>
                  s.id.startsWith(`${z.id}-`)
                ).map((s) => <Cell key={s.id} id={s.id} entry={subs.get(s.id)} />)}
              </ul>
            </div>
          ))}
        </section>
      ))}
      <h3>Zone links</h3>
      {congestion.links.length === 0
        ? <p class="empty">No scheduled flow between zones.</p>
        : (
          <ul class="links">
            {congestion.links.map((l) => (
              <li key={l.id} class={`level-${l.level}`} data-link={l.id}>
                {l.id}: {formatBps(l.utilizationBps)} ({formatKwh(l.scheduledWh)})
              </li>
            ))}
          </ul>
        )}
    </div>
  );
}
