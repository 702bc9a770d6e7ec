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

test('at phone width no card overflows in Russian, and Arabic timeline arrows point the way the line reads', async ({
  consolePage,
  page,
}) => {
  await page.setViewportSize({ width: 360, height: 800 })
  await consolePage.open()
  const card = consolePage.card('Acme support', 'demo-acme')
  await card.expectAll('connected')
  const language = page.getByRole('combobox', { name: 'Language' })

  const ru = locale('ru')
  await language.selectOption('ru')
  await expect(card.root.getByRole('button', { name: new RegExp(ru.card.showDetails) })).toBeVisible()
  const overflowing = await page
    .locator('article')
    .evaluateAll((articles) =>
      articles.filter((a) => a.scrollWidth > a.clientWidth).map((a) => a.getAttribute('data-instance-card')),
    )
  expect(overflowing).toEqual([])

  const ar = locale('ar')
  await page.getByRole('combobox', { name: ru.header.language }).selectOption('ar')
  await card.root.getByRole('button', { name: new RegExp(ar.card.showDetails) }).click()
  const arrow = card.root.getByTestId('transition-arrow').first()
  await expect(arrow).toBeVisible()
  // Mirrored: the arrow points left, from the earlier state (on the right) to the later one.
  const scaleX = () => arrow.evaluate((el) => Number.parseFloat(getComputedStyle(el).scale.split(' ')[0] ?? '1'))
  expect(await scaleX()).toBeLessThan(0)
  await page.getByRole('combobox', { name: ar.header.language }).selectOption('en')
  await expect(async () => expect(await scaleX()).not.toBeLessThan(0)).toPass()
})
