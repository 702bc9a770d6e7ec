/**
 * Every operator's open sessions, and revoking one (admins; `GET /api/sessions`,
 * `DELETE /api/sessions/:id`).
 * @module
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { sessionKeys } from '../../../lib/query-keys'

export function useSessions() {
  return useQuery({ queryKey: sessionKeys.list(), queryFn: () => api.listSessions(), refetchInterval: 30_000 })
}

export function useRevokeSession() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.revokeSession(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionKeys.list() }),
  })
}
