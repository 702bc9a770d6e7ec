/**
 * The reference connector as its own process on a fixed loopback port and data directory, so a
 * test can stop it, or SIGKILL it, and start it again where it was: same port, same store.
 * @module
 */
import { type Proc, run, waitHealthy } from './procs'

export interface ConnectorProcessOptions {
  port: number
  dataDir: string
  /** More command-line flags, e.g. `['--ping-interval-ms', '1000']`. */
  args?: string[]
  /** On top of the test kit's environment (see `run`). */
  env?: Record<string, string>
  /** How long a start may take to answer `/healthz`; `waitHealthy`'s default unless told. */
  healthTimeoutMs?: number
}

export interface ConnectorProcess {
  /** `http://127.0.0.1:PORT`: `/healthz` and the admin API. */
  readonly url: string
  /** The running process: null before the first start and after a stop or a kill. */
  readonly proc: Proc | null
  /** Starts it and waits until it is healthy. */
  start(): Promise<void>
  /** SIGTERM: the connector closes its sockets and its store. */
  stop(): Promise<void>
  /** SIGKILL: no goodbye to any socket, no store flush beyond what SQLite already committed. */
  kill(): Promise<void>
}

/** Describes the process; nothing runs until `start()`. */
export function connectorProcess(options: ConnectorProcessOptions): ConnectorProcess {
  const url = `http://127.0.0.1:${options.port}`
  const args = ['connector/src/main.ts', '--port', String(options.port), '--data', options.dataDir]
  let proc: Proc | null = null
  const end = async (signal: NodeJS.Signals) => {
    const running = proc
    proc = null
    await running?.stop(signal)
  }
  return {
    url,
    get proc() {
      return proc
    },
    async start() {
      const started = run([...args, ...(options.args ?? [])], options.env)
      proc = started
      await waitHealthy(url, started, options.healthTimeoutMs)
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  }
}
