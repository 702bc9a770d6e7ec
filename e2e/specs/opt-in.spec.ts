import { expect, test } from '../fixtures'

const NAME = 'Opt-in target'
const ID = 'e2e-optin'

test('opting back in goes connecting → connected with a new secret at the connector', async ({
  consolePage,
  connector,
  page,
}) => {
  await consolePage.open()
  await consolePage.search(NAME)
  const card = consolePage.card(NAME, ID)
  await card.expectAll('connected')
  await card.relaySwitch.click()
  await page.getByRole('alertdialog').getByRole('button', { name: 'Opt out' }).click()
  await card.expectAll('disabled')
  const before = (await connector.instance(`gw-${ID}`)).secretVersion

  // Watch every state a row goes through after the switch is turned on.
  await card.rows.first().evaluate((row) => {
    const seen: string[] = []
    ;(window as unknown as { seen: string[] }).seen = seen
    const target = row.closest('article') ?? row
    new MutationObserver(() => {
      for (const r of target.querySelectorAll('[data-testid="platform-row"]')) {
        const state = r.getAttribute('data-state') ?? ''
        if (seen.at(-1) !== state) seen.push(state)
      }
    }).observe(target, { subtree: true, attributes: true, attributeFilter: ['data-state'] })
  })
  await card.relaySwitch.click()
  await expect(page.getByRole('alertdialog')).toHaveCount(0)
  await expect(card.relaySwitch).toBeChecked()
  await card.expectAll('connected')
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen)
  expect(seen).toContain('connecting')
  expect(seen.at(-1)).toBe('connected')
  expect(seen).not.toContain('fatal')

  const after = await connector.instance(`gw-${ID}`)
  expect(after.revoked).toBe(false)
  expect(after.secretVersion).toBe(before + 1)
})
