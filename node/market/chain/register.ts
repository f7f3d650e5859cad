/** Registers the market's transaction processors and end-block hook with the chain. */
import { registerBlockHooks, registerTxProcessor } from "../../chain/transition.ts";
import { processMarketEndBlock } from "./market_end_block.ts";
import {
  processCancelOrder,
  processEnergyOrder,
  processMeterReading,
} from "./process_market_txs.ts";

registerTxProcessor("energy_order", processEnergyOrder);
registerTxProcessor("cancel_order", processCancelOrder);
registerTxProcessor("meter_reading", processMeterReading);
registerBlockHooks({ endAsync: processMarketEndBlock });
