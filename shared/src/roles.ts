/**
 * Operators' roles (docs/operators.md, "Roles"): each role can do everything the one before it can.
 * `viewer` reads, `operator` also changes the relay, `admin` also manages sessions and
 * notifications. The server decides; the web app only mirrors it, so that no control is offered
 * that would be refused.
 * @module
 */
import { z } from 'zod'

export const ROLES = ['viewer', 'operator', 'admin'] as const
export const RoleSchema = z.enum(ROLES)
export type Role = z.infer<typeof RoleSchema>

/** Whether `role` may do what needs `needed`. */
export const roleAllows = (role: Role, needed: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed)

/** Operator names: what the audit log and the session list show. */
export const OperatorNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    'must be 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
  )

/** Who is signed in. */
export const OperatorSchema = z.object({ name: z.string().min(1), role: RoleSchema })
export type Operator = z.infer<typeof OperatorSchema>
