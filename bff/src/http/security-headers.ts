/**
 * Headers on every response (docs/api.md, "Security headers"). The Content-Security-Policy allows
 * scripts from this origin plus, by SHA-256, the inline scripts of the index.html the console
 * serves (hashed once at start, from the very bytes it then serves); a `<style>` element only with
 * the nonce of the page that made it (Radix's scroll lock injects one while a dialog is open);
 * nothing framed and no framing by anyone: SameSite cookies do not stop a page on another port of
 * the same host, which is the same site, from framing the console to trick a click.
 * @module
 */
import { createHash } from 'node:crypto'

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi

/** `sha256-…` of each inline `<script>` (one without `src`), as the browser hashes it: its exact text. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = []
  for (const [, attributes = '', body = ''] of html.matchAll(INLINE_SCRIPT)) {
    if (/\bsrc\s*=/i.test(attributes)) continue
    hashes.push(`sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}`)
  }
  return hashes
}

export interface PolicyOptions {
  scriptHashes: readonly string[]
  /** This response's nonce for `<style>` elements; none for anything that is not the app shell. */
  styleNonce?: string
}

export function contentSecurityPolicy(options: PolicyOptions): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'", ...options.scriptHashes.map((hash) => `'${hash}'`)]],
    ['style-src', ["'self'", ...(options.styleNonce === undefined ? [] : [`'nonce-${options.styleNonce}'`])]],
    ['img-src', ["'self'"]],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'self'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ]
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ')
}

/** The headers every response carries; `Content-Security-Policy` is the one without a style nonce. */
export function securityHeaders(scriptHashes: readonly string[]): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy({ scriptHashes }),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
}

/** The app shell as served: a `<meta property="csp-nonce">` carries this response's style nonce to the page. */
export function withStyleNonce(html: string, nonce: string): string {
  return html.replace(/<head>/i, `<head><meta property="csp-nonce" nonce="${nonce}">`)
}
