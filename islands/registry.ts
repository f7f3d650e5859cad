/**
 * Every island by name. The server renders `<div data-island="Name"
 * data-props="...">` around an island's markup; the browser's boot script
 * looks the name up here and hydrates it with the same props.
 */
import LiveGrid from "./LiveGrid.tsx";
import LiveOverview from "./LiveOverview.tsx";

export const ISLANDS = { LiveOverview, LiveGrid } as const;

export type IslandName = keyof typeof ISLANDS;
