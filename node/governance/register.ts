/**
 * Registers governance with the state transition: processors of
 * `governance_proposal`, `vote`, `authority_action`, stake-total keeping
 * `stake`/`unstake`, and the end-block hook. Imported once by
 * node/runtime/modules.ts.
 */
import { registerBlockHooks, registerTxProcessor } from "../chain/transition.ts";
import { processAuthorityAction } from "./authority_actions.ts";
import { processGovernanceEndBlock, processGovernanceProposal, processVote } from "./proposals.ts";
import { processStakeWithTotal, processUnstakeWithTotal } from "./stake_total.ts";

registerTxProcessor("governance_proposal", processGovernanceProposal);
registerTxProcessor("vote", processVote);
registerTxProcessor("authority_action", processAuthorityAction);
registerTxProcessor("stake", processStakeWithTotal);
registerTxProcessor("unstake", processUnstakeWithTotal);
registerBlockHooks({ end: processGovernanceEndBlock });
