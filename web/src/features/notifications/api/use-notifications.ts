/**
 * Notifications (admins): the webhooks configured, the delivery log, and a test event.
 * @module
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { notificationKeys } from '../../../lib/query-keys'

export function useWebhooks() {
  return useQuery({ queryKey: notificationKeys.webhooks(), queryFn: () => api.getNotifications() })
}

/** Re-read while the page is open: deliveries move on their own (tries, retries). */
export function useDeliveries() {
  return useQuery({
    queryKey: notificationKeys.deliveries(),
    queryFn: () => api.listDeliveries(),
    refetchInterval: 3000,
  })
}

export function useSendTest() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (webhook?: string) => api.sendTestNotification(webhook),
    onSettled: () => queryClient.invalidateQueries({ queryKey: notificationKeys.deliveries() }),
  })
}
