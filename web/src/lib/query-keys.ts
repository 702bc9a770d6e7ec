/**
 * Query keys, in one place: the fleet list, each instance's history and audit log, the
 * console's replicas, and the sessions (one's own, and every operator's for admins). Here in lib/ rather than in a feature because the live stream
 * (features/instances) refreshes the history and audit queries, which features/history and
 * features/audit own.
 * @module
 */
export const instanceKeys = {
  all: () => ['instances'] as const,
  list: () => [...instanceKeys.all(), 'list'] as const,
  history: (id: string) => [...instanceKeys.all(), 'history', id] as const,
  audit: (id: string) => [...instanceKeys.all(), 'audit', id] as const,
}

export const clusterKeys = {
  all: () => ['cluster'] as const,
}

export const maintenanceKeys = {
  all: () => ['maintenance'] as const,
}

export const notificationKeys = {
  all: () => ['notifications'] as const,
  webhooks: () => [...notificationKeys.all(), 'webhooks'] as const,
  deliveries: () => [...notificationKeys.all(), 'deliveries'] as const,
}

export const sessionKeys = {
  all: () => ['session'] as const,
  me: () => [...sessionKeys.all(), 'me'] as const,
  list: () => [...sessionKeys.all(), 'list'] as const,
}
