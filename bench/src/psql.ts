/**
 * SQL from the benchmark runner through the server's own `psql`, so the runner needs no driver:
 * the few looks the cluster benchmark takes at its database (leases, commit times, statement
 * statistics, connections). Asynchronous: the runner's event loop keeps stamping what its event
 * streams receive while a query runs.
 * @module
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { postgresBinDir } from '@relay-console/testkit/postgres'

const psqlPath = () => join(postgresBinDir(), 'psql')

function runPsql(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      psqlPath(),
      ['-X', '-v', 'ON_ERROR_STOP=1', ...args],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`psql: ${stderr || error.message}`))
        else resolve(stdout)
      },
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** Runs `sql` (the last statement's rows are answered), each row as its tab-separated fields. */
export async function query(url: string, sql: string): Promise<string[][]> {
  const out = await runPsql([url, '-Atq', '-F', '\t', '-c', sql])
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'))
}

/**
 * Runs `statement` `times` times, each in its own transaction (autocommit, so each commit waits
 * for its WAL flush as the console's do), and answers psql's client-side time of each in ms:
 * the round trip on loopback, execution and commit included.
 */
export async function timeStatement(url: string, statement: string, times: number): Promise<number[]> {
  const script = `\\timing on\n${`${statement};\n`.repeat(times)}`
  const out = await runPsql([url, '-Atq', '-f', '-'], script)
  return [...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m) => Number(m[1]))
}
