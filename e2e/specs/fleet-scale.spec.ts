/**
 * The fleet at scale, as an operator works it: the table view with the keyboard, grouping by a
 * label, the view in the URL, and bulk opt-out and opt-in with one confirmation and a result.
 */
import { expect, test } from '../fixtures'
import { ConsolePage } from '../pages/console-page'
import { expectAxeClean } from '../support/axe'
import type { InstanceDef } from '../support/env'

const fleetOf = (): InstanceDef[] =>
  [
    ['bulk-a', 'Bulk Alpha', 'eu'],
    ['bulk-b', 'Bulk Bravo', 'eu'],
    ['bulk-c', 'Bulk Charlie', 'us'],
    ['bulk-d', 'Bulk Delta', 'us'],
  ].map(([id, displayName, region]) => ({
    id: id as string,
    displayName: displayName as string,
    gatewayId: `gw-${id}`,
    platforms: [{ platform: 'discord', botId: `${id}-bot` }],
    labels: { region: region as string, tenant: id as string },
  }))

test('the table view: rows by worst state, j/k and Enter open the details, Escape returns to the row; the view is in the URL', async ({
  consolePage,
  page,
}) => {
  await consolePage.open()
  await page.getByRole('button', { name: 'Table' }).click()
  await expect(page).toHaveURL(/[?&]view=table/)
  const rows = page.getByTestId('instance-row')
  await expect(rows.first()).toBeVisible()
  expect(await rows.count()).toBeGreaterThanOrEqual(2)
  await expect(page.getByRole('article')).toHaveCount(0)
  await expectAxeClean(page, 'the table view')

  await page.getByRole('button', { name: 'Name' }).click()
  await expect(page).toHaveURL(/[?&]sort=name/)
  await rows.first().focus()
  const second = await rows.nth(1).getAttribute('data-instance')
  await page.keyboard.press('j')
  await expect(rows.nth(1)).toBeFocused()
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('k')
  await expect(rows.nth(1)).toBeFocused()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog')
  await expect(dialog.getByTestId('instance-details')).toHaveAttribute('data-instance', second ?? '')
  await expect(page).toHaveURL(new RegExp(`/instances/${second}\\?`))
  await expectAxeClean(page, 'the details dialog')
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(rows.nth(1)).toBeFocused()
  await expect(page).toHaveURL(/\/\?/)

  // A reload, or the link, shows the same view; the cards are a back away.
  await page.reload()
  await expect(page.getByRole('button', { name: 'Table' })).toHaveAttribute('aria-pressed', 'true')
  await expect(page.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'ascending')
  await page.getByRole('button', { name: 'Cards' }).click()
  await expect(page.getByRole('article').first()).toBeVisible()
  await page.goBack()
  await expect(rows.first()).toBeVisible()
  // Opening the details from a link shows them over the table.
  await page.goto(`/instances/demo-acme?view=table`)
  await expect(page.getByRole('dialog').getByTestId('instance-details')).toHaveAttribute('data-instance', 'demo-acme')
})

test('the table reads right to left in Arabic, and the keyboard still walks it', async ({ consolePage, page }) => {
  await consolePage.open()
  await page.getByRole('combobox', { name: 'Language' }).selectOption('ar')
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl')
  await page.goto('/?view=table')
  const rows = page.getByTestId('instance-row')
  const table = page.getByTestId('instance-table')
  await expect(rows.first()).toBeVisible()
  // The name column starts at the right edge.
  const box = await table.boundingBox()
  const name = await rows.first().locator('td button').first().boundingBox()
  expect(box && name && name.x + name.width > box.x + box.width / 2).toBe(true)
  await rows.first().focus()
  await page.keyboard.press('j')
  await expect(rows.nth(1)).toBeFocused()
  await expectAxeClean(page, 'the table in Arabic')
  await page.getByRole('combobox').first().selectOption('en')
})

test('bulk: select, confirm with the count and names, see the result; group by a label; opt in everything shown from the table', async ({
  page,
  privateStack,
}) => {
  const fleet = fleetOf()
  const stack = await privateStack({ instances: fleet })
  await page.goto(stack.loginLink())
  const console_ = new ConsolePage(page)
  for (const i of fleet) await console_.card(i.displayName, i.id).expectAll('connected')

  await page.getByRole('checkbox', { name: 'Select Bulk Alpha' }).check()
  await page.getByRole('checkbox', { name: 'Select Bulk Charlie' }).check()
  await expect(page.getByText('2 selected')).toBeVisible()
  await page.getByRole('button', { name: 'Opt out selected' }).click()
  const confirm = page.getByRole('alertdialog', { name: 'Opt out 2 instances?' })
  await expect(confirm.getByRole('list', { name: 'Among them' })).toHaveText(/Bulk Alpha.*Bulk Charlie/s)
  await expectAxeClean(page, 'the bulk confirmation')
  await confirm.getByRole('button', { name: 'Opt out 2 instances' }).click()
  const done = page.getByRole('alertdialog', { name: 'Opted out 2 of 2' })
  await expect(done.getByTestId('bulk-summary')).toHaveText(/2 done/)
  await done.getByRole('button', { name: 'Close' }).click()
  for (const [name, id] of [
    ['Bulk Alpha', 'bulk-a'],
    ['Bulk Charlie', 'bulk-c'],
  ] as const) {
    const card = console_.card(name, id)
    await card.expectAll('disabled')
    await expect(card.root.getByTestId('disabled-source')).toHaveAttribute('data-source', 'operator')
  }
  await console_.card('Bulk Bravo', 'bulk-b').expectAll('connected')
  // Each instance got its own audit entry.
  await console_
    .card('Bulk Alpha', 'bulk-a')
    .root.getByRole('button', { name: /Show details/ })
    .click()
  await expect(page.getByTestId('instance-details')).toContainText('Opt-out by admin')

  // Grouped by region in the table, with counts per group; then everything shown, back in.
  await page.goto(`${stack.consoleUrl}/?view=table&group=region`)
  const headings = page.getByTestId('group-heading')
  await expect(headings).toHaveText([/region: eu.*2 instances.*Disabled 1.*Connected 1/, /region: us.*2 instances/])
  await expect(page.getByRole('combobox', { name: 'Group by' })).toHaveValue('region')
  await expectAxeClean(page, 'the grouped table')
  await page.getByRole('checkbox', { name: 'Select all 4 instances shown' }).check()
  await page.getByRole('button', { name: 'Opt in selected' }).click()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Opt in 4 instances' }).click()
  await expect(page.getByRole('alertdialog', { name: 'Opted in 4 of 4' })).toBeVisible()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Close' }).click()
  for (const row of await page.getByTestId('instance-row').all()) {
    await expect(row).toHaveAttribute('data-state', 'connected', { timeout: 15_000 })
  }
})
