/**
 * Input of the storage benchmarks: a genesis with `txs` funded senders and
 * `blocks` consecutive blocks in which every sender sends one transfer, so
 * each block rewrites existing state keys as a running chain does.
 */
import { type Block, type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { buildBlock } from "../chain/build_block.ts";
import { computeGenesis, type Genesis, type GenesisSpec } from "../chain/genesis.ts";
import { MemoryState } from "../chain/state.ts";
import { parseTransaction, toSignedTxJson, type TxBody } from "../chain/transaction.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../config/default_config.ts";
import { parseConfig } from "../config/parse_config.ts";
import { addressFromPublicKey } from "../crypto/address.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import type { CommitInput } from "./chain_store.ts";

const T0 = 1_767_225_600_000;

export interface BenchChain {
  spec: GenesisSpec;
  genesis: Genesis;
  blocks: CommitInput[];
}

/** Builds the chain; `label` seeds the keys (signatures are not checked by storage). */
export async function computeTransferBlocks(
  opts: { txs: number; blocks: number; networkId: number; label: string },
): Promise<BenchChain> {
  const key = (i: number) => sha256(new TextEncoder().encode(`${opts.label} ${i}`));
  const publicKeys = Array.from({ length: opts.txs }, (_, i) => toHex(key(i)));
  const addresses = Array.from({ length: opts.txs }, (_, i) => addressFromPublicKey(key(i)));
  const params = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/bench.toml"));
  params.consensus.maxBlockTransactions = opts.txs;
  const spec: GenesisSpec = {
    networkId: opts.networkId,
    networkName: "bench",
    timestampMs: T0,
    params,
    accounts: addresses.map((address) => ({ address, balanceSatang: 1_000_000, energyWh: 0 })),
    validators: [{ publicKey: toHex(key(-1)), stakeSatang: 1 }],
    authorities: [],
  };
  const genesis = computeGenesis(spec);
  const state = new MemoryState();
  state.apply(genesis.changes);
  const blocks: CommitInput[] = [];
  let parent: BlockHeader = genesis.header;
  for (let h = 1; h <= opts.blocks; h++) {
    const txs = publicKeys.map((from, i) =>
      parseTransaction({
        body: {
          kind: "transfer",
          networkId: opts.networkId,
          from,
          nonce: h - 1,
          feeSatang: 1,
          expiresAtMs: T0 + 1e9,
          payload: { to: addresses[(i + h) % opts.txs]!, amountSatang: 3, amountWh: 0 },
        } as TxBody,
        signature: "22".repeat(64),
      })
    );
    const built = await buildBlock(state, parent, txs, {
      timestampMs: parent.timestampMs + 10_000,
      proposer: toHex(key(-1)),
    });
    if (built.included.length !== opts.txs) throw new Error("bench block did not fill");
    state.apply(built.changes);
    const block: Block = {
      header: built.header,
      txs: built.included.map(toSignedTxJson),
      signature: "",
    };
    blocks.push({
      block,
      hash: computeBlockHash(built.header),
      txIds: built.included.map((t) => t.id),
      changes: built.changes,
    });
    parent = built.header;
  }
  return { spec, genesis, blocks };
}
