/**
 * The accessibility check every spec makes: axe-core with the WCAG 2.1 A and AA rules, over the
 * whole page or the part `include` selects; any violation fails the test, listed with its nodes.
 * @module
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

export async function expectAxeClean(page: Page, what: string, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(WCAG_21_AA)
  if (include !== undefined) builder = builder.include(include)
  const { violations } = await builder.analyze()
  expect(
    violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `accessibility of ${what}`,
  ).toEqual([])
}
