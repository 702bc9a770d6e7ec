import { expect, test } from '../fixtures'
import { OPERATOR_TOKEN, SHARED_INSTANCES } from '../support/env'

test('the one-time login link signs in, once', async ({ page, privateStack }) => {
  const stack = await privateStack({ instances: SHARED_INSTANCES.slice(0, 1) })
  const link = stack.loginLink()
  await page.goto(link)
  await expect(page).toHaveURL(`${stack.consoleUrl}/`)
  await expect(page.getByRole('switch', { name: 'Relay for Acme support' })).toBeVisible()

  // A second use of the same link does not sign anyone in.
  await page.context().clearCookies()
  await page.goto(link)
  await expect(page).toHaveURL(/\/login\?link=invalid$/)
  await expect(page.getByRole('alert')).toHaveText(
    'This login link was already used or has expired. Sign in with the operator token instead.',
  )
})

test('a bad token is refused with a clear message; the right one signs in; signing out works', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/login$/)
  const token = page.getByLabel('Operator token')
  await token.fill('not-the-token')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('alert')).toHaveText('That token is not valid.')
  await expect(token).toHaveAttribute('aria-invalid', 'true')

  await token.fill(OPERATOR_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-live', 'true')

  // The account menu names who is signed in (the operator token is the admin named admin).
  const account = page.getByRole('button', { name: 'Account: admin, Admin' })
  await account.click()
  await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click()
  await expect(page).toHaveURL(/\/login$/)
  await page.goto('/')
  await expect(page).toHaveURL(/\/login$/)
})

test('the cookie alone opens nothing: without the tab key (lost, or replayed by a neighbour) it is back to sign-in', async ({
  page,
  consolePage,
}) => {
  await consolePage.open()
  // What a service on another port of 127.0.0.1 would hold: the browser sends it the cookie too.
  const cookieOnly = await page.request.get('/api/instances')
  expect(cookieOnly.status()).toBe(401)
  expect((await cookieOnly.json()).error.code).toBe('unauthenticated')

  // The page's own storage is gone (cleared, or a profile that never had it): sign in again.
  await page.evaluate(() => localStorage.clear())
  await page.reload()
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
})
