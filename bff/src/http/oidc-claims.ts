/**
 * Who a single sign-on names, from the ID token's claims (docs/operators.md, "Single sign-on"): the
 * role is the highest that any value of `roleClaim` maps to (a claim may be one string or a list,
 * as groups usually are); the name is `nameClaim`, else `email`, else `sub`. A name the console
 * keeps for itself or a local operator's (someone at the provider could otherwise act under a local
 * operator's name in the audit log), or one it could not show plainly, is passed over for the next.
 * @module
 */
import { type Operator, OperatorNameSchema, ROLES, type Role } from '@relay-console/shared/roles'
import { RESERVED_OPERATOR_NAMES } from '../config/schema'

export interface ClaimMapping {
  roleClaim: string
  roles: Readonly<Record<string, Role>>
  nameClaim: string
  /** Local operators' names (the operator token's `admin` among them). */
  localNames?: readonly string[]
}

export type ClaimsVerdict =
  | { kind: 'operator'; operator: Operator }
  /** Signed in at the provider, but no value of the role claim maps to a role here. */
  | { kind: 'no_role'; name: string }
  /** No usable name in the claims. */
  | { kind: 'no_name' }

/** The values of a claim: a string, or the strings of a list; nothing else counts. */
function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return []
}

/** Reads a claim by name; a dotted name (`realm_access.roles`) reads into nested objects. */
function readClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name]
  let value: unknown = claims
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

export function operatorFromClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping): ClaimsVerdict {
  const taken = new Set([...RESERVED_OPERATOR_NAMES, ...(mapping.localNames ?? [])].map((n) => n.toLowerCase()))
  const name = [mapping.nameClaim, 'email', 'sub']
    .map((claim) => readClaim(claims, claim))
    .find(
      (value): value is string =>
        typeof value === 'string' && OperatorNameSchema.safeParse(value).success && !taken.has(value.toLowerCase()),
    )
  if (name === undefined) return { kind: 'no_name' }
  const granted = claimValues(readClaim(claims, mapping.roleClaim))
    .map((value) => (Object.hasOwn(mapping.roles, value) ? mapping.roles[value] : undefined))
    .filter((role): role is Role => role !== undefined)
  if (granted.length === 0) return { kind: 'no_role', name }
  const role = granted.reduce((best, next) => (ROLES.indexOf(next) > ROLES.indexOf(best) ? next : best))
  return { kind: 'operator', operator: { name, role } }
}
