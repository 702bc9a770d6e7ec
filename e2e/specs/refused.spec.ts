import { expect, test } from '../fixtures'

test.use({ targetId: 'e2e-refused' })

test('an instance refused 4401 from the start keeps Retrying (amber), never Disabled, until it is accepted', async ({
  connector,
  target,
  targetCard: card,
}) => {
  // A new transport (opt out, then in) whose every upgrade is refused 4401 — no handshake, ever.
  await card.optOut()
  await connector.rejectUpgrades({ gatewayId: target.gatewayId, count: 100_000, code: 4401, reason: 'unauthorized' })
  await card.relaySwitch.click()

  const row = card.row('slack')
  await expect(row).toHaveAttribute('data-state', 'retrying')
  await expect(row.getByTestId('status-badge')).toHaveAttribute('data-variant', 'warning')
  await expect(row.getByTestId('status-message')).toHaveText("The connector refused this instance's credentials")
  const attempt = async () => Number(/attempt (\d+)/.exec((await row.textContent()) ?? '')?.[1] ?? 0)
  await expect.poll(attempt).toBeGreaterThanOrEqual(2)
  const first = await attempt()
  await expect.poll(attempt).toBeGreaterThan(first)
  await expect(row).toHaveAttribute('data-state', 'retrying')
  await expect(card.relaySwitch).toBeChecked()

  await connector.clearRejections(target.gatewayId)
  await expect(row).toHaveAttribute('data-state', 'connected')
  await expect(row.getByTestId('status-badge')).toHaveAttribute('data-variant', 'success')
})
