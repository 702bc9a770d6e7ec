/**
 * Where an operator's opt-in or opt-out request stands, as the switch and its dialog show it.
 * Its own module so that the switch and the dialog (which the switch loads lazily) share it
 * without importing each other.
 * @module
 */
export type RelayRequestState =
  | { kind: 'idle' }
  | { kind: 'working' }
  /** `kept`: the console keeps the request and carries it out later; asking again is optional. */
  | { kind: 'failed'; reason: string; kept: boolean }
