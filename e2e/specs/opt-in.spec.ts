import { expect, test } from '../fixtures'

test.use({ targetId: 'e2e-optin' })

test('opting back in goes connecting → connected with a new secret at the connector', async ({
  consolePage,
  connector,
  target,
  targetCard: card,
}) => {
  await card.optOut()
  const before = (await connector.instance(target.gatewayId)).secretVersion

  // A connector that takes a moment to describe the platforms, so `connecting` is there to see.
  await connector.setFaults(target.gatewayId, { helloDelayMs: 5000 })
  try {
    await card.relaySwitch.click()
    await expect(consolePage.page.getByRole('alertdialog')).toHaveCount(0)
    await expect(card.relaySwitch).toBeChecked()
    await card.expectAll('connecting')
    const badge = card.rows.first().getByTestId('status-badge')
    await expect(badge).toHaveAttribute('data-variant', 'outline')
    await expect(badge).toHaveText('Connecting')
    await expect(badge.locator('svg.lucide-loader-circle')).toHaveCount(1)
    await card.expectAll('connected')
  } finally {
    await connector.clearFaults(target.gatewayId)
  }

  const after = await connector.instance(target.gatewayId)
  expect(after.revoked).toBe(false)
  expect(after.secretVersion).toBe(before + 1)
})
