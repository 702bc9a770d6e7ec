/**
 * Fixtures: the console page on the shared stack, its connector's admin API, and private stacks
 * for tests that restart servers.
 * @module
 */
import { test as base } from '@playwright/test'
import { ConnectorAdmin } from '@relay-console/testkit/connector-admin'
import { ConsolePage } from './pages/console-page'
import { ADMIN_TOKEN, SHARED_CONNECTOR_URL } from './support/env'
import { type PrivateStack, startPrivateStack } from './support/stack'

interface Fixtures {
  consolePage: ConsolePage
  connector: ConnectorAdmin
  privateStack: (options: Parameters<typeof startPrivateStack>[0]) => Promise<PrivateStack>
}

export const test = base.extend<Fixtures>({
  consolePage: async ({ page }, use) => {
    await use(new ConsolePage(page))
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
