/**
 * The session's tab key (docs/api.md, "Sessions"): the second proof, beside the cookie, that a
 * request comes from this console's own page. It is kept in `localStorage`, which belongs to this
 * origin alone (scheme, host and port): a service on another port of the same host gets the cookie
 * but never this. Sign-in hands it over in its answer; the login link in the URL fragment
 * (`/#k=…`), which no server ever sees.
 * @module
 */
import { TAB_KEY_PARAM } from '@relay-console/shared/api'

const STORAGE_KEY = 'relay-console.key'
/** Where storage is refused (a locked-down profile): the key lives as long as the page. */
let inMemory: string | null = null

export function readTabKey(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY)
  } catch {
    return inMemory
  }
}

export function storeTabKey(key: string): void {
  inMemory = key
  try {
    localStorage.setItem(STORAGE_KEY, key)
  } catch {
    // kept in memory only
  }
}

export function clearTabKey(): void {
  inMemory = null
  try {
    localStorage.removeItem(STORAGE_KEY)
  } catch {
    // nothing kept
  }
}

/** The login link lands on `/#k=…`: keep the key, and take it out of the address bar and history. */
export function adoptTabKeyFromFragment(): void {
  const match = new RegExp(`^#${TAB_KEY_PARAM}=([A-Za-z0-9_-]+)$`).exec(window.location.hash)
  if (match?.[1] === undefined) return
  storeTabKey(match[1])
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`)
}
