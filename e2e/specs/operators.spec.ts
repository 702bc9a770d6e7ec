/**
 * Named operators with single sign-on, through a real OpenID provider running in the test, on two
 * console replicas sharing one PostgreSQL: a viewer sees read-only switches and gets 403 from the
 * API; an operator opts out and the audit names them; an admin revokes a session on one replica and
 * it is signed out on its next request on every replica.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from '@playwright/test'
import { expect, test } from '../fixtures'
import { ConsolePage } from '../pages/console-page'
import { OPERATOR_TOKEN } from '../support/env'
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider, type TestProvider } from '../support/oidc-provider'
import { type Replicas, replicaPorts, startReplicas } from '../support/replicas'

const INSTANCES = [
  {
    id: 'sso-acme',
    displayName: 'SSO Acme',
    gatewayId: 'gw-sso-acme',
    platforms: [{ platform: 'telegram', botId: 'sso_acme_bot' }],
  },
]
const PROVIDER_NAME = 'Test Identity'
const ADMIN = { authorization: `Bearer ${OPERATOR_TOKEN}` }

test.describe.configure({ mode: 'serial', timeout: 90_000 })

let provider: TestProvider
let cluster: Replicas

test.beforeAll(async () => {
  test.setTimeout(120_000)
  const ports = await replicaPorts(2)
  provider = await startOidcProvider({
    redirectUris: ports.map((port) => `http://127.0.0.1:${port}/auth/oidc/callback`),
    groups: { vera: ['staff', 'relay-viewers'], otto: ['relay-operators'], nadia: ['staff'] },
  })
  cluster = await startReplicas({
    ports,
    instances: INSTANCES,
    config: {
      oidc: {
        issuer: provider.issuer,
        clientId: OIDC_CLIENT_ID,
        clientSecretEnv: 'E2E_OIDC_CLIENT_SECRET',
        displayName: PROVIDER_NAME,
        roleClaim: 'groups',
        roles: { 'relay-viewers': 'viewer', 'relay-operators': 'operator' },
        scopes: ['openid', 'profile', 'groups'],
      },
    },
    env: { E2E_OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET },
  })
})

test.afterAll(async () => {
  await cluster?.stop()
  await provider?.stop()
})

/** Signs in at the provider as `login`, as a person would: its sign-in page, then its consent page. */
async function signInWithProvider(page: Page, consoleUrl: string, login: string): Promise<void> {
  await page.goto(`${consoleUrl}/login`)
  await page.getByRole('link', { name: `Sign in with ${PROVIDER_NAME}` }).click()
  await page.locator('input[name="login"]').fill(login)
  await page.locator('input[name="password"]').fill('any password')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await page.getByRole('button', { name: 'Continue' }).click()
}

/** A fresh browser context signed in as `login` on the replica at `consoleUrl`, the fleet live. */
async function operatorPage(browser: Browser, consoleUrl: string, login: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await signInWithProvider(page, consoleUrl, login)
  await expect(page).toHaveURL(`${consoleUrl}/`)
  await expect(new ConsolePage(page).liveIndicator).toHaveAttribute('data-live', 'true')
  return page
}

/** The session's credentials as the page holds them: the cookie and the tab key. */
async function credentialsOf(page: Page): Promise<Record<string, string>> {
  // Cookies are per host, not per port: the provider's own sit beside the console's.
  const cookie = (await page.context().cookies()).find((c) => c.name === 'rc_session')
  const key = await page.evaluate(() => localStorage.getItem('relay-console.key'))
  return { cookie: `${cookie?.name}=${cookie?.value}`, 'x-relay-console-key': key ?? '' }
}

test('a viewer signs in through the provider, sees the switch read-only with the reason, and the API refuses them', async ({
  browser,
}) => {
  const [replicaA] = cluster.urls as [string, string]
  const page = await operatorPage(browser, replicaA, 'vera')
  await expect(page.getByTestId('account-menu')).toContainText('vera')
  await expect(page.getByTestId('operator-role')).toHaveText('Viewer')

  const card = new ConsolePage(page).card('SSO Acme', 'sso-acme')
  await card.expectAll('connected')
  await expect(card.relaySwitch).toBeDisabled()
  await expect(card.relaySwitch).toBeChecked()
  await expect(card.relaySwitch).toHaveAccessibleDescription("Viewers can't change the relay")
  // No selection and no bulk action: nothing a viewer could press that would fail.
  await expect(page.getByRole('checkbox')).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Opt out selected' })).toHaveCount(0)
  await page.getByRole('button', { name: 'Table' }).click()
  await expect(page.getByTestId('instance-row')).toHaveCount(1)
  await expect(page.getByRole('checkbox')).toHaveCount(0)

  const refused = await page.evaluate(async () => {
    const res = await fetch('/api/instances/sso-acme/relay', {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        'X-Relay-Console-Key': localStorage.getItem('relay-console.key') ?? '',
      },
      body: JSON.stringify({ optedIn: false }),
    })
    return { status: res.status, body: await res.json() }
  })
  expect(refused).toEqual({
    status: 403,
    body: { error: { code: 'forbidden', message: "Viewers can't change the relay" } },
  })
  await page.context().close()
})

test('an account with no mapped role is told so, and is not signed in', async ({ browser }) => {
  const [replicaA] = cluster.urls as [string, string]
  const page = await (await browser.newContext()).newPage()
  await signInWithProvider(page, replicaA, 'nadia')
  await expect(page).toHaveURL(`${replicaA}/login?sso=no_role`)
  await expect(page.getByRole('alert')).toContainText(`Your account at ${PROVIDER_NAME} has no role in Relay Console.`)
  await page.context().close()
})

test('an operator opts out and the audit names them; revoked on one replica, their session is over on every replica', async ({
  browser,
  request,
}) => {
  const [replicaA, replicaB] = cluster.urls as [string, string]
  const page = await operatorPage(browser, replicaB, 'otto')
  await expect(page.getByTestId('operator-role')).toHaveText('Operator')
  const card = new ConsolePage(page).card('SSO Acme', 'sso-acme')
  await card.expectAll('connected')
  await card.optOut()
  await card.detailsButton.click()
  await expect(card.root.getByRole('region', { name: 'Operator actions' })).toContainText('Opt-out by otto')
  const audit = await (await request.get(`${replicaA}/api/audit?instanceId=sso-acme`, { headers: ADMIN })).json()
  expect(audit.entries[0]).toMatchObject({ actor: 'otto', action: 'opt_out', result: 'ok' })

  // The same session holds on the other replica.
  const otto = await credentialsOf(page)
  const onA = await request.get(`${replicaA}/api/session`, { headers: otto })
  expect(await onA.json()).toEqual({ authenticated: true, operator: { name: 'otto', role: 'operator' }, via: 'oidc' })

  // An admin on replica A revokes it from the session list.
  const admin = await (await browser.newContext()).newPage()
  await admin.goto(`${replicaA}/login`)
  await admin.getByLabel('Operator token').fill(OPERATOR_TOKEN)
  await admin.getByRole('button', { name: 'Sign in', exact: true }).click()
  await admin.getByRole('button', { name: 'Account: admin, Admin' }).click()
  await admin.getByRole('menuitem', { name: 'Sessions' }).click()
  await expect(admin).toHaveURL(`${replicaA}/sessions`)
  const list = admin.getByRole('table', { name: 'Active sessions' })
  const ottoRow = list.getByTestId('session-row').filter({ hasText: 'otto' })
  await expect(ottoRow).toContainText('Single sign-on')
  await expect(list.getByTestId('session-row').filter({ hasText: 'admin' })).toContainText('(this session)')
  const { violations } = await new AxeBuilder({ page: admin })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze()
  expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([])
  await ottoRow.getByRole('button', { name: /^Revoke the session of otto from / }).click()
  await expect(ottoRow).toHaveCount(0)

  for (const url of cluster.urls) {
    expect((await request.get(`${url}/api/instances`, { headers: otto })).status(), url).toBe(401)
  }
  // Otto's own tab, on replica B, is signed out on its next request.
  await page.reload()
  await expect(page).toHaveURL(`${replicaB}/login`)
  await page.context().close()
  await admin.context().close()
})
