/** Mounts the operator console (console/, routes/, islands/) on the node's HTTP app. */
import { mountConsole } from "../../console/mount.ts";
import { addRoutes } from "./app.ts";
import "../../console/sources/market.ts";
import "../../console/sources/governance.ts";

addRoutes((app, node) => {
  mountConsole(app, node);
});
