import { expect, test } from '../fixtures'
import { ConsolePage } from '../pages/console-page'
import { sharedInstance } from '../support/env'

const ACME = sharedInstance('demo-acme')
const OPT_OUT = sharedInstance('e2e-optout')

test('a connector restart reads Retrying, then Connected, without reloading the page', async ({
  page,
  privateStack,
}) => {
  const stack = await privateStack({ instances: [ACME] })
  const console_ = new ConsolePage(page)
  await page.goto(stack.loginLink())
  const card = console_.card(ACME.displayName, ACME.id)
  await card.expectAll('connected')
  let reloaded = false
  page.on('load', () => {
    reloaded = true
  })

  await stack.stopConnector()
  await card.expectAll('retrying')
  await expect(card.rows.first().getByTestId('status-badge')).toHaveAttribute('data-variant', 'warning')
  await expect(card.rows.first()).toContainText(/attempt \d+/)

  await stack.startConnector()
  await card.expectAll('connected', { timeout: 15_000 })
  expect(reloaded).toBe(false)
  await expect(console_.liveIndicator).toHaveAttribute('data-live', 'true')
})

test('a console restart shows Reconnecting and the stale banner, then both recover; opted-out stays Disabled', async ({
  page,
  privateStack,
}) => {
  const stack = await privateStack({ instances: [ACME, OPT_OUT] })
  await page.goto(stack.loginLink())
  const console_ = new ConsolePage(page)
  const acme = console_.card(ACME.displayName, ACME.id)
  const out = console_.card(OPT_OUT.displayName, OPT_OUT.id)
  await acme.expectAll('connected')
  await out.expectAll('connected')
  await out.optOut()
  await expect(console_.liveIndicator).toHaveAttribute('data-live', 'true')

  await stack.stopConsole()
  await expect(console_.liveIndicator).toHaveAttribute('data-live', 'false')
  await expect(console_.liveIndicator).toHaveText(/Reconnecting…/)
  await expect(console_.staleBanner).toBeVisible()
  await expect(console_.staleBanner).toContainText('Live updates are interrupted')

  await stack.startConsole()
  await expect(console_.liveIndicator).toHaveAttribute('data-live', 'true', { timeout: 20_000 })
  await expect(console_.staleBanner).toBeHidden()
  await out.expectAll('disabled')
  await expect(out.relaySwitch).not.toBeChecked()
  await acme.expectAll('connected')
})

test('a connector outage across the fleet is one line, "Connector unreachable", and the header stops saying all is well', async ({
  page,
  privateStack,
}) => {
  const instances = ['demo-acme', 'demo-globex', 'e2e-keyboard'].map(sharedInstance)
  const stack = await privateStack({ instances })
  const console_ = new ConsolePage(page)
  await page.goto(stack.loginLink())
  for (const i of instances) await console_.card(i.displayName, i.id).expectAll('connected')
  const incident = page.getByTestId('fleet-incident')
  await expect(incident).toBeHidden()
  await expect(console_.liveIndicator).toHaveText(/^Live/)

  await stack.stopConnector()
  await expect(incident).toContainText(/Connector unreachable since .+ — 3 instances affected/, { timeout: 15_000 })
  await expect(console_.liveIndicator).toContainText('Live — fleet incident')
  await expect(console_.liveIndicator).toHaveAttribute('data-live', 'true')

  await stack.startConnector()
  await expect(incident).toBeHidden({ timeout: 15_000 })
  await expect(console_.liveIndicator).not.toContainText('fleet incident')
})
