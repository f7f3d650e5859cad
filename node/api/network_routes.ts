/**
 * REST routes of the network: peers with their scores, the validator set,
 * consensus status, and the operator's peer block list
 * (`POST|DELETE /api/v1/peers/{peer_id}/block`, operator token).
 */
import type { Context } from "hono";
import { addRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";
import { requireOperatorToken } from "./middleware/operator_auth.ts";
import { addConsoleSource } from "../../console/data.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import type { P2PNode } from "../p2p/p2p_node.ts";

/** A libp2p peer id as text: base58btc (Qm…, 12D3Koo…) or a CIDv1 in base32. */
const PEER_ID_RE = /^([1-9A-HJ-NP-Za-km-z]{40,100}|b[a-z2-7]{50,120})$/;

/** The p2p node, or 503 when p2p is disabled on this node. */
function getP2P(node: GridNode): P2PNode {
  const p2p = node.driver?.network?.p2p;
  if (!p2p) throw new ApiError("UNAVAILABLE", "p2p is disabled on this node");
  return p2p;
}

/** The `peer_id` path parameter, checked. */
function getPeerIdParam(c: Context): string {
  const peerId = c.req.param("peer_id") ?? "";
  if (!PEER_ID_RE.test(peerId)) {
    throw new ApiError(
      "BAD_PARAM",
      `"peer_id" must be a libp2p peer id (base58btc), got "${peerId.slice(0, 120)}"`,
      "peer_id",
    );
  }
  return peerId;
}

addRoutes((app, node) => {
  app.get("/api/v1/peers", (c) => {
    const p2p = node.driver?.network?.p2p;
    const peers = p2p?.peers() ?? [];
    const blocked = new Set(p2p?.blockedPeers() ?? []);
    return c.json({
      peer_id: node.driver?.peerId() ?? null,
      addresses: p2p?.multiaddrs() ?? [],
      count: peers.filter((p) => p.connected).length,
      peers: peers.map((p) => ({
        peer_id: p.id,
        addresses: p.addresses,
        score: p.score,
        gossip_score: p.gossipScore,
        banned_until_ms: p.bannedUntilMs,
        connected: p.connected,
        blocked: blocked.has(p.id),
      })),
      blocked_peers: [...blocked],
    });
  });

  const operatorOnly = requireOperatorToken(node.config.api);

  app.post("/api/v1/peers/:peer_id/block", operatorOnly, async (c) => {
    const peerId = getPeerIdParam(c);
    const p2p = getP2P(node);
    if (peerId === p2p.peerId) {
      throw new ApiError("BAD_PARAM", `"peer_id" is this node's own peer id`, "peer_id");
    }
    try {
      await p2p.blockPeer(peerId);
    } catch (e) {
      throw new ApiError("BAD_PARAM", `"peer_id": ${(e as Error).message}`, "peer_id");
    }
    node.log.info("api.peer_blocked", { peer: peerId });
    return c.json({ peer_id: peerId, blocked: true, blocked_peers: p2p.blockedPeers() });
  });

  app.delete("/api/v1/peers/:peer_id/block", operatorOnly, (c) => {
    const peerId = getPeerIdParam(c);
    const p2p = getP2P(node);
    const wasBlocked = p2p.unblockPeer(peerId);
    node.log.info("api.peer_unblocked", { peer: peerId, was_blocked: wasBlocked });
    return c.json({
      peer_id: peerId,
      blocked: false,
      was_blocked: wasBlocked,
      blocked_peers: p2p.blockedPeers(),
    });
  });

  app.get("/api/v1/validators", (c) => {
    const set = node.getValidatorSet();
    const st = node.driver?.engineStatus() ?? null;
    return c.json({
      height: node.head.header.height + 1,
      total_voting_power: set.totalPower,
      quorum_power: set.quorumPower,
      this_node: { address: node.wallet.address, role: node.getRole() },
      consensus: st === null ? null : { height: st.height, round: st.round, step: st.step },
      validators: set.validators.map((v) => ({
        address: v.address,
        public_key: v.publicKey,
        stake_satang: v.power,
        voting_power: v.power,
      })),
      authorities: set.authorities.map((a) => ({
        name: a.name,
        address: a.address,
        public_key: a.publicKey,
        voting_power: a.power,
      })),
    });
  });
});

// The console's "Validators & peers" page.
addConsoleSource((node) => ({
  getPeers: () =>
    Promise.resolve(
      node.driver?.network
        ? node.driver.network.peers().filter((p) => p.connected).map((p) => ({
          peerId: p.id,
          address: p.addresses[0] ?? "",
          reputation: p.score,
          direction: "outbound" as const,
        }))
        : null,
    ),
}));
