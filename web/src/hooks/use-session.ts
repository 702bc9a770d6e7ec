/**
 * Who is signed in (`GET /api/session`), and what that lets them do here. The server enforces
 * every role (docs/operators.md, "Roles"); the page mirrors it, so a viewer is shown the switch
 * read-only with the reason rather than a control that fails on press.
 * @module
 */
import { type Role, roleAllows } from '@relay-console/shared/roles'
import { queryOptions, useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { api } from '../lib/api-client'
import { sessionKeys } from '../lib/query-keys'
import type { RelayAccess } from '../lib/relay-access'

export function sessionQueryOptions() {
  return queryOptions({
    queryKey: sessionKeys.me(),
    queryFn: () => api.getSession(),
    // A role changes only with the config; ask again now and then, and whenever the tab comes back.
    staleTime: 60_000,
    refetchInterval: 5 * 60_000,
  })
}

export function useSession() {
  return useQuery(sessionQueryOptions())
}

/** The signed-in operator's role, or null until it is known. */
export function useRole(): Role | null {
  return useSession().data?.operator.role ?? null
}

/** Whether the role may do what needs `needed`; false until the role is known. */
export function useAllowed(needed: Role): boolean {
  const role = useRole()
  return role !== null && roleAllows(role, needed)
}

/** What the relay switches may do for this operator: one object per role, so memoised cards stay put. */
export function useRelayAccess(): RelayAccess {
  const { t } = useTranslation()
  const role = useRole()
  return useMemo((): RelayAccess => {
    if (role === null) return { kind: 'checking' }
    if (roleAllows(role, 'operator')) return { kind: 'allowed' }
    return { kind: 'denied', reason: t('roles.viewerReadOnly') }
  }, [role, t])
}
