/**
 * Component tests: jest-dom matchers, English translations, a clean DOM after each test.
 */
import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterEach, beforeAll } from 'vitest'
import { initI18n } from './lib/i18n'

beforeAll(async () => {
  await initI18n('en')
})

afterEach(() => {
  cleanup()
})
