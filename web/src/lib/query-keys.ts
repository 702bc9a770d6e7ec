/**
 * Query keys of the instances feature, in one place.
 * @module
 */
export const instanceKeys = {
  all: () => ['instances'] as const,
  list: () => [...instanceKeys.all(), 'list'] as const,
  history: (id: string) => [...instanceKeys.all(), 'history', id] as const,
  audit: (id: string) => [...instanceKeys.all(), 'audit', id] as const,
}
