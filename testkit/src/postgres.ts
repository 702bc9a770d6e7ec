/**
 * A real PostgreSQL for tests and benchmarks: a throwaway cluster in a temp dir on a free port on
 * 127.0.0.1, run by the machine's own server binaries (Debian's `postgresql` package; `.ci/run`
 * installs it where missing). `initdb` refuses root, so as root both it and the server run as the
 * `postgres` user. Trust authentication on loopback only: the cluster holds nothing but test data,
 * and lives as long as the test.
 * @module
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports'

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string
  port: number
  /** A URL for another database of this cluster (create it first with {@link createDatabase}). */
  urlFor(database: string): string
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(name: string): string
  /** Stops the server (fast shutdown: sessions are cut), keeping its data. */
  stop(): void
  /** Starts it again on the same port with the same data. */
  start(): void
  /** {@link stop} without blocking this process: a harness that reads streams meanwhile. */
  stopAsync(): Promise<void>
  /** {@link start} without blocking this process. */
  startAsync(): Promise<void>
  /** Stops it and removes its data. */
  destroy(): void
}

export interface PostgresOptions {
  /** fsync and synchronous commit on, as in production (off by default: tests want speed). */
  durable?: boolean
  maxConnections?: number
}

/** The server's binaries: `PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin`, else `pg_config`. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0] !== undefined) return join(debian, versions[0], 'bin')
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' })
  const bindir = pgConfig.status === 0 ? pgConfig.stdout.trim() : ''
  if (bindir !== '' && existsSync(join(bindir, 'initdb'))) return bindir
  throw new Error(
    'no PostgreSQL server binaries found: install them (apt-get install -y postgresql) or set PG_BIN to their folder',
  )
}

const isRoot = () => process.getuid?.() === 0

const asUser = (bin: string, args: string[]): [string, string[]] =>
  isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]

const failure = (bin: string, error: unknown) => {
  const e = error as { stderr?: string; stdout?: string; message: string }
  return new Error(`${bin.split('/').at(-1)} failed: ${e.stderr || e.stdout || e.message}`)
}

/** Runs a server binary, as the `postgres` user when we are root. */
function pg(bin: string, args: string[]): string {
  const [command, argv] = asUser(bin, args)
  try {
    return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    throw failure(bin, error)
  }
}

/** {@link pg} without blocking the event loop. */
function pgAsync(bin: string, args: string[]): Promise<string> {
  const [command, argv] = asUser(bin, args)
  return new Promise((resolve, reject) => {
    execFile(command, argv, { encoding: 'utf8' }, (error, stdout) =>
      error ? reject(failure(bin, error)) : resolve(stdout),
    )
  })
}

/**
 * One SQL statement through `psql` (as whoever runs the test: loopback is trust), its rows as
 * text fields. For a harness that reads a database from outside, as an operator would.
 */
export function psqlQuery(url: string, sql: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    execFile(
      join(postgresBinDir(), 'psql'),
      [url, '-AtqX', '-F', '\t', '-c', sql],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`psql failed: ${stderr || error.message}`))
        resolve(
          stdout
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => line.split('\t')),
        )
      },
    )
  })
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir()
  const home = mkdtempSync(join(tmpdir(), 'testkit-pg-'))
  const data = join(home, 'data')
  const logFile = join(home, 'server.log')
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(home, uid, gid)
  }
  pg(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    `-c max_connections=${options.maxConnections ?? 300}`,
    ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ')
  const startArgs = ['-D', data, '-o', settings, '-l', logFile, '-w', '-t', '30', 'start']
  const withLog = (error: unknown) => {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : ''
    return new Error(`${(error as Error).message}\n${log}`)
  }
  const start = () => {
    try {
      pg(join(bin, 'pg_ctl'), startArgs)
    } catch (error) {
      throw withLog(error)
    }
  }
  const stopArgs = ['-D', data, '-m', 'fast', '-w', 'stop']
  const running = () => existsSync(join(data, 'postmaster.pid'))
  const stop = () => {
    if (running()) pg(join(bin, 'pg_ctl'), stopArgs)
  }
  start()
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`)
      pg(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-qc', `CREATE DATABASE ${name}`])
      return urlFor(name)
    },
    stop,
    start,
    async stopAsync() {
      if (running()) await pgAsync(join(bin, 'pg_ctl'), stopArgs)
    },
    async startAsync() {
      await pgAsync(join(bin, 'pg_ctl'), startArgs).catch((error: unknown) => {
        throw withLog(error)
      })
    },
    destroy() {
      try {
        stop()
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
    },
  }
}
