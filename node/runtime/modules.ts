/**
 * The node's modules beyond the chain core register here, once, at import:
 * transaction processors and block hooks (node/chain/transition.ts
 * `registerTxProcessor`, `registerBlockHooks`) and REST routes
 * (node/api/app.ts `addRoutes`). Every node must register the same
 * processors in the same order, or nodes would compute different states.
 * Add one import line per module.
 */
import "../api/batch_routes.ts";
import "../consensus/register.ts";
import "../market/chain/register.ts";
import "../api/market_routes.ts";

import "../governance/register.ts";
import "../api/governance_routes.ts"; // also registers authority and compliance routes
import "../api/console_routes.ts";
import "../api/network_routes.ts";
