/**
 * The reconnect ladder (docs/relay-contract.md §5): attempt n waits uniformly in [d/2, d], with
 * d = min(base · 2^(n−1), max). Pure; randomness comes in as an argument.
 * @module
 */

export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  if (options.baseMs <= 0 || options.maxMs <= 0) return 0
  const exponent = Math.min(Math.max(attempt, 1) - 1, 62)
  const d = Math.min(options.baseMs * 2 ** exponent, options.maxMs)
  return d / 2 + random() * (d / 2)
}
