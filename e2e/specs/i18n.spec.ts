import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO } from '@relay-console/testkit/procs'
import { expect, test } from '../fixtures'

const locale = (code: string) => JSON.parse(readFileSync(join(REPO, 'locales', `${code}.json`), 'utf8'))

test('switching to Arabic turns the page right-to-left and translates badges; Japanese too; the choice is kept', async ({
  consolePage,
  page,
}) => {
  await consolePage.open()
  const card = consolePage.card('Acme support', 'demo-acme')
  await card.expectAll('connected')
  const language = page.getByRole('combobox', { name: 'Language' })

  const ar = locale('ar')
  await language.selectOption('ar')
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl')
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar')
  await expect(card.rows.first().getByTestId('status-badge')).toHaveText(ar.status.connected)
  await expect(page.getByRole('switch', { name: ar.card.relayFor.replace('{{name}}', 'Acme support') })).toBeVisible()

  const ja = locale('ja')
  await page.getByRole('combobox', { name: ar.header.language }).selectOption('ja')
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr')
  await expect(card.rows.first().getByTestId('status-badge')).toHaveText(ja.status.connected)
  await expect(consolePage.liveIndicator).toContainText(ja.live.live)

  await page.reload()
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja')
  await expect(card.rows.first().getByTestId('status-badge')).toHaveText(ja.status.connected)
  await page.getByRole('combobox', { name: ja.header.language }).selectOption('en')
})
