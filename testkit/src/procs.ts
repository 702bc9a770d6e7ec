/**
 * Real processes on loopback: the reference connector, the console, or any entry of this repo,
 * each its own Node process with the file-descriptor limit raised as far as the system allows,
 * its output kept for the error message when it dies or never gets healthy.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { sleep } from './time'
import { TOKENS } from './tokens'

/** The repository root: the working directory of every process, so entries are given repo-relative. */
export const REPO = join(import.meta.dirname, '..', '..')

export interface Proc {
  child: ChildProcess
  pid: number
  /** The last 20,000 characters of stdout and stderr, interleaved. */
  output: () => string
  /** Sends `signal` (SIGTERM unless told) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Runs `node NODE_ARGS --import tsx ARGS` with `ulimit -n` raised to the hard limit. Node itself
 * is the process (no wrapper), so its pid's RSS and CPU time are the server's own. The
 * environment is this process's, then the test kit's tokens, `LOG_LEVEL=warn`, then `env`.
 */
export function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Proc {
  const command = [process.execPath, ...nodeArgs, '--import', 'tsx', ...args]
  const quoted = command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  const child = spawn('sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${quoted}`], {
    cwd: REPO,
    env: { ...process.env, ...TOKENS, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill(signal)
      }),
  }
}

/** Polls `url/healthz` until it answers 2xx; throws with the process's output if it exits or time runs out. */
export async function waitHealthy(url: string, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited (${proc.child.exitCode}):\n${proc.output()}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      // not up yet
    }
    await sleep(100)
  }
  throw new Error(`${url} not healthy in time:\n${proc.output()}`)
}
