/**
 * Real processes for benchmarks: the reference connector and the console, each its own process
 * with the file-descriptor limit raised as far as the system allows, on free loopback ports.
 * Also reads a process's RSS and CPU time from /proc.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REPO = join(import.meta.dirname, '..', '..')

export const TOKENS = {
  RELAY_CONSOLE_TOKEN: 'bench-operator-token-0123456789',
  RELAY_IDENTITY_TOKEN: 'bench-identity-token-0123456789',
  CONNECTOR_ADMIN_TOKEN: 'bench-admin-token-0123456789',
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

export interface Proc {
  child: ChildProcess
  pid: number
  output: () => string
  stop(): Promise<void>
}

/**
 * Runs `node NODE_ARGS --import tsx ARGS` with `ulimit -n` raised to the hard limit. Node itself
 * is the process (no wrapper), so its pid's RSS and CPU time are the server's own.
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
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** The connector's admin API (the bench admin token unless told); a non-2xx answer throws. */
export function connectorAdmin(connectorUrl: string, adminToken = TOKENS.CONNECTOR_ADMIN_TOKEN) {
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${connectorUrl}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
}

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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Resident set size in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN)
  return kb / 1024
}

/** User + system CPU time in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks / 100 // USER_HZ is 100 on Linux
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'relay-console-bench-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value))
}
