/** Mounts the operator console (console/, routes/, islands/) on the node's HTTP app. */
import { mountConsole } from "../../console/mount.ts";
import { addRoutes } from "./app.ts";

addRoutes((app, node) => {
  mountConsole(app, node);
});
