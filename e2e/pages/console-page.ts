/**
 * The console as a person sees it: the live indicator, the banners, the fleet, and one card per
 * instance. Role locators and the test hooks of docs/dashboard.md ("Test hooks") only.
 * @module
 */
import { expect, type Locator, type Page } from '@playwright/test'
import { OPERATOR_TOKEN } from '../support/env'

export class InstanceCard {
  readonly root: Locator
  readonly relaySwitch: Locator
  readonly rows: Locator
  readonly detailsButton: Locator

  constructor(
    readonly page: Page,
    readonly displayName: string,
    readonly instanceId: string,
  ) {
    this.root = page.getByRole('article', { name: displayName })
    this.relaySwitch = page.getByRole('switch', { name: `Relay for ${displayName}` })
    this.rows = page.locator(`[data-testid="platform-row"][data-instance="${instanceId}"]`)
    this.detailsButton = this.root.getByRole('button', { name: /Show details|Hide details/ })
  }

  /**
   * Turns the relay off and confirms, as a person would; the dialog closes once the server
   * answered, and every row then reads Disabled.
   */
  async optOut(): Promise<void> {
    await this.relaySwitch.click()
    const dialog = this.page.getByRole('alertdialog', { name: `Opt ${this.displayName} out of the relay?` })
    await dialog.getByRole('button', { name: 'Opt out' }).click()
    await expect(dialog).toBeHidden()
    await this.expectAll('disabled')
  }

  row(platform: string): Locator {
    return this.rows.and(this.page.locator(`[data-platform="${platform}"]`))
  }

  /** Every row of the instance shows `state`. */
  async expectAll(state: string, options: { timeout?: number } = {}): Promise<void> {
    await expect(this.rows.first()).toBeVisible()
    const count = await this.rows.count()
    for (let i = 0; i < count; i++) await expect(this.rows.nth(i)).toHaveAttribute('data-state', state, options)
  }
}

export class ConsolePage {
  readonly liveIndicator: Locator
  readonly staleBanner: Locator
  readonly actionBanner: Locator

  constructor(readonly page: Page) {
    this.liveIndicator = page.getByTestId('live-indicator')
    this.staleBanner = page.getByTestId('stale-banner')
    this.actionBanner = page.getByTestId('action-banner')
  }

  /**
   * Signs in with the login form, as a person does: the cookie lands in the browser context, the
   * tab key in the page's own storage (docs/api.md, "Sessions").
   */
  async signIn(): Promise<void> {
    await this.page.goto('/login')
    await this.page.getByLabel('Operator token').fill(OPERATOR_TOKEN)
    await this.page.getByRole('button', { name: 'Sign in' }).click()
    await expect(this.page).toHaveURL(/\/$/)
  }

  async open(): Promise<void> {
    await this.signIn()
    await expect(this.liveIndicator).toHaveAttribute('data-live', 'true')
  }

  card(displayName: string, instanceId: string): InstanceCard {
    return new InstanceCard(this.page, displayName, instanceId)
  }

  /** Narrows the list to one instance, so its card is on screen however long the fleet is. */
  async search(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Search instances' }).fill(text)
  }

  /** Opens the console on one instance's card and waits until every badge reads Connected. */
  async openConnectedCard(displayName: string, instanceId: string): Promise<InstanceCard> {
    await this.open()
    await this.search(displayName)
    const card = this.card(displayName, instanceId)
    await card.expectAll('connected')
    return card
  }
}
