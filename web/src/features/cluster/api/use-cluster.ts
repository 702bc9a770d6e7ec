/**
 * The console's replicas (`GET /api/cluster`). The header shows them whenever someone is signed
 * in, so the query asks again every 10 s while the tab is visible; a hidden tab does not ask.
 * @module
 */
import { queryOptions, useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { clusterKeys } from '../../../lib/query-keys'

export const CLUSTER_REFRESH_MS = 10_000

export function clusterQueryOptions() {
  return queryOptions({
    queryKey: clusterKeys.all(),
    queryFn: () => api.getCluster(),
    refetchInterval: CLUSTER_REFRESH_MS,
  })
}

export function useCluster() {
  return useQuery(clusterQueryOptions())
}
