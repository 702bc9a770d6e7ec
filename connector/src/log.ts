/**
 * The connector's logger: pino, with every place a secret could hide redacted.
 * @module
 */
import { type Logger, pino } from 'pino'

export const REDACT_PATHS = [
  'secret',
  'token',
  'authorization',
  '*.secret',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'adminToken',
  'identityToken',
]

export function createLogger(level = 'info'): Logger {
  return pino({ name: 'relay-connector', level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } })
}
