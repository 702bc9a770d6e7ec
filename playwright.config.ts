/**
 * End-to-end tests in a real Chromium against the real stack: the reference connector and the
 * console serving the built web app, each on its own loopback port, with fresh state per run.
 * Chromium is Debian's (/usr/bin/chromium) unless PLAYWRIGHT_CHROMIUM_PATH says otherwise; on a
 * machine with Playwright's own browser and neither of those, Playwright's is used.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'
import {
  consoleConfig,
  PROCESS_ENV,
  SHARED_CONNECTOR_PORT,
  SHARED_CONNECTOR_URL,
  SHARED_CONSOLE_PORT,
  SHARED_CONSOLE_URL,
  SHARED_INSTANCES,
  TSX,
} from './e2e/support/env'

const chromium =
  process.env.PLAYWRIGHT_CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)

// The main process writes the shared stack's config once; workers inherit the directory.
if (process.env.E2E_RUN_DIR === undefined) {
  process.env.E2E_RUN_DIR = mkdtempSync(join(tmpdir(), 'relay-console-e2e-shared-'))
  mkdirSync(join(process.env.E2E_RUN_DIR, 'console'), { recursive: true })
  writeFileSync(
    join(process.env.E2E_RUN_DIR, 'console.json'),
    JSON.stringify(
      consoleConfig({
        port: SHARED_CONSOLE_PORT,
        connectorPort: SHARED_CONNECTOR_PORT,
        stateDir: join(process.env.E2E_RUN_DIR, 'console'),
        instances: SHARED_INSTANCES,
      }),
    ),
  )
}
const runDir = process.env.E2E_RUN_DIR

export default defineConfig({
  testDir: './e2e/specs',
  timeout: 45_000,
  expect: {
    timeout: 8000,
    toHaveScreenshot: { animations: 'disabled', caret: 'hide', maxDiffPixels: 150, threshold: 0.05 },
  },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: SHARED_CONSOLE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium', viewport: { width: 1280, height: 900 } } }],
  webServer: [
    {
      command: `${TSX} connector/src/main.ts --port ${SHARED_CONNECTOR_PORT} --data ${join(runDir, 'connector')} --ping-interval-ms 5000`,
      url: `${SHARED_CONNECTOR_URL}/healthz`,
      env: PROCESS_ENV,
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 3000 },
    },
    {
      command: `npm run build --silent && ${TSX} bff/src/main.ts --config ${join(runDir, 'console.json')}`,
      url: `${SHARED_CONSOLE_URL}/healthz`,
      env: PROCESS_ENV,
      reuseExistingServer: false,
      timeout: 120_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 3000 },
    },
  ],
})
