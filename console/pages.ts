/** The console's page routes (routes/*.tsx), in the order they are matched. */
import authorities from "../routes/authorities.tsx";
import explorer, { explorerSearch } from "../routes/explorer.tsx";
import explorerAccount from "../routes/explorer_account.tsx";
import explorerBlock from "../routes/explorer_block.tsx";
import explorerTx from "../routes/explorer_tx.tsx";
import governance from "../routes/governance.tsx";
import grid from "../routes/grid.tsx";
import overview from "../routes/index.tsx";
import market from "../routes/market.tsx";
import validators from "../routes/validators.tsx";
import type { ConsolePage } from "./page.ts";

export const PAGES: readonly ConsolePage[] = [
  overview,
  explorer,
  explorerSearch,
  explorerBlock,
  explorerTx,
  explorerAccount,
  validators,
  grid,
  market,
  authorities,
  governance,
];
