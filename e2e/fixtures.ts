/**
 * Fixtures: the console page on the shared stack, its connector's admin API, the instance a spec
 * file works on (`test.use({ targetId })`) with its card open, and private stacks for tests that
 * restart servers. Every test also watches its page for Content-Security-Policy violations and
 * fails on any (docs/api.md, "Security headers"): the real app must run under the real policy.
 * @module
 */
import { test as base, expect } from '@playwright/test'
import { ConnectorAdmin } from '@relay-console/testkit/connector-admin'
import { ConsolePage, type InstanceCard } from './pages/console-page'
import { ADMIN_TOKEN, type InstanceDef, SHARED_CONNECTOR_URL, sharedInstance } from './support/env'
import { type PrivateStack, startPrivateStack } from './support/stack'

interface Options {
  /** The shared instance a spec file's tests act on (each has its own, so files run in parallel). */
  targetId: string
}

interface Fixtures {
  consolePage: ConsolePage
  connector: ConnectorAdmin
  /** The `targetId` instance as the shared stack has it configured. */
  target: InstanceDef
  /** The console open on the target's card, every badge Connected. */
  targetCard: InstanceCard
  privateStack: (options: Parameters<typeof startPrivateStack>[0]) => Promise<PrivateStack>
  /** What the page's Content-Security-Policy refused; must stay empty (checked after each test). */
  cspViolations: string[]
}

export const test = base.extend<Options & Fixtures>({
  targetId: ['', { option: true }],
  cspViolations: [
    async ({ page }, use) => {
      const seen: string[] = []
      await page.exposeFunction('__reportCspViolation', (text: string) => {
        seen.push(text)
      })
      await page.addInitScript(() => {
        document.addEventListener(
          'securitypolicyviolation',
          (e) => {
            const report = (window as unknown as { __reportCspViolation: (text: string) => void }).__reportCspViolation
            void report(
              `${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`,
            )
          },
          true,
        )
      })
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) seen.push(message.text())
      })
      await use(seen)
      expect(seen, 'Content-Security-Policy violations').toEqual([])
    },
    { auto: true },
  ],
  consolePage: async ({ page }, use) => {
    await use(new ConsolePage(page))
  },
  target: async ({ targetId }, use) => {
    await use(sharedInstance(targetId))
  },
  targetCard: async ({ consolePage, target }, use) => {
    await use(await consolePage.openConnectedCard(target.displayName, target.id))
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  connector: async ({}, use) => {
    await use(new ConnectorAdmin(SHARED_CONNECTOR_URL, ADMIN_TOKEN))
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  privateStack: async ({}, use) => {
    const stacks: PrivateStack[] = []
    await use(async (options) => {
      const stack = await startPrivateStack(options)
      stacks.push(stack)
      return stack
    })
    await Promise.all(stacks.map((s) => s.stop()))
  },
})

export { expect }
