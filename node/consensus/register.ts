/**
 * Registers the consensus module's transaction processors with the chain
 * (imported once from node/runtime/modules.ts).
 */
import { registerTxProcessor } from "../chain/transition.ts";
import { processEvidence } from "./evidence.ts";

registerTxProcessor("evidence", processEvidence);
