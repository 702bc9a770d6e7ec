import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '../fixtures'
import { SHARED_INSTANCES } from '../support/env'

test('one process reads "1 replica" in the header, and opening it lists this replica holding every instance', async ({
  consolePage,
  page,
}) => {
  await consolePage.open()
  const entry = page.getByRole('banner').getByRole('button', { name: '1 replica' })
  await entry.click()

  const dialog = page.getByRole('dialog', { name: 'Console replicas' })
  await expect(dialog).toContainText('You are connected to')
  const table = dialog.getByRole('table', { name: 'Console replicas' })
  const rows = table.getByTestId('replica-row')
  await expect(rows).toHaveCount(1)
  const self = rows.first()
  await expect(self).toHaveAttribute('aria-current', 'true')
  await expect(self.getByRole('rowheader')).toContainText('This replica')
  await expect(self.getByTestId('replica-health')).toHaveText('Responding')
  await expect(self.getByRole('cell').last()).toHaveText(String(SHARED_INSTANCES.length))
  await expect(table.getByTestId('replica-total')).toHaveText(String(SHARED_INSTANCES.length))

  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .include('[role="dialog"]')
    .analyze()
  expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([])

  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(entry).toBeFocused()
})
