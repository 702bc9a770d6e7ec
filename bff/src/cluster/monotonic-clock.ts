/**
 * A {@link Clock} whose `now()` never steps: the process's monotonic time, offset to look like
 * wall-clock milliseconds. For the self-fence of a lease, where a wall clock set back by NTP or an
 * operator would stretch a lease the store has already let go.
 * @module
 */
import { type Clock, systemClock } from '@relay-console/shared/clock'

export const monotonicClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: systemClock.setTimeout,
  clearTimeout: systemClock.clearTimeout,
}
