/**
 * A maintenance window as an operator schedules it: from the account menu, over instances picked
 * by a label, starting now. The cards go Disabled, saying "In maintenance until …", while the rest
 * of the fleet stays up; ending the window early brings them back.
 */
import { expect, test } from '../fixtures'
import { ConsolePage } from '../pages/console-page'
import { expectAxeClean } from '../support/axe'
import type { InstanceDef } from '../support/env'

const FLEET: InstanceDef[] = [
  ['mw-a', 'Window Alpha', 'db'],
  ['mw-b', 'Window Bravo', 'db'],
  ['mw-c', 'Window Charlie', 'web'],
].map(([id, displayName, tier]) => ({
  id: id as string,
  displayName: displayName as string,
  gatewayId: `gw-${id}`,
  platforms: [
    { platform: 'discord', botId: `${id}-bot` },
    { platform: 'telegram', botId: `${id}-tg` },
  ],
  labels: { tier: tier as string },
}))

test('scheduling a window by label: its cards go Disabled "In maintenance until …" and come back when it ends', async ({
  page,
  privateStack,
}) => {
  const stack = await privateStack({ instances: FLEET })
  await page.goto(stack.loginLink())
  const fleet = new ConsolePage(page)
  for (const i of FLEET) await fleet.card(i.displayName, i.id).expectAll('connected')

  await page.getByTestId('account-menu').click()
  await page.getByRole('menuitem', { name: 'Maintenance windows' }).click()
  await expect(page).toHaveURL(/\/maintenance$/)
  await expect(page.getByRole('heading', { name: 'Maintenance windows' })).toBeVisible()
  const form = page.getByTestId('maintenance-form')
  await form.getByRole('button', { name: 'Schedule' }).click()
  await expect(form.getByText('Give the window a name.')).toBeVisible()
  await expect(form.getByRole('textbox', { name: 'Name' })).toHaveAttribute('aria-invalid', 'true')

  await form.getByRole('textbox', { name: 'Name' }).fill('db upgrade')
  await form.getByRole('radio', { name: 'Instances with labels' }).check()
  await form.getByRole('textbox', { name: 'Labels' }).fill('tier:db')
  // Starts now (the form's default), ends in an hour.
  await expectAxeClean(page, 'the maintenance page')
  await form.getByRole('button', { name: 'Schedule' }).click()
  await expect(form.getByRole('status')).toHaveText('Scheduled “db upgrade”.')
  const row = page.getByTestId('maintenance-row').filter({ hasText: 'db upgrade' })
  await expect(row).toHaveAttribute('data-state', 'active')
  await expect(row).toContainText('tier:db')
  await expect(row).toContainText('2 opted out')

  await page.getByRole('button', { name: 'Back to the fleet' }).click()
  for (const [name, id] of [
    ['Window Alpha', 'mw-a'],
    ['Window Bravo', 'mw-b'],
  ] as const) {
    const card = fleet.card(name, id)
    await card.expectAll('disabled')
    const source = card.root.getByTestId('disabled-source')
    await expect(source).toHaveAttribute('data-source', 'maintenance')
    // A time of day; with the date when the window ends another day (an hour from now may be tomorrow).
    await expect(source).toHaveText(/^In maintenance until ([A-Z][a-z]{2} \d{1,2}, \d{4}, )?\d{1,2}:\d{2}( [AP]M)?$/)
  }
  await fleet.card('Window Charlie', 'mw-c').expectAll('connected')

  // Ending it early opts back in only what it opted out.
  await page.getByTestId('account-menu').click()
  await page.getByRole('menuitem', { name: 'Maintenance windows' }).click()
  await page.getByRole('button', { name: 'End the window db upgrade now' }).click()
  await expect(row).toHaveAttribute('data-state', 'ended')
  await page.getByRole('button', { name: 'Back to the fleet' }).click()
  for (const i of FLEET) await fleet.card(i.displayName, i.id).expectAll('connected')

  // Each instance's audit says the window did it.
  await fleet
    .card('Window Alpha', 'mw-a')
    .root.getByRole('button', { name: /Show details/ })
    .click()
  await expect(page.getByTestId('instance-details')).toContainText('Opt-out by maintenance:db upgrade')

  // A selection in the fleet opens the form over those instances.
  await page.keyboard.press('Escape')
  await page.getByRole('checkbox', { name: 'Select Window Charlie' }).check()
  await page.getByRole('button', { name: 'Schedule maintenance' }).click()
  await expect(page).toHaveURL(/\/maintenance\?ids=mw-c$/)
  await expect(page.getByRole('textbox', { name: 'Instance ids' })).toHaveValue('mw-c')
})
