import { expect, test } from '../fixtures'
import { expectAxeClean } from '../support/axe'

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} theme`, () => {
    test.use({ colorScheme: scheme })

    test('the login page has no WCAG 2.1 A/AA violation', async ({ page }) => {
      await page.goto('/login')
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme)
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
      await expectAxeClean(page, 'the login page')
    })

    test('the fleet, the open dialog and the detail view have no WCAG 2.1 A/AA violation', async ({
      consolePage,
      page,
    }) => {
      await consolePage.open()
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme)
      await consolePage.card('Acme support', 'demo-acme').expectAll('connected')
      await expectAxeClean(page, 'the fleet view')

      const card = consolePage.card('Acme support', 'demo-acme')
      await card.relaySwitch.click()
      const dialog = page.getByRole('alertdialog')
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
      await expectAxeClean(page, 'the opt-out dialog', '[role="alertdialog"]')
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await expect(dialog).toBeHidden()

      await card.detailsButton.click()
      await expect(
        card.root.getByRole('region', { name: 'Recent changes' }).getByRole('listitem').first(),
      ).toBeVisible()
      await expectAxeClean(page, 'the detail view')
      await card.detailsButton.click()
    })
  })
}
