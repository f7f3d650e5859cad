/** Grid diagram and emergencies, replaced on every "grid" event (SSE). */
import { useEffect, useState } from "preact/hooks";
import type { GridStatusView } from "../console/data.ts";
import { GridDiagram } from "../console/ui/GridDiagram.tsx";
import { EmergencyList } from "../console/ui/EmergencyList.tsx";
import { onLiveEvent } from "./live_feed.ts";

export interface LiveGridProps {
  status: GridStatusView;
}

export default function LiveGrid(props: LiveGridProps) {
  const [status, setStatus] = useState(props.status);
  useEffect(
    () =>
      onLiveEvent("grid", (data) => {
        if (data && typeof data === "object" && "congestion" in data) {
          setStatus(data as GridStatusView);
        }
      }),
    [],
  );
  return (
    <div>
      <h2>Emergencies</h2>
      <EmergencyList emergencies={status.emergencies} />
      <h2>Topology and congestion</h2>
      <GridDiagram status={status} />
    </div>
  );
}
