/**
 * An instance's audit log: who opted it in or out, and how it went. The live stream invalidates
 * this query whenever the instance changes (`live/live-provider.tsx` in features/instances).
 * @module
 */
import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { instanceKeys } from '../../../lib/query-keys'

export function auditQueryOptions(instanceId: string) {
  return queryOptions({ queryKey: instanceKeys.audit(instanceId), queryFn: () => api.getAudit(instanceId) })
}

export function useAudit(instanceId: string) {
  return useQuery(auditQueryOptions(instanceId))
}
