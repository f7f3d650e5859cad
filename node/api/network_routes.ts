/** REST routes of the network: peers with their scores, the validator set, consensus status. */
import { addRoutes } from "./app.ts";
import { addConsoleSource } from "../../console/data.ts";

addRoutes((app, node) => {
  app.get("/api/v1/peers", (c) => {
    const peers = node.driver?.network?.peers() ?? [];
    return c.json({
      peer_id: node.driver?.peerId() ?? null,
      addresses: node.driver?.network?.multiaddrs() ?? [],
      count: peers.filter((p) => p.connected).length,
      peers: peers.map((p) => ({
        peer_id: p.id,
        addresses: p.addresses,
        score: p.score,
        gossip_score: p.gossipScore,
        banned_until_ms: p.bannedUntilMs,
        connected: p.connected,
      })),
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
