/**
 * An instance's recent platform transitions. The live stream invalidates this query whenever the
 * instance changes (`live/live-provider.tsx` in features/instances), so it never polls.
 * @module
 */
import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { instanceKeys } from '../../../lib/query-keys'

export function historyQueryOptions(instanceId: string) {
  return queryOptions({ queryKey: instanceKeys.history(instanceId), queryFn: () => api.getHistory(instanceId) })
}

export function useHistory(instanceId: string) {
  return useQuery(historyQueryOptions(instanceId))
}
