/**
 * The console as its own process, as an operator starts it (`bff/src/main.ts --config FILE --port
 * N`): one replica of a cluster when the config names a database. A test can SIGTERM it (it drains),
 * SIGKILL it, or freeze it with SIGSTOP and thaw it with SIGCONT, and reads every line it prints.
 * @module
 */
import type { Readable } from 'node:stream'
import { type Proc, run, waitHealthy } from './procs'

export type OutputStream = 'stdout' | 'stderr'

export interface ConsoleProcessOptions {
  /** An absolute path: the console resolves a relative one from where npm was started. */
  configFile: string
  port: number
  /** On top of the test kit's environment (see `run`), e.g. `{ LOG_LEVEL: 'info' }`. */
  env?: Record<string, string>
  /** Every complete line the process prints, as it comes (`run` keeps only the last 20,000 characters). */
  onLine?: (line: string, stream: OutputStream) => void
  /** How long a start may take to answer `/healthz`; `waitHealthy`'s default unless told. */
  healthTimeoutMs?: number
}

export interface ConsoleProcess {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  readonly port: number
  /** The running process: null before the start and after a stop or a kill. */
  readonly proc: Proc | null
  /** Starts it and waits until it is healthy. */
  start(): Promise<void>
  /** SIGTERM (after a SIGCONT, should it be frozen): the console drains and exits. Resolves on exit. */
  stop(): Promise<void>
  /** SIGKILL: no goodbye to any socket, no lease let go. Resolves on exit. */
  kill(): Promise<void>
  /** SIGSTOP: the process is frozen, its sockets stay open. */
  pause(): void
  /** SIGCONT. */
  resume(): void
}

function splitLines(stream: Readable | null, name: OutputStream, onLine: (line: string, s: OutputStream) => void) {
  let rest = ''
  stream?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') onLine(line, name)
  })
  stream?.on('end', () => {
    if (rest.trim() !== '') onLine(rest, name)
    rest = ''
  })
}

/** Describes the process; nothing runs until `start()`. */
export function consoleProcess(options: ConsoleProcessOptions): ConsoleProcess {
  const url = `http://127.0.0.1:${options.port}`
  const args = ['bff/src/main.ts', '--config', options.configFile, '--port', String(options.port)]
  let proc: Proc | null = null
  const signal = (name: NodeJS.Signals) => {
    const child = proc?.child
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(name)
  }
  const end = async (name: NodeJS.Signals) => {
    const running = proc
    proc = null
    if (running === null) return
    // A frozen process takes no SIGTERM until it runs again.
    if (name !== 'SIGKILL') running.child.kill('SIGCONT')
    await running.stop(name)
  }
  return {
    url,
    port: options.port,
    get proc() {
      return proc
    },
    async start() {
      if (proc !== null) throw new Error(`the console on ${url} runs already`)
      const started = run(args, options.env)
      if (options.onLine !== undefined) {
        splitLines(started.child.stdout, 'stdout', options.onLine)
        splitLines(started.child.stderr, 'stderr', options.onLine)
      }
      proc = started
      await waitHealthy(url, started, options.healthTimeoutMs)
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  }
}
