/**
 * The built web app is served from its folder and nothing above it: request paths that climb out
 * of it (raw, encoded, doubly encoded, with backslashes) reach no file outside, whatever the
 * client sends on the wire (a raw socket, so nothing normalises the path first).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { RunningConnector } from '@relay-console/connector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningConsole } from '../service'
import { tempDir, testConfig, testConnector, testConsole } from '../test-support'

const SECRET = 'this-file-is-outside-the-web-root'
let connector: RunningConnector
let running: RunningConsole
let home: string
beforeAll(async () => {
  home = tempDir('relay-console-static-')
  const webRoot = join(home, 'web')
  mkdirSync(join(webRoot, 'assets'), { recursive: true })
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>shell</title>')
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(home, 'secret.txt'), SECRET)
  connector = await testConnector()
  running = await testConsole(testConfig(connector.url, { instances: [] }), { webRoot })
})
afterAll(async () => {
  await running.stop()
  await connector.stop()
  rmSync(home, { recursive: true, force: true })
})

/** Sends `GET <path>` exactly as given and returns the whole raw answer. */
function rawGet(path: string): Promise<string> {
  const { hostname, port } = new URL(running.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`)
    })
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1')
    })
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

describe('static files', () => {
  it('serves the app from its folder', async () => {
    expect(await rawGet('/assets/app.js')).toContain('console.log(1)')
  })

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%252e%252e/secret.txt',
    '/..%5csecret.txt',
    '/assets/..\\..\\secret.txt',
    '//secret.txt',
  ])('never serves a file above the web root for %s', async (path) => {
    const answer = await rawGet(path)
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3}/)
    expect(answer).not.toContain(SECRET)
  })
})
