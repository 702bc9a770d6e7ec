/**
 * The fleet as operations see it: what they ask of an instance this process no longer holds (an
 * operation still running when its instance was let go to another replica) is not done.
 * @module
 */
import type { Fleet } from '../relay/fleet'

export function heldOnly(fleet: Fleet, owns: (instanceId: string) => boolean): Fleet {
  return {
    ...fleet,
    start: (spec) => (owns(spec.instanceId) ? fleet.start(spec) : Promise.resolve()),
    showDisabled: (spec) => (owns(spec.instanceId) ? fleet.showDisabled(spec) : Promise.resolve()),
    showFailure: (spec, failure, attempt, nextRetryAt) => {
      if (owns(spec.instanceId)) fleet.showFailure(spec, failure, attempt, nextRetryAt)
    },
    expectRevocation: (id) => {
      if (owns(id)) fleet.expectRevocation(id)
    },
    cancelRevocation: (id) => {
      if (owns(id)) fleet.cancelRevocation(id)
    },
  }
}
