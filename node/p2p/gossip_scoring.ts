/**
 * Gossipsub peer-score parameters for GridTokenX topics.
 *
 * How the two scores combine: our {@link ReputationBook} score is fed into
 * gossipsub as the application-specific score (P5, weight {@link APP_SPECIFIC_WEIGHT}),
 * so a peer we penalise is first excluded from gossip (-10) and from our
 * publishes (-50) by gossipsub, and is banned by us at reputation -100.
 * Gossipsub's own P4 (invalid deliveries), P7 (protocol misbehaviour) and P6
 * (IP colocation) add to that; a gossipsub score below the graylist threshold
 * (-80) makes gossipsub drop the peer's RPCs before they reach our validator.
 * @module
 */

import type { GossipsubOpts } from "@libp2p/gossipsub";
import { computeTopic, TOPIC_NAMES, type TopicName } from "./topics.ts";

/** Weight of our reputation score inside the gossipsub score. */
export const APP_SPECIFIC_WEIGHT = 0.5;

/** Gossipsub thresholds used by the node. */
export const GOSSIP_SCORE_THRESHOLDS: GossipsubOpts["scoreThresholds"] = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5,
};

const TOPIC_WEIGHTS: Record<TopicName, number> = { tx: 0.3, blocks: 1, votes: 1 };

/**
 * Builds gossipsub score params. Mesh-delivery penalties (P3/P3b) are disabled
 * because block and vote topics are low-rate and would punish honest peers;
 * invalid deliveries (P4) are squared, so repeat offenders sink fast.
 */
export function computeGossipScoreParams(
  networkId: number,
  appScore: (peerId: string) => number,
): GossipsubOpts["scoreParams"] {
  const topics: NonNullable<GossipsubOpts["scoreParams"]["topics"]> = {};
  for (const name of TOPIC_NAMES) {
    topics[computeTopic(networkId, name)] = {
      topicWeight: TOPIC_WEIGHTS[name],
      timeInMeshWeight: 0.01,
      timeInMeshQuantum: 1_000,
      timeInMeshCap: 300,
      firstMessageDeliveriesWeight: 0.5,
      firstMessageDeliveriesDecay: 0.9,
      firstMessageDeliveriesCap: 20,
      meshMessageDeliveriesWeight: 0,
      meshMessageDeliveriesDecay: 0.5,
      meshMessageDeliveriesCap: 100,
      meshMessageDeliveriesThreshold: 1,
      meshMessageDeliveriesWindow: 10,
      meshMessageDeliveriesActivation: 60_000,
      meshFailurePenaltyWeight: 0,
      meshFailurePenaltyDecay: 0.5,
      invalidMessageDeliveriesWeight: -10,
      invalidMessageDeliveriesDecay: 0.99,
    };
  }
  return {
    topics,
    topicScoreCap: 10,
    appSpecificScore: appScore,
    appSpecificWeight: APP_SPECIFIC_WEIGHT,
    IPColocationFactorWeight: -5,
    IPColocationFactorThreshold: 10,
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1_000,
    decayToZero: 0.01,
    retainScore: 3_600_000,
  };
}
