/**
 * Query keys, in one place: the fleet list, each instance's history and audit log, and the
 * console's replicas. Here in lib/ rather than in a feature because the live stream
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
