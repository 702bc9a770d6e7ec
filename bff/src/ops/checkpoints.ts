/**
 * The points of an opt-out and an opt-in where a crash leaves a different picture on disk and at
 * the connector. The crash-consistency runs (reliability/) kill the console at each; nothing else
 * listens, and by default the hook does nothing.
 * @module
 */

export const INTENT_CHECKPOINTS = [
  'opt_out:intent_written',
  'opt_out:connector_confirmed',
  'opt_out:settled',
  'opt_in:intent_written',
  'opt_in:secret_issued',
  'opt_in:secret_saved',
  'opt_in:settled',
] as const
export type IntentCheckpoint = (typeof INTENT_CHECKPOINTS)[number]

/** Called, synchronously, as an operation passes each of its checkpoints. */
export type CheckpointHook = (point: IntentCheckpoint, instanceId: string) => void

export const NO_CHECKPOINT: CheckpointHook = () => {}
