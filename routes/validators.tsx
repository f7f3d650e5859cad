/** Validators (chain state) and connected peers (p2p source) with reputation. */
import type { PeerView } from "../console/data.ts";
import { definePage } from "../console/page.ts";
import { formatThb, shortId } from "../console/ui/format.ts";

interface ValidatorRow {
  address: string;
  publicKey: string;
  stakeSatang: number;
  isThisNode: boolean;
}

interface ValidatorsData {
  validators: ValidatorRow[];
  peers: PeerView[] | null;
}

export default definePage<ValidatorsData>({
  path: "/validators",
  title: () => "Validators and peers",
  async load({ node, data }) {
    const validators = node.getValidators().map((v) => ({
      address: v.address,
      publicKey: v.publicKey,
      stakeSatang: node.getAccount(v.address).stakeSatang,
      isThisNode: v.publicKey === node.wallet.publicKeyHex,
    }));
    return { validators, peers: await data.getPeers() };
  },
  Page({ data }) {
    return (
      <>
        <h2>Validators</h2>
        {data.validators.length === 0
          ? <p class="empty">No validators in state.</p>
          : (
            <table class="data" id="validators">
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Public key</th>
                  <th scope="col" class="num">Stake</th>
                </tr>
              </thead>
              <tbody>
                {data.validators.map((v) => (
                  <tr key={v.publicKey}>
                    <td class="mono">
                      <a href={`/explorer/account/${v.address}`}>{shortId(v.address)}</a>
                      {v.isThisNode ? " (this node)" : ""}
                    </td>
                    <td class="mono">{shortId(v.publicKey)}</td>
                    <td class="num">{formatThb(v.stakeSatang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        <h2>Peers</h2>
        {data.peers === null
          ? <p class="empty" id="peers-unavailable">Peer data is not available on this node yet.</p>
          : data.peers.length === 0
          ? <p class="empty" id="no-peers">No connected peers.</p>
          : (
            <table class="data" id="peers">
              <thead>
                <tr>
                  <th scope="col">Peer id</th>
                  <th scope="col">Address</th>
                  <th scope="col">Direction</th>
                  <th scope="col" class="num">Reputation</th>
                </tr>
              </thead>
              <tbody>
                {data.peers.map((p) => (
                  <tr key={p.peerId}>
                    <td class="mono">{shortId(p.peerId)}</td>
                    <td class="mono">{p.address}</td>
                    <td>{p.direction}</td>
                    <td class="num">{p.reputation ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </>
    );
  },
});
