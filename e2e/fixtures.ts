/**
 * Fixtures: the console page on the shared stack, its connector's admin API, the instance a spec
 * file works on (`test.use({ targetId })`) with its card open, and private stacks for tests that
 * restart servers.
 * @module
 */
import { test as base } from '@playwright/test'
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
}

export const test = base.extend<Options & Fixtures>({
  targetId: ['', { option: true }],
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

export { expect } from '@playwright/test'
