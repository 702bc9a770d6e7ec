/**
 * The BFF's logger: pino, with every place a secret could hide redacted. Modules take a `Log`
 * (the four methods they use), so tests can pass a silent one.
 * @module
 */
import { type Logger, pino } from 'pino'

export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>

export const REDACT_PATHS = [
  'secret',
  'token',
  'authorization',
  'identityToken',
  'operatorToken',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.identityToken',
  '*.operatorToken',
  '*.headers.authorization',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
]

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'relay-console',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  })
}

export const silentLog: Log = pino({ level: 'silent' })
