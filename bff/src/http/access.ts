/**
 * Which role each `/api` route needs (docs/operators.md, "Roles"): the one table the role guard
 * reads. Reading is a viewer's; changing the relay is an operator's; sessions of others (and,
 * later, notification settings) are an admin's. Every operator may see and end their own session.
 * A route that no rule names needs an operator to change anything and a viewer to read, so a new
 * route is never open to less than that; `access.test.ts` checks every route the router has
 * against the roles it expects.
 * @module
 */
import type { Role } from '@relay-console/shared/roles'

export interface Access {
  role: Role
  /** What the route does, for the 403's message: "Viewers can't {what}". */
  what: string
}

interface Rule extends Access {
  methods: readonly string[]
  path: RegExp
}

const READ = ['GET', 'HEAD']
const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE']

const RULES: readonly Rule[] = [
  // One's own session: who am I, sign out, sign out everywhere.
  { methods: [...READ, 'DELETE'], path: /^\/api\/session$/, role: 'viewer', what: 'sign out' },
  { methods: ['POST'], path: /^\/api\/session\/sign-out-everywhere$/, role: 'viewer', what: 'sign out' },
  // Everyone's sessions: who signed in from where, and revoking them.
  {
    methods: [...READ, ...WRITE],
    path: /^\/api\/sessions(\/|$)/,
    role: 'admin',
    what: "manage other operators' sessions",
  },
  { methods: WRITE, path: /^\/api\/instances\/[^/]+\/relay$/, role: 'operator', what: 'change the relay' },
  { methods: WRITE, path: /^\/api\/relay\/bulk$/, role: 'operator', what: 'change the relay' },
  { methods: WRITE, path: /^\/api\/maintenance(\/|$)/, role: 'operator', what: 'schedule maintenance' },
  {
    methods: [...READ, ...WRITE],
    path: /^\/api\/notifications(\/|$)/,
    role: 'admin',
    what: 'manage notifications',
  },
]

const DEFAULT_READ: Access = { role: 'viewer', what: 'read the fleet' }
const DEFAULT_WRITE: Access = { role: 'operator', what: 'change the fleet' }

/** The role `method path` needs, and what it does. */
export function requiredAccess(method: string, path: string): Access {
  const rule = RULES.find((r) => r.methods.includes(method) && r.path.test(path))
  if (rule !== undefined) return { role: rule.role, what: rule.what }
  return READ.includes(method) ? DEFAULT_READ : DEFAULT_WRITE
}
