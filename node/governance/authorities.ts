/**
 * Grid authorities, registered participants and meters: reads and the
 * permission rules of authority actions. Pure (reads a StateReader).
 *
 * Roles: `distribution` (MEA, PEA) registers participants, meters and
 * deposits in its service area; `transmission` (EGAT) operates the grid
 * (emergencies, readings) anywhere; `regulator` (ERC) approves pricing
 * regulation. Service areas are region codes; `"*"` is the whole country.
 */
import { ChainError } from "../chain/errors.ts";
import type { EnergySource } from "../chain/params.ts";
import { type Authority, stateKey, type StateReader } from "../chain/state.ts";

export type AuthorityRole = "distribution" | "transmission" | "regulator";
export const AUTHORITY_ROLES: readonly AuthorityRole[] = [
  "distribution",
  "transmission",
  "regulator",
];

/** Roles of the Thai authorities when their record names none. */
export const DEFAULT_ROLES_BY_NAME: Readonly<Record<string, readonly AuthorityRole[]>> = {
  EGAT: ["transmission"],
  MEA: ["distribution"],
  PEA: ["distribution"],
  ERC: ["regulator"],
};

/** `REGION`, `REGION-ZONE` or `REGION-ZONE-SUBSTATION` (e.g. `BKK`, `BKK-01`, `BKK-01-SUB001`). */
export const GRID_SCOPE_REGEX = /^[A-Z]{2,4}(-[0-9]{2}(-SUB[0-9]{3})?)?$/;
/** A full location, `REGION-ZONE-SUBSTATION`. */
export const GRID_LOCATION_REGEX = /^[A-Z]{2,4}-[0-9]{2}-SUB[0-9]{3}$/;

/** A registered prosumer or consumer. */
export interface Participant {
  address: string;
  /** Full grid location, e.g. `BKK-01-SUB001`. */
  location: string;
  /** Name of the authority that registered it. */
  registeredBy: string;
  height: number;
}

/** A registered smart meter. */
export interface Meter {
  meterId: string;
  /** Address credited with the meter's energy. */
  owner: string;
  /** The only location the meter may report from. */
  location: string;
  source: EnergySource;
  registeredBy: string;
  height: number;
}

/** All authorities (active and suspended). */
export function getAuthorities(state: StateReader): Authority[] {
  return (state.get(stateKey.authorities()) as Authority[] | undefined) ?? [];
}

/** The authority whose key signs as `address`, if any. */
export function getAuthorityByAddress(
  state: StateReader,
  address: string,
): Authority | undefined {
  return getAuthorities(state).find((a) => a.address === address);
}

export function getAuthorityRoles(authority: Authority): readonly AuthorityRole[] {
  return authority.roles ?? DEFAULT_ROLES_BY_NAME[authority.name] ?? [];
}

/** Region code of a scope or location: `BKK-01-SUB001` -> `BKK`. */
export function getRegionOf(scope: string): string {
  return scope.split("-")[0]!;
}

/** True when the authority's service area includes the scope's region. */
export function isInServiceArea(authority: Authority, scope: string): boolean {
  return authority.serviceArea.includes("*") || authority.serviceArea.includes(getRegionOf(scope));
}

/** True if `address` was registered as a participant by a distribution authority. */
export function isRegisteredParticipant(state: StateReader, address: string): boolean {
  return state.get(stateKey.participant(address)) !== undefined;
}

/** The participant record of `address`, or undefined. */
export function getParticipant(state: StateReader, address: string): Participant | undefined {
  return state.get(stateKey.participant(address)) as Participant | undefined;
}

/** The meter registered as `meterId`, or undefined. */
export function getMeter(state: StateReader, meterId: string): Meter | undefined {
  return state.get(stateKey.meter(meterId)) as Meter | undefined;
}

/**
 * The active authority signing `sender` with `role`, whose service area covers
 * `scope` (when given; the transmission role covers the whole country).
 * @throws ChainError NOT_AUTHORITY, AUTHORITY_SUSPENDED, AUTHORITY_ROLE, OUTSIDE_SERVICE_AREA
 */
export function requireAuthority(
  state: StateReader,
  sender: string,
  roles: readonly AuthorityRole[],
  scope?: string,
): Authority {
  const authority = getAuthorityByAddress(state, sender);
  if (authority === undefined) {
    throw new ChainError(
      "NOT_AUTHORITY",
      `${sender} is not a grid authority; only ${roles.join(" or ")} authorities may do this`,
      "body.from",
    );
  }
  if (authority.status !== "active") {
    throw new ChainError(
      "AUTHORITY_SUSPENDED",
      `Authority ${authority.name} is suspended`,
      "body.from",
    );
  }
  const held = getAuthorityRoles(authority).filter((r) => roles.includes(r));
  if (held.length === 0) {
    throw new ChainError(
      "AUTHORITY_ROLE",
      `Authority ${authority.name} lacks the ${roles.join(" or ")} role`,
      "body.from",
    );
  }
  if (scope !== undefined && !held.includes("transmission") && !isInServiceArea(authority, scope)) {
    throw new ChainError(
      "OUTSIDE_SERVICE_AREA",
      `${scope} is outside ${authority.name}'s service area (${authority.serviceArea.join(", ")})`,
      "body.payload.args",
    );
  }
  return authority;
}
