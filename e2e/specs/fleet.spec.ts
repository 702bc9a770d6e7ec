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

test('the view lives in the URL: a reload or a link shows the same, /instances/:id opens one, back and forward work', async ({
  consolePage,
  page,
}) => {
  await consolePage.open()
  const search = page.getByRole('searchbox', { name: 'Search instances' })
  const sort = page.getByRole('combobox', { name: 'Sort' })
  await search.fill('globex')
  await expect(page).toHaveURL(/\/\?q=globex$/)
  await sort.selectOption('name')
  await expect(page).toHaveURL(/\/\?q=globex&sort=name$/)

  await page.reload()
  await expect(search).toHaveValue('globex')
  await expect(sort).toHaveValue('name')
  await expect(page.getByRole('article')).toHaveCount(1)

  await page.goBack()
  await expect(page).toHaveURL(/\/\?q=globex$/)
  await expect(sort).toHaveValue('problems')

  await page.goto('/instances/demo-acme')
  const details = page.getByTestId('instance-details')
  await expect(details).toHaveAttribute('data-instance', 'demo-acme')
  await expect(page.getByRole('article', { name: 'Acme support' })).toBeFocused()
  await page.getByRole('button', { name: 'Hide details (Acme support)' }).click()
  await expect(page).toHaveURL(/\/$/)
  await page.getByRole('button', { name: 'Show details (Globex helpdesk)' }).click()
  await expect(page).toHaveURL(/\/instances\/demo-globex$/)
})
