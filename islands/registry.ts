/**
 * Every island by name. The server renders `<div data-island="Name"
 * data-props="...">` around an island's markup; the browser's boot script
 * looks the name up here and hydrates it with the same props.
 */
import LiveGovernance from "./LiveGovernance.tsx";
import LiveGrid from "./LiveGrid.tsx";
import LiveOverview from "./LiveOverview.tsx";
import LiveTrades from "./LiveTrades.tsx";

export const ISLANDS = { LiveOverview, LiveGrid, LiveGovernance, LiveTrades } as const;

export type IslandName = keyof typeof ISLANDS;
