/**
 * The page's style nonce (docs/api.md, "Security headers"). The console's policy lets a `<style>`
 * element in only with the nonce of the response that served the page. Radix's scroll lock (through
 * react-style-singleton) injects one while a dialog is open and takes its nonce from the global
 * `__webpack_nonce__`: this sets that from the `<meta property="csp-nonce">` the console serves.
 * @module
 */
export function adoptStyleNonce(): void {
  const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce
  if (nonce) (globalThis as { __webpack_nonce__?: string }).__webpack_nonce__ = nonce
}
