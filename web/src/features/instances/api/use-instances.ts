/**
 * The fleet query, and the relay mutation. The event stream keeps the query fresh
 * (`staleTime: Infinity` while live); while the stream is down, the same query polls.
 * @module
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { instanceKeys } from '../../../lib/query-keys'
import { type FleetCache, newerOf } from '../live/apply-event'
import { useLiveState } from '../live/live-provider'

export const POLL_INTERVAL_MS = 5000

export function useInstances() {
  const live = useLiveState()
  const queryClient = useQueryClient()
  return useQuery({
    queryKey: instanceKeys.list(),
    queryFn: async () => newerOf(queryClient.getQueryData<FleetCache>(instanceKeys.list()), await api.getInstances()),
    staleTime: live.status === 'live' ? Number.POSITIVE_INFINITY : 0,
    refetchInterval: live.stale ? POLL_INTERVAL_MS : false,
  })
}

export function useSetRelay() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ id, optedIn }: { id: string; optedIn: boolean }) => api.setRelay(id, optedIn),
    onSuccess: (instance) => {
      // Only the desired state from the answer: observed states come from the event stream.
      queryClient.setQueryData<FleetCache>(instanceKeys.list(), (cache) =>
        cache === undefined
          ? cache
          : {
              ...cache,
              instances: cache.instances.map((i) =>
                i.id === instance.id ? { ...i, optedIn: instance.optedIn, pending: instance.pending } : i,
              ),
            },
      )
    },
  })
}

/** Many instances at once (`POST /api/relay/bulk`); their states arrive on the event stream. */
export function useBulkRelay() {
  return useMutation({
    mutationFn: ({ ids, optedIn }: { ids: readonly string[]; optedIn: boolean }) => api.bulkRelay(ids, optedIn),
  })
}
