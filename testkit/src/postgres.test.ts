import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type PostgresServer, postgresBinDir, psqlQuery, startPostgres } from './postgres'

const servers: PostgresServer[] = []
afterAll(() => {
  for (const server of servers) server.destroy()
})

const psql = (url: string, sql: string) =>
  execFileSync(join(postgresBinDir(), 'psql'), [url, '-Atqc', sql], { encoding: 'utf8', stdio: 'pipe' }).trim()

describe('startPostgres', () => {
  it('runs a real cluster on 127.0.0.1 whose data survives a stop and a start', async () => {
    const server = await startPostgres()
    servers.push(server)
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`)
    const url = server.createDatabase('kept')
    psql(url, 'CREATE TABLE t (v int); INSERT INTO t VALUES (42)')
    server.stop()
    expect(() => psql(url, 'SELECT 1')).toThrow()
    server.start()
    expect(psql(url, 'SELECT v FROM t')).toBe('42')
    expect(psql(url, 'SHOW listen_addresses')).toBe('127.0.0.1')
  }, 60_000)

  it('stops and starts without blocking this process', async () => {
    const server = await startPostgres()
    servers.push(server)
    const url = server.createDatabase('kept_async')
    psql(url, 'CREATE TABLE t (v int); INSERT INTO t VALUES (7)')
    let ticks = 0
    const ticker = setInterval(() => ticks++, 5)
    try {
      await server.stopAsync()
      expect(() => psql(url, 'SELECT 1')).toThrow()
      await server.startAsync()
    } finally {
      clearInterval(ticker)
    }
    expect(ticks).toBeGreaterThan(0)
    expect(psql(url, 'SELECT v FROM t')).toBe('7')
    await expect(psqlQuery(url, "SELECT v, 'a b' FROM t UNION ALL SELECT 8, 'c' ORDER BY 1")).resolves.toEqual([
      ['7', 'a b'],
      ['8', 'c'],
    ])
    await expect(psqlQuery(url, 'SELECT nope')).rejects.toThrow(/psql failed: .*nope/)
  }, 60_000)

  it('refuses a database name it would have to quote', async () => {
    const server = await startPostgres()
    servers.push(server)
    expect(() => server.createDatabase('x; DROP DATABASE postgres')).toThrow(/not a plain database name/)
  }, 60_000)
})
