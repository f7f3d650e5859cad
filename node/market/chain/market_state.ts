/**
 * Reads of market data from chain state, shared by the transaction
 * processors, the end-block settlement and the API. Pure.
 */
import type { StateReader } from "../../chain/state.ts";
import { stateKey } from "../../chain/state.ts";
import type { ChainParams, EnergySource } from "../../chain/params.ts";
import { getPricingRegulation } from "../../governance/proposal_actions.ts";
import { getCappedScopes, isUnderScope } from "../../governance/emergencies.ts";
import { GridState } from "../grid_state.ts";
import type { GridFlowSnapshot } from "../grid_state.ts";
import type { GridTopology } from "../location.ts";
import { type MarketParams, marketParamsFromChain } from "../params.ts";

/** All-time market totals, kept in state (`market/totals`). */
export interface MarketTotals {
  tradesCount: number;
  tradedWh: number;
  tradedValueSatang: number;
  gridFeesSatang: number;
  carbonMicroCredits: number;
  tradedWhBySource: Record<string, number>;
  /** Energy minted by meter readings, by source. */
  mintedWhBySource: Record<string, number>;
  lastPriceSatangPerKwh: number | null;
  /** Grid fees whose authority was not found (suspended or removed), satang. */
  unclaimedFeesSatang: number;
}

export const EMPTY_MARKET_TOTALS: MarketTotals = {
  tradesCount: 0,
  tradedWh: 0,
  tradedValueSatang: 0,
  gridFeesSatang: 0,
  carbonMicroCredits: 0,
  tradedWhBySource: {},
  mintedWhBySource: {},
  lastPriceSatangPerKwh: null,
  unclaimedFeesSatang: 0,
};

export function getMarketTotals(state: StateReader): MarketTotals {
  return (state.get(stateKey.marketTotals()) as MarketTotals | undefined) ?? EMPTY_MARKET_TOTALS;
}

/** The genesis grid topology as declared, without emergency caps. */
export function getDeclaredGridTopology(state: StateReader): GridTopology | undefined {
  return state.get(stateKey.gridTopology()) as GridTopology | undefined;
}

const cappedCache = new WeakMap<GridTopology, { key: string; topology: GridTopology }>();

/**
 * The topology the market works with: the genesis topology with every
 * substation under a `cap` grid emergency limited to the cap (kW). Cached per
 * (topology, caps), so the same caps give the same object.
 */
export function getGridTopology(state: StateReader): GridTopology | undefined {
  const declared = getDeclaredGridTopology(state);
  if (!declared) return undefined;
  const caps = getCappedScopes(state);
  if (caps.length === 0) return declared;
  const key = JSON.stringify(caps);
  const hit = cappedCache.get(declared);
  if (hit?.key === key) return hit.topology;
  const topology: GridTopology = {
    ...declared,
    substations: declared.substations.map((s) => {
      let capacityKw = s.capacityKw;
      for (const c of caps) {
        if (isUnderScope(s.id, c.scope)) capacityKw = Math.min(capacityKw, c.capKw);
      }
      return capacityKw === s.capacityKw ? s : { ...s, capacityKw };
    }),
  };
  cappedCache.set(declared, { key, topology });
  return topology;
}

export function getGridFlows(state: StateReader): GridFlowSnapshot | null {
  return (state.get(stateKey.gridFlows()) as GridFlowSnapshot | undefined) ?? null;
}

const gridCache = new WeakMap<GridTopology, GridState>();
/**
 * A GridState for location checks (not for flows): one per topology value,
 * which is immutable in state, so the cache cannot go stale.
 */
export function getTopologyIndex(topology: GridTopology): GridState {
  let grid = gridCache.get(topology);
  if (!grid) gridCache.set(topology, grid = new GridState(topology));
  return grid;
}

/** Market parameters in force: chain params plus the pricing regulation's fee table. */
export function getMarketParams(state: StateReader): MarketParams {
  const params = state.get(stateKey.params()) as ChainParams;
  const regulation = getPricingRegulation(state);
  return marketParamsFromChain(params, {
    intervalMs: params.market.intervalMs,
    gridFeeSatangPerKwh: regulation?.gridFeeSatangPerKwh ?? params.market.gridFeeSatangPerKwh,
    maxScanPerOrder: params.market.maxScanPerOrder,
  });
}

/** Metered energy an account may still sell, by source (`energy_source/<address>`). */
export type SourceBalances = Partial<Record<EnergySource, number>>;
