import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures'

test.use({ targetId: 'e2e-keyboard' })

/** Presses Tab until the element has focus, as a person would. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')
    if (focused === name) return
  }
  throw new Error(`could not Tab to ${name}`)
}

test('opting out and in by keyboard alone: Tab, Space, Enter, Esc', async ({ page, target, targetCard: card }) => {
  await page.locator('body').click({ position: { x: 1, y: 1 } })

  await tabTo(page, `Relay for ${target.displayName}`)
  await expect(card.relaySwitch).toBeFocused()

  // Space opens the question; Esc leaves everything as it was.
  await page.keyboard.press('Space')
  const dialog = page.getByRole('alertdialog', { name: `Opt ${target.displayName} out of the relay?` })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(card.relaySwitch).toBeFocused()
  await expect(card.relaySwitch).toBeChecked()

  // Space again, Tab to "Opt out", Enter.
  await page.keyboard.press('Space')
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(dialog.getByRole('button', { name: 'Opt out' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(dialog).toBeHidden()
  await card.expectAll('disabled')
  await expect(card.relaySwitch).toBeFocused()

  // Space on the switch opts back in, no question asked; focus stays on the switch throughout.
  await page.keyboard.press('Space')
  await expect(card.relaySwitch).toBeChecked()
  await card.expectAll('connected')
  await expect(card.relaySwitch).toBeFocused()
})
