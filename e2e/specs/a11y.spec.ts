import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures'

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

async function expectNoViolations(page: Page, what: string, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(TAGS)
  if (include !== undefined) builder = builder.include(include)
  const { violations } = await builder.analyze()
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
  expect(summary, `accessibility of ${what}`).toEqual([])
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} theme`, () => {
    test.use({ colorScheme: scheme })

    test('the login page has no WCAG 2.1 A/AA violation', async ({ page }) => {
      await page.goto('/login')
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme)
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
      await expectNoViolations(page, 'the login page')
    })

    test('the fleet, the open dialog and the detail view have no WCAG 2.1 A/AA violation', async ({
      consolePage,
      page,
    }) => {
      await consolePage.open()
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme)
      await consolePage.card('Acme support', 'demo-acme').expectAll('connected')
      await expectNoViolations(page, 'the fleet view')

      const card = consolePage.card('Acme support', 'demo-acme')
      await card.relaySwitch.click()
      const dialog = page.getByRole('alertdialog')
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
      await expectNoViolations(page, 'the opt-out dialog', '[role="alertdialog"]')
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await expect(dialog).toBeHidden()

      await card.detailsButton.click()
      await expect(
        card.root.getByRole('region', { name: 'Recent changes' }).getByRole('listitem').first(),
      ).toBeVisible()
      await expectNoViolations(page, 'the detail view')
      await card.detailsButton.click()
    })
  })
}
