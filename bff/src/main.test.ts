/**
 * The console as a process: `npm start -- --config FILE`, including a crash (SIGKILL) in the
 * middle of an opt-out.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunningConnector } from '@relay-console/connector'
import { afterEach, describe, expect, it } from 'vitest'
import { admin, allStates, api, IDENTITY_TOKEN, OPERATOR_TOKEN, tempDir, testConnector, until } from './test-support'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * Node itself runs the console (`node --import tsx`), not the tsx CLI: that CLI is a wrapper
 * process, and a SIGKILL to it would leave the real console running on as an orphan.
 */
function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

async function consoleProcess(configFile: string) {
  const proc = run(['--config', configFile], {
    RELAY_CONSOLE_TOKEN: OPERATOR_TOKEN,
    RELAY_IDENTITY_TOKEN: IDENTITY_TOKEN,
  })
  cleanups.push(() => stop(proc.child))
  const url = await until('the console banner', () => /running at (http:\/\/\S+)/.exec(proc.out())?.[1], 20_000)
  return { ...proc, url }
}

/** A config file with no instances, on a free port, in a directory removed after the test. */
function minimalConfigFile(): string {
  const dir = tempDir()
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'console.json')
  writeFileSync(
    file,
    JSON.stringify({ listen: { port: 0 }, stateDir: join(dir, 'state'), connector: { url: 'ws://127.0.0.1:1' } }),
  )
  return file
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

describe('npm start -- --config FILE', () => {
  it('exits non-zero naming the field when the config is invalid', async () => {
    const dir = tempDir()
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ connector: { url: 'ws://127.0.0.1:1' }, listen: { port: 'eighty' } }))
    const proc = run(['--config', file])
    expect(await proc.exited).toBe(2)
    expect(proc.err()).toContain(`invalid config ${file}`)
    expect(proc.err()).toContain('listen.port:')
  })

  it('refuses an operator token under 32 characters, naming the variable and the minimum', async () => {
    const file = minimalConfigFile()
    const proc = run(['--config', file], { RELAY_CONSOLE_TOKEN: 'x'.repeat(31) })
    cleanups.push(() => stop(proc.child))
    expect(await proc.exited).toBe(2)
    expect(proc.err()).toMatch(/RELAY_CONSOLE_TOKEN.*at least 32 characters/)
    expect(proc.out()).not.toContain('running at')
  })

  it('refuses to listen beyond loopback unless allowInsecure is set, and then warns at start', async () => {
    const dir = tempDir()
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'console.json')
    const config = {
      listen: { host: '0.0.0.0', port: 0 },
      stateDir: join(dir, 'state'),
      connector: { url: 'ws://127.0.0.1:1' },
    }
    writeFileSync(file, JSON.stringify(config))
    const refused = run(['--config', file], { RELAY_CONSOLE_TOKEN: OPERATOR_TOKEN })
    cleanups.push(() => stop(refused.child))
    expect(await refused.exited).toBe(2)
    expect(refused.err()).toMatch(/listen\.host: .*reachable from the network without TLS/)

    writeFileSync(file, JSON.stringify({ ...config, allowInsecure: true }))
    const allowed = await consoleProcess(file)
    expect(allowed.out()).toMatch(/"level":40.*listen\.host.*reachable from the network without TLS/)
  })

  it('says what to do when the port is taken, and takes the port from PORT too', async () => {
    const file = minimalConfigFile()
    const first = await consoleProcess(file)
    const port = Number(new URL(first.url).port)
    const taken = run(['--config', file], { RELAY_CONSOLE_TOKEN: OPERATOR_TOKEN, PORT: String(port) })
    cleanups.push(() => stop(taken.child))
    expect(await taken.exited).toBe(2)
    expect(taken.err()).toContain(`127.0.0.1:${port} is already in use`)
    expect(taken.err()).toContain(`--port ${port + 1}`)
    const badPort = run(['--config', file], { RELAY_CONSOLE_TOKEN: OPERATOR_TOKEN, PORT: 'http' })
    expect(await badPort.exited).toBe(2)
    expect(badPort.err()).toContain('PORT: must be a port number')
  })

  it('resumes an opt-out interrupted by a crash, and never reconnects the instance', async () => {
    const dir = tempDir()
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    let connector: RunningConnector = await testConnector({ dataDir: join(dir, 'connector') })
    cleanups.push(() => connector.stop())
    const file = join(dir, 'console.json')
    writeFileSync(
      file,
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0 },
        stateDir: join(dir, 'state'),
        connector: { url: connector.url },
        instances: [
          {
            id: 'acme',
            displayName: 'Acme support',
            gatewayId: 'gw-acme',
            platforms: [{ platform: 'discord', botId: '1' }],
          },
        ],
        relay: { backoffBaseMs: 50, backoffMaxMs: 300 },
      }),
    )
    const first = await consoleProcess(file)
    const acme = async (url: string) => (await api(url, 'GET', '/api/instances')).json.instances[0]
    await until('connected', async () => allStates(await acme(first.url), 'connected'), 10_000)

    // The connector goes away; the opt-out's intent is written, the deprovision fails.
    const port = connector.port
    await connector.stop()
    const res = await api(first.url, 'PUT', '/api/instances/acme/relay', { optedIn: false })
    expect(res.status).toBe(502)
    first.child.kill('SIGKILL')
    await first.exited

    connector = await testConnector({ dataDir: join(dir, 'connector'), port })
    cleanups.push(() => connector.stop())
    const second = await consoleProcess(file)
    expect(await acme(second.url)).toMatchObject({ optedIn: false })
    expect(allStates(await acme(second.url), 'disabled')).toBe(true)
    await until(
      'revoked at the connector',
      async () => (await admin(connector, 'GET', '/instances/gw-acme')).revoked,
      10_000,
    )
    await until('pending cleared', async () => (await acme(second.url)).pending === null, 10_000)
    await new Promise((r) => setTimeout(r, 500))
    expect((await admin(connector, 'GET', '/instances/gw-acme')).upgrades.total).toBe(0)
  })
})

describe('reloading the config file (docs/configuration.md, "Changing the fleet without a restart")', () => {
  it('applies a new instance on SIGHUP and on a change of the file, and refuses a bad file naming the field', async () => {
    const dir = tempDir()
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const connector = await testConnector()
    cleanups.push(() => connector.stop())
    const instance = (id: string, platforms: unknown[] = [{ platform: 'discord', botId: id }]) => ({
      id,
      displayName: id,
      gatewayId: `gw-${id}`,
      platforms,
    })
    const write = (path: string, instances: unknown[]) =>
      writeFileSync(
        path,
        JSON.stringify({
          listen: { host: '127.0.0.1', port: 0 },
          stateDir: join(dir, 'state'),
          connector: { url: connector.url },
          instances,
          relay: { backoffBaseMs: 50, backoffMaxMs: 300 },
        }),
      )
    // The console reads a link to the file: what is written through it changes no entry of the
    // watched directory, so only SIGHUP tells the console.
    const file = join(dir, 'console.json')
    const target = join(dir, 'target.json')
    write(target, [instance('acme')])
    symlinkSync(target, file)
    const proc = await consoleProcess(file)
    const ids = async () => (await api(proc.url, 'GET', '/api/instances')).json.instances.map((i: any) => i.id)
    const connected = async (id: string) =>
      allStates(
        (await api(proc.url, 'GET', '/api/instances')).json.instances.find((i: any) => i.id === id),
        'connected',
      )
    await until('acme connected', () => connected('acme'), 10_000)

    write(target, [instance('acme'), instance('globex')])
    await new Promise((r) => setTimeout(r, 500))
    expect(await ids()).toEqual(['acme'])
    proc.child.kill('SIGHUP')
    await until('globex connected', () => connected('globex'), 10_000)
    expect(proc.child.exitCode).toBeNull()

    // No signal: the file replaced (as an editor saves it) is enough.
    write(`${file}.tmp`, [instance('acme'), instance('globex'), instance('initech')])
    renameSync(`${file}.tmp`, file)
    await until('initech connected', () => connected('initech'), 10_000)

    write(file, [instance('acme'), instance('globex', [])])
    await until('the refusal logged', () => proc.out().includes('config reload refused'), 10_000)
    const refusal =
      proc
        .out()
        .split('\n')
        .find((line) => line.includes('config reload refused')) ?? ''
    expect(JSON.parse(refusal)).toMatchObject({ level: 50 })
    expect(refusal).toContain('instances[1].platforms')
    expect(await ids()).toEqual(['acme', 'globex', 'initech'])
    expect((await admin(connector, 'GET', '/instances/gw-initech')).connections).toBe(1)
    expect((await admin(connector, 'GET', '/instances/gw-acme')).upgrades.accepted).toBe(1)
    expect(proc.child.exitCode).toBeNull()
  })
})
