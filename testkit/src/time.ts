/**
 * Waiting, and a wall clock that other processes can compare with: `Date.now()` has only
 * millisecond resolution, too coarse for the latencies the harness measures.
 * @module
 */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Milliseconds since the epoch, sub-millisecond resolution (the connector stamps the same way). */
export const wallNow = () => performance.timeOrigin + performance.now()
