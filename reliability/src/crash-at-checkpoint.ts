/**
 * Test-only entry for crash-consistency.test.ts: the console from a config file, as `npm start`
 * runs it, that SIGKILLs itself the moment an opt-out or opt-in passes the checkpoint named by
 * CRASH_AT (none when empty). Prints `running at URL` once it listens. The crash is armed by a
 * SIGUSR2 (answered with `armed`), so the recovery of an earlier crash does not set it off.
 * @module
 */
import { loadConfigFile } from '@relay-console/bff/config/load'
import { createLogger } from '@relay-console/bff/lib/log'
import { INTENT_CHECKPOINTS, type IntentCheckpoint } from '@relay-console/bff/ops/checkpoints'
import { startConsole } from '@relay-console/bff/service'

const [configFile] = process.argv.slice(2)
const crashAt = process.env.CRASH_AT ?? ''
const operatorToken = process.env.RELAY_CONSOLE_TOKEN ?? ''
if (configFile === undefined || operatorToken === '')
  throw new Error('usage: RELAY_CONSOLE_TOKEN=… crash-at-checkpoint CONFIG')
if (crashAt !== '' && !INTENT_CHECKPOINTS.includes(crashAt as IntentCheckpoint)) {
  throw new Error(`CRASH_AT must be one of ${INTENT_CHECKPOINTS.join(', ')}`)
}

let armed = false
process.on('SIGUSR2', () => {
  armed = true
  console.log('armed')
})

const running = await startConsole({
  config: loadConfigFile(configFile),
  operatorToken,
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }),
  processMetrics: false,
  retry: { baseMs: 100, maxMs: 1000 },
  revocationGraceMs: 1500,
  checkpoint: (point) => {
    // A real crash at exactly this point: no finally, no flush, no goodbye to any socket.
    if (armed && point === crashAt) process.kill(process.pid, 'SIGKILL')
  },
})
console.log(`running at ${running.url}`)
