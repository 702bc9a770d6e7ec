import { expect, test } from '../fixtures'

test('the fleet renders with every platform connected and a Live indicator', async ({ consolePage, page }) => {
  await consolePage.open()
  await expect(consolePage.liveIndicator).toHaveText(/Live/)
  for (const [name, id, platforms] of [
    ['Acme support', 'demo-acme', ['Discord', 'Telegram']],
    ['Globex helpdesk', 'demo-globex', ['Slack', 'Discord', 'WhatsApp']],
  ] as const) {
    const card = consolePage.card(name, id)
    await expect(card.relaySwitch).toBeChecked()
    await expect(card.rows).toHaveCount(platforms.length)
    await card.expectAll('connected')
    for (const label of platforms) await expect(card.rows.filter({ hasText: label })).toHaveCount(1)
    await expect(card.rows.getByTestId('status-badge').first()).toHaveAttribute('data-variant', 'success')
  }
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Relay Console')
})
