import { expect, test } from '../fixtures'

const NAME = 'Revocation target'
const ID = 'e2e-revoke'

test('a revocation started at the connector reads Disabled, turns the switch off, and is audited', async ({
  consolePage,
  connector,
}) => {
  const card = await consolePage.openConnectedCard(NAME, ID)

  await connector.revoke(`gw-${ID}`)
  await card.expectAll('disabled')
  await expect(card.row('telegram').getByTestId('status-badge')).toHaveAttribute('data-variant', 'outline')
  await expect(card.relaySwitch).not.toBeChecked()
  await expect(consolePage.actionBanner).toBeHidden()

  await card.detailsButton.click()
  await expect(card.root.getByRole('region', { name: 'Operator actions' })).toContainText(
    'Relay access revoked by the connector',
  )
})
