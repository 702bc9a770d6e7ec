import { expect, test } from '../fixtures'
import { ConsolePage } from '../pages/console-page'
import type { InstanceDef } from '../support/env'

const one = (id: string, displayName: string, platform: string): InstanceDef => ({
  id,
  displayName,
  gatewayId: `gw-${id}`,
  platforms: [{ platform, botId: `${id}-bot` }],
})

const CARDS = {
  connecting: one('vis-connecting', 'Connecting instance', 'telegram'),
  connected: one('vis-connected', 'Connected instance', 'discord'),
  retrying: one('vis-retrying', 'Retrying instance', 'slack'),
  fatal: one('vis-fatal', 'Failed instance', 'matrix'),
  disabled: one('vis-disabled', 'Disabled instance', 'whatsapp'),
}

for (const scheme of ['light', 'dark'] as const) {
  test(`one card in each of the five states looks as designed (${scheme})`, async ({ page, privateStack }) => {
    test.setTimeout(90_000)
    const stack = await privateStack({
      instances: Object.values(CARDS),
      // The connecting card stays connecting: its handshake never completes, and is never timed out.
      relay: { handshakeTimeoutMs: 600_000 },
      beforeConsole: async (connector) => {
        await connector.setFaults(CARDS.connecting.gatewayId, { silentHellos: true })
        await connector.setFaults(CARDS.fatal.gatewayId, {
          descriptors: { matrix: { platform: 'matrix', contract_version: 'one' } },
        })
        await connector.rejectUpgrades({ gatewayId: CARDS.retrying.gatewayId, count: 1_000_000 })
      },
    })
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' })
    await page.clock.install({ time: new Date() })
    await page.goto(stack.loginLink())
    const console_ = new ConsolePage(page)
    await expect(console_.liveIndicator).toHaveAttribute('data-live', 'true')
    await console_.card(CARDS.disabled.displayName, CARDS.disabled.id).optOut()

    for (const [state, def] of Object.entries(CARDS)) {
      const card = console_.card(def.displayName, def.id)
      await card.expectAll(state)
    }
    await page.clock.pauseAt(new Date(Date.now() + 1000))
    // "changed 3 s ago" grows with how long the stack took to start: give the masked time one width,
    // so a slow machine does not shift the picture.
    // The console's policy admits a <style> only with the page's nonce (docs/api.md, "Security headers").
    await page.evaluate((css) => {
      const style = document.createElement('style')
      style.nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? ''
      style.textContent = css
      document.head.append(style)
    }, 'time { display: inline-block; flex: none; width: 10rem; overflow: hidden; white-space: nowrap; }')
    for (const [state, def] of Object.entries(CARDS)) {
      const card = console_.card(def.displayName, def.id)
      await console_.search(def.displayName)
      await expect(console_.page.getByRole('article')).toHaveCount(1)
      await expect(card.root).toHaveScreenshot(`${state}-${scheme}.png`, {
        mask: [card.root.locator('time'), card.root.getByTestId('retry-line')],
      })
    }
  })
}
