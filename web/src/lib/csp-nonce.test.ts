import { afterEach, expect, it } from 'vitest'
import { adoptStyleNonce } from './csp-nonce'

const global = globalThis as { __webpack_nonce__?: string }

afterEach(() => {
  document.head.innerHTML = ''
  delete global.__webpack_nonce__
})

it('hands the page’s style nonce to the libraries that inject <style> elements', () => {
  const meta = document.createElement('meta')
  meta.setAttribute('property', 'csp-nonce')
  meta.nonce = 'bm9uY2Utb2YtdGhpcy1wYWdl'
  document.head.append(meta)
  adoptStyleNonce()
  expect(global.__webpack_nonce__).toBe('bm9uY2Utb2YtdGhpcy1wYWdl')
})

it('sets nothing where the page was served without one (the Vite dev server)', () => {
  adoptStyleNonce()
  expect(global.__webpack_nonce__).toBeUndefined()
})
