/**
 * `ui`: N instances in headless Chromium. Time from navigation to the first card on screen
 * (bundle, data and render together), then R updates a second for T seconds while watching for
 * long tasks; and the gzip size of the JavaScript the first screen loads.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { REPO } from '@relay-console/testkit/procs'
import { TOKENS } from '@relay-console/testkit/tokens'
import { chromium } from 'playwright-core'
import { FleetWatcher } from '../fleet-watcher'
import type { BenchStack } from '../stack'
import { driveChanges } from './drive'

/** The JS that index.html loads before anything is lazily imported, gzipped. */
export function initialBundleGzipKb(): number {
  const dist = join(REPO, 'web', 'dist')
  const html = readFileSync(join(dist, 'index.html'), 'utf8')
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string)
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f))).length, 0)
  return bytes / 1024
}

export async function ui(
  stack: BenchStack,
  options: { changesPerSecond: number; seconds: number },
): Promise<{ first_render_ms: number; max_long_task_ms: number; long_tasks: number; bundle_gzip_kb: number }> {
  // Measure a console at rest (every instance connected), as an operator opening it would find it.
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  await watcher.until('all connected', () => watcher.count('connected') === stack.instances.length, 120_000)
  watcher.close()
  const executablePath =
    process.env.PLAYWRIGHT_CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const signIn = await context.request.post(`${stack.consoleUrl}/api/session`, {
      data: { token: TOKENS.RELAY_CONSOLE_TOKEN },
    })
    // The session's tab key goes where the web app keeps it (docs/api.md, "Sessions").
    const { key } = (await signIn.json()) as { key: string }
    const page = await context.newPage()
    await page.addInitScript((k) => localStorage.setItem('relay-console.key', k), key)
    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: number[] }
      w.longTasks = []
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.longTasks.push(entry.duration)
      }).observe({ type: 'longtask', buffered: true })
    })
    await page.goto(stack.consoleUrl)
    await page.locator('[data-testid="platform-row"]').first().waitFor()
    const firstRender = await page.evaluate(() => performance.now())
    await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor()
    await page.evaluate(() => {
      ;(window as unknown as { longTasks: number[] }).longTasks = []
    })
    const driver = driveChanges(stack, options.changesPerSecond)
    await page.waitForTimeout(options.seconds * 1000)
    await driver.stop()
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks)
    return {
      first_render_ms: firstRender,
      max_long_task_ms: Math.max(0, ...longTasks),
      long_tasks: longTasks.length,
      bundle_gzip_kb: initialBundleGzipKb(),
    }
  } finally {
    await browser.close()
  }
}
