/**
 * Console data of governance and the authorities: proposals with live
 * tallies, recent authority actions, and declaring or lifting an emergency
 * with an authority key this node holds.
 */
import { ChainError } from "../../node/chain/errors.ts";
import { getAuthorities } from "../../node/governance/authorities.ts";
import { getGovernanceParams } from "../../node/governance/governance_params.ts";
import {
  computeCurrentTally,
  getProposal,
  getProposalCount,
} from "../../node/governance/proposals.ts";
import type { GridNode } from "../../node/runtime/grid_node.ts";
import { authorityKeystorePath, getPassphrase, loadWallet } from "../../node/runtime/keys.ts";
import { pathExists } from "../../node/runtime/path_exists.ts";
import type { Wallet } from "../../node/runtime/wallet.ts";
import {
  addConsoleSource,
  type AuthorityActionView,
  type ConsoleActor,
  ConsoleError,
  type EmergencyInput,
  type ProposalView,
} from "../data.ts";

/** Blocks scanned backwards for recent authority actions. */
const ACTION_SCAN_BLOCKS = 200;

function proposalViews(node: GridNode): ProposalView[] {
  const state = node.state;
  const gov = getGovernanceParams(node.getParams());
  const views: ProposalView[] = [];
  for (let id = getProposalCount(state); id >= 1; id--) {
    const p = getProposal(state, id);
    if (!p) continue;
    const tally = p.tally ?? computeCurrentTally(state, id);
    views.push({
      id: String(p.id),
      title: p.title,
      kind: p.proposalType,
      status: p.status === "vetoed" || p.status === "failed" ? "rejected" : p.status,
      proposer: p.proposer,
      yesSatang: tally.yesSatang,
      noSatang: tally.noSatang + tally.vetoSatang,
      abstainSatang: tally.abstainSatang,
      quorumSatang: Math.ceil((tally.totalStakeSatang * gov.quorumBps) / 10_000),
      endsAtHeight: p.votingEndHeight,
    });
  }
  return views;
}

async function recentAuthorityActions(
  node: GridNode,
  limit: number,
): Promise<AuthorityActionView[]> {
  const byPublicKey = new Map(getAuthorities(node.state).map((a) => [a.publicKey, a.name]));
  const out: AuthorityActionView[] = [];
  const head = node.head.header.height;
  for (let h = head; h >= 1 && h > head - ACTION_SCAN_BLOCKS && out.length < limit; h--) {
    const block = await node.store.getBlock(h);
    for (const tx of [...(block?.txs ?? [])].reverse()) {
      if (tx.body.kind !== "authority_action") continue;
      const payload = tx.body.payload as { action: string; args: Record<string, unknown> };
      out.push({
        authority: byPublicKey.get(tx.body.from) ?? "unknown",
        action: payload.action,
        detail: Object.entries(payload.args).map(([k, v]) => `${k}=${v}`).join(" "),
        height: h,
      });
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Authority wallets this node holds, loaded once. */
const heldKeys = new WeakMap<GridNode, Map<string, Wallet>>();

async function findAuthorityWallet(
  node: GridNode,
  actor: ConsoleActor,
): Promise<{ name: string; wallet: Wallet }> {
  const active = getAuthorities(node.state).filter((a) => a.status === "active");
  // An authority acts with its own key; the operator with any authority key this node holds
  // (EGAT, the transmission operator, first).
  const names = actor.kind === "authority" ? [actor.name] : active.map((a) => a.name).sort((
    a,
    b,
  ) => (a === "EGAT" ? -1 : b === "EGAT" ? 1 : a.localeCompare(b)));
  let cache = heldKeys.get(node);
  if (!cache) heldKeys.set(node, cache = new Map());
  const dataDir = node.config.node.data_dir;
  for (const name of names) {
    const cached = cache.get(name);
    if (cached) return { name, wallet: cached };
    const path = authorityKeystorePath(dataDir, name);
    if (!(await pathExists(path))) continue;
    const { passphrase } = await getPassphrase(
      dataDir,
      node.config.consensus.keystore_passphrase_env,
      {
        create: false,
      },
    );
    const wallet = await loadWallet(path, passphrase);
    if (!active.some((a) => a.name === name && a.publicKey === wallet.publicKeyHex)) continue;
    cache.set(name, wallet);
    return { name, wallet };
  }
  throw new ConsoleError(
    "UNAVAILABLE",
    actor.kind === "authority"
      ? `This node does not hold the key of ${actor.name}; declare the emergency from ${actor.name}'s node or with gridtokenx-cli`
      : "This node holds no authority key; an authority must sign the emergency",
  );
}

async function declareEmergency(
  node: GridNode,
  input: EmergencyInput,
  actor: ConsoleActor,
): Promise<string> {
  const { wallet } = await findAuthorityWallet(node, actor);
  const payload = input.level === "lifted"
    ? { action: "lift_emergency", args: { scope: input.area } }
    : {
      action: "declare_emergency",
      args: {
        scope: input.area,
        kind: "halt",
        capKw: null,
        reason: `${input.level}: ${input.reason}`,
      },
    };
  try {
    return (await node.signAndAdmit(wallet, "authority_action", payload)).id;
  } catch (e) {
    if (e instanceof ChainError) throw new ConsoleError(e.code, e.message);
    throw e;
  }
}

addConsoleSource((node) => ({
  getProposals: () => Promise.resolve(proposalViews(node)),
  getAuthorityActions: (limit: number) => recentAuthorityActions(node, limit),
  declareEmergency: (input, actor) => declareEmergency(node, input, actor),
}));
