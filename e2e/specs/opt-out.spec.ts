import { expect, test } from '../fixtures'

test.use({ targetId: 'e2e-optout' })

test('opting out: Cancel springs back; Opt out reaches a calm Disabled through the real 4401 path', async ({
  consolePage,
  connector,
  page,
  target,
  targetCard: card,
}) => {
  // Cancel: the switch stays on, and has the focus back.
  await card.relaySwitch.click()
  const dialog = page.getByRole('alertdialog', { name: `Opt ${target.displayName} out of the relay?` })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  await expect(card.relaySwitch).toBeChecked()
  await expect(card.relaySwitch).toBeFocused()

  // Opt out: every row Disabled within 2 s — outline, PowerOff, muted (not red), no banner.
  await card.relaySwitch.click()
  await dialog.getByRole('button', { name: 'Opt out' }).click()
  await expect(dialog).toBeHidden()
  for (const row of await card.rows.all()) {
    await expect(row).toHaveAttribute('data-state', 'disabled', { timeout: 2000 })
    const badge = row.getByTestId('status-badge')
    await expect(badge).toHaveAttribute('data-variant', 'outline')
    await expect(badge).toHaveText('Disabled')
    await expect(badge.locator('svg.lucide-power-off')).toHaveCount(1)
    const message = row.getByTestId('status-message')
    await expect(message).toHaveText('Relay disabled (opted out — opt in to re-enable)')
    await expect(message).toHaveClass(/text-muted-foreground/)
    const colour = await message.evaluate((el) => getComputedStyle(el).color)
    const [r = 0, g = 0, b = 0] = (colour.match(/\d+/g) ?? []).map(Number)
    expect(r - Math.max(g, b), `message colour ${colour} is not red`).toBeLessThan(40)
  }
  await expect(card.relaySwitch).not.toBeChecked()
  await expect(consolePage.actionBanner).toBeHidden()

  // At the connector: revoked; exactly one more upgrade (the fresh-token re-dial, refused); then silence.
  await expect.poll(async () => (await connector.instance(target.gatewayId)).revoked).toBe(true)
  const { upgrades } = await connector.instance(target.gatewayId)
  expect(upgrades).toMatchObject({ accepted: 1, rejected: 1, lastOutcome: '4401 revoked' })
  const dials = upgrades.total
  await page.reload()
  await expect(consolePage.liveIndicator).toHaveAttribute('data-live', 'true')
  await card.expectAll('disabled')
  await expect(card.root.getByTestId('disabled-source')).toHaveAttribute('data-source', 'operator')
  await expect(card.root.getByTestId('disabled-source')).toHaveText('Opted out by admin')
  expect((await connector.instance(target.gatewayId)).upgrades.total).toBe(dials)
})
