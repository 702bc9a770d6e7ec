/**
 * `ui`: N instances in headless Chromium. Time from navigation to the first card on screen
 * (bundle, data and render together), then R updates a second for T seconds while watching for
 * long tasks; and the gzip size of the JavaScript the first screen loads.
 *
 * `ui_table`: the same in the table view (`?view=table`), plus the time from a keystroke in the
 * search box to the updated table on screen, and long tasks while scrolling through the table.
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

/** A signed-in page in headless Chromium that records long tasks, on a console at rest. */
async function openConsole<T>(
  stack: BenchStack,
  use: (page: import('playwright-core').Page) => Promise<T>,
): Promise<T> {
  // Measure a console at rest (every instance connected), as an operator opening it would find it.
  const watcher = new FleetWatcher(stack.consoleUrl)
  await watcher.client.connected
  await watcher.until('all connected', () => watcher.count('connected') === stack.instances.length, 180_000)
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
    return await use(page)
  } finally {
    await browser.close()
  }
}

/** The long tasks seen since the last call (and forgets them). */
async function takeLongTasks(page: import('playwright-core').Page): Promise<number[]> {
  return page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] }
    const tasks = w.longTasks
    w.longTasks = []
    return tasks
  })
}

export async function ui(
  stack: BenchStack,
  options: { changesPerSecond: number; seconds: number },
): Promise<{ first_render_ms: number; max_long_task_ms: number; long_tasks: number; bundle_gzip_kb: number }> {
  return openConsole(stack, async (page) => {
    await page.goto(`${stack.consoleUrl}/?view=cards`)
    await page.locator('[data-testid="platform-row"]').first().waitFor()
    const firstRender = await page.evaluate(() => performance.now())
    await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor()
    await takeLongTasks(page)
    const driver = driveChanges(stack, options.changesPerSecond)
    await page.waitForTimeout(options.seconds * 1000)
    await driver.stop()
    const longTasks = await takeLongTasks(page)
    return {
      first_render_ms: firstRender,
      max_long_task_ms: Math.max(0, ...longTasks),
      long_tasks: longTasks.length,
      bundle_gzip_kb: initialBundleGzipKb(),
    }
  })
}

export interface UiTableResult {
  first_render_ms: number
  keystroke_p50_ms: number
  keystroke_max_ms: number
  scroll_max_long_task_ms: number
  updates_max_long_task_ms: number
  long_tasks: number
}

/**
 * The table view: first row on screen; then, with R updates a second, scrolling from top to bottom
 * and back; then typing a search one key at a time, timing each key from its event to the frame
 * after the table shows the new result.
 */
export async function uiTable(
  stack: BenchStack,
  options: { changesPerSecond: number; seconds: number },
): Promise<UiTableResult> {
  return openConsole(stack, async (page) => {
    await page.goto(`${stack.consoleUrl}/?view=table`)
    await page.locator('[data-testid="instance-row"]').first().waitFor()
    const firstRender = await page.evaluate(() => performance.now())
    await page.locator('[data-testid="live-indicator"][data-live="true"]').waitFor()
    await takeLongTasks(page)

    const driver = driveChanges(stack, options.changesPerSecond)
    // Updates alone, then updates while scrolling through the whole table and back.
    await page.waitForTimeout((options.seconds * 1000) / 2)
    const updates = await takeLongTasks(page)
    const height = await page.evaluate(() => document.documentElement.scrollHeight)
    const steps = 40
    for (let i = 1; i <= steps; i++) {
      await page.mouse.wheel(0, height / steps)
      await page.waitForTimeout(((options.seconds * 1000) / 2 / steps) * 0.5)
    }
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.waitForTimeout(200)
    const scrolling = await takeLongTasks(page)
    await driver.stop()

    // Each key: from its keydown to the next frame after the "Showing N of M" line changes.
    await page.evaluate(() => {
      const w = window as unknown as { keyLatencies: number[] }
      w.keyLatencies = []
      const search = document.querySelector<HTMLInputElement>('input[type="search"]')
      const line = [...document.querySelectorAll('p[aria-live="polite"]')].find((p) => /\d/.test(p.textContent ?? ''))
      if (search === null || line === undefined) throw new Error('no search box or result line')
      let pressedAt: number | null = null
      search.addEventListener('keydown', (event) => {
        pressedAt = event.timeStamp
      })
      new MutationObserver(() => {
        const at = pressedAt
        if (at === null) return
        pressedAt = null
        requestAnimationFrame(() => w.keyLatencies.push(performance.now() - at))
      }).observe(line, { childList: true, characterData: true, subtree: true })
    })
    await page.locator('input[type="search"]').focus()
    const first = stack.instances[Math.floor(stack.instances.length / 3)]?.id ?? 'b'
    for (const key of first) {
      await page.keyboard.press(key === '-' ? 'Minus' : key)
      await page.waitForTimeout(300)
    }
    for (let i = 0; i < first.length; i++) {
      await page.keyboard.press('Backspace')
      await page.waitForTimeout(300)
    }
    const keys = await page.evaluate(() => (window as unknown as { keyLatencies: number[] }).keyLatencies)
    const sorted = [...keys].sort((a, b) => a - b)
    const rest = await takeLongTasks(page)
    return {
      first_render_ms: firstRender,
      keystroke_p50_ms: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
      keystroke_max_ms: sorted.at(-1) ?? Number.NaN,
      scroll_max_long_task_ms: Math.max(0, ...scrolling),
      updates_max_long_task_ms: Math.max(0, ...updates),
      long_tasks: updates.length + scrolling.length + rest.length,
    }
  })
}
