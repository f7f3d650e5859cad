/**
 * Genesis: the initial state and block 0, built from a `GenesisSpec` that the
 * config layer produces once, at `init`. After that the chain's own state is
 * the truth; editing config.toml cannot change parameters.
 */
import { BLOCK_VERSION, type BlockHeader, ZERO_HASH } from "./block.ts";
import { ChainError } from "./errors.ts";
import { computeMerkleRoot } from "./merkle.ts";
import type { ChainParams } from "./params.ts";
import {
  type Account,
  type Authority,
  EMPTY_ACCOUNT,
  type StateChange,
  stateKey,
  StateOverlay,
  type Validator,
} from "./state.ts";
import { MemoryState } from "./state.ts";
import { computeStateRoot } from "./state_root.ts";
import { getAddressOfPublicKeyHex } from "./transaction.ts";

export interface GenesisSpec {
  networkId: number;
  networkName: string;
  timestampMs: number;
  params: ChainParams;
  accounts: { address: string; balanceSatang: number; energyWh: number }[];
  validators: { publicKey: string; stakeSatang: number }[];
  authorities: { name: string; publicKey: string; serviceArea: string[] }[];
  /** Grid topology of the market (node/market GridTopology), checked by the caller. */
  gridTopology?: unknown;
  /** Participants registered at genesis (dev chains), as registered by an authority. */
  participants?: { address: string; location: string; registeredBy: string }[];
  /** Metered energy by source that genesis accounts may sell (dev chains); also added to energyWh. */
  meteredEnergy?: { address: string; source: string; wh: number }[];
}

export interface Genesis {
  header: BlockHeader;
  changes: StateChange[];
}

/** Builds the genesis state changes and header. Pure. */
export function computeGenesis(spec: GenesisSpec): Genesis {
  if (spec.validators.length === 0) {
    throw new ChainError(
      "BAD_GENESIS",
      "Genesis needs at least one validator",
      "genesis.validators",
    );
  }
  const state = new StateOverlay(new MemoryState());
  state.set(stateKey.params(), spec.params);
  const credit = (address: string, change: Partial<Account>) => {
    const a = state.getAccount(address);
    state.setAccount(address, {
      ...EMPTY_ACCOUNT,
      ...a,
      balanceSatang: a.balanceSatang + (change.balanceSatang ?? 0),
      energyWh: a.energyWh + (change.energyWh ?? 0),
      stakeSatang: a.stakeSatang + (change.stakeSatang ?? 0),
    });
  };
  for (const account of spec.accounts) {
    credit(account.address, { balanceSatang: account.balanceSatang, energyWh: account.energyWh });
  }
  const validators: Validator[] = [];
  for (const v of spec.validators) {
    const address = getAddressOfPublicKeyHex(v.publicKey);
    if (validators.some((x) => x.address === address)) {
      throw new ChainError(
        "BAD_GENESIS",
        `Validator ${address} listed twice`,
        "genesis.validators",
      );
    }
    validators.push({ publicKey: v.publicKey, address });
    credit(address, { stakeSatang: v.stakeSatang });
  }
  state.set(stateKey.validators(), validators);
  const authorities: Authority[] = spec.authorities.map((a) => ({
    name: a.name,
    publicKey: a.publicKey,
    address: getAddressOfPublicKeyHex(a.publicKey),
    serviceArea: [...a.serviceArea],
    status: "active",
  }));
  state.set(stateKey.authorities(), authorities);
  if (spec.gridTopology !== undefined) state.set(stateKey.gridTopology(), spec.gridTopology);
  for (const m of spec.meteredEnergy ?? []) {
    credit(m.address, { energyWh: m.wh });
    const key = stateKey.sourceEnergy(m.address);
    const sources = (state.get(key) as Record<string, number> | undefined) ?? {};
    state.set(key, { ...sources, [m.source]: (sources[m.source] ?? 0) + m.wh });
  }
  for (const p of spec.participants ?? []) {
    state.set(stateKey.participant(p.address), { ...p, height: 0 });
  }
  const changes = state.changes();
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    networkId: spec.networkId,
    height: 0,
    prevHash: ZERO_HASH,
    timestampMs: spec.timestampMs,
    proposer: ZERO_HASH,
    txRoot: computeMerkleRoot([]),
    stateRoot: computeStateRoot(ZERO_HASH, 0, changes),
    txCount: 0,
    difficulty: 0,
    seal: "",
  };
  return { header, changes };
}
