import { expect, test } from '../fixtures'

test.use({ targetId: 'e2e-revoke' })

test('a revocation started at the connector reads Disabled, turns the switch off, and is audited', async ({
  consolePage,
  connector,
  target,
  targetCard: card,
}) => {
  await connector.revoke(target.gatewayId)
  await card.expectAll('disabled')
  await expect(card.row('telegram').getByTestId('status-badge')).toHaveAttribute('data-variant', 'outline')
  await expect(card.relaySwitch).not.toBeChecked()
  await expect(consolePage.actionBanner).toBeHidden()
  // Calm, but not mistaken for an operator's choice: the card says the connector did it.
  const source = card.root.getByTestId('disabled-source')
  await expect(source).toHaveAttribute('data-source', 'connector')
  await expect(source).toHaveText('Revoked by the connector, outside this console')

  await card.detailsButton.click()
  await expect(card.root.getByRole('region', { name: 'Operator actions' })).toContainText(
    'Relay access revoked by the connector',
  )
})
