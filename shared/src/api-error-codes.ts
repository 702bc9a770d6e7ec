/**
 * Codes of the console's API errors (`{"error":{"code","message"}}`), beside the relay's own codes in
 * `error-codes.ts`. The BFF answers with these; the web app raises the client-side ones itself, and
 * translates the ones marked `translated` (locales `apiErrors.<code>`; any other code is shown
 * through `apiErrors.unknown`, with the code).
 * @module
 */

/** Every code the API can answer with, or the web client can raise, but `http_<status>`. */
export const API_ERROR_CODES = {
  // ── any request ────────────────────────────────────────────────────────────────────────────────
  /** 400: the body is not JSON. */
  invalid_json: { translated: false },
  /** 400: the body is JSON but not what the route takes; the message lists what is wrong. */
  invalid_body: { translated: false },
  /** 413: the body is over the console's limit. */
  body_too_large: { translated: false },
  /** 415: a PUT or POST whose body is not `application/json`. */
  unsupported_media_type: { translated: false },
  /** 404: no route for that method and path. */
  not_found: { translated: false },
  /** 421: the Host header is not one the console answers for. */
  unknown_host: { translated: false },
  /** 403: a state-changing request from another origin. */
  cross_origin: { translated: false },
  /** 500: anything the console did not expect; details go to its log only. */
  internal: { translated: false },
  /** 503: the state database could not be reached (a replica's PostgreSQL); asking again is safe. */
  store_unavailable: { translated: false },

  // ── the operator's session ─────────────────────────────────────────────────────────────────────
  /** 401: no valid session. */
  unauthenticated: { translated: false },
  /** 401: the operator token given at sign-in is wrong. */
  invalid_token: { translated: false },
  /** 429: too many failed sign-ins; `Retry-After` says when to try again. */
  too_many_attempts: { translated: false },
  /** 403: the operator's role does not allow this (docs/operators.md, "Roles"). */
  forbidden: { translated: true },
  /** 404: no open session with that id (an admin revoking one). */
  unknown_session: { translated: false },

  // ── instances and the event stream ─────────────────────────────────────────────────────────────
  /** 404: no instance with that id. */
  unknown_instance: { translated: false },
  /** 500: the event stream was asked of a server that cannot stream. */
  no_stream: { translated: false },

  // ── opt-in and opt-out (502: the connector's part failed; the intent is kept) ──────────────────
  /** The connector could not be reached. */
  connector_unreachable: { translated: true },
  /** The connector answered, with a refusal. */
  connector_error: { translated: true },
  /** The console has no identity token to provision instances with. */
  identity_token_missing: { translated: true },
  /** The connector issued no secret, and the console has none in hand. */
  secret_withheld: { translated: true },
  /** 409: a later request for the same instance asked for the opposite, and is the one carried out. */
  superseded: { translated: true },
  /** 503: the replica holding the instance has not carried the request out in time; it is saved and will be. */
  owner_unavailable: { translated: false },

  // ── fleet operations ───────────────────────────────────────────────────────────────────────────
  /** 404: no maintenance window with that id. */
  unknown_window: { translated: false },
  /** 404: no webhook with that name in the config. */
  unknown_webhook: { translated: false },

  // ── raised by the web client, never sent ───────────────────────────────────────────────────────
  /** The request never got an answer (offline, refused, aborted). */
  network: { translated: true },
  /** The answer did not match the contract's schema. */
  invalid_response: { translated: false },
} as const satisfies Record<string, { translated: boolean }>

/**
 * A refusal with no code of its own: Hono's `HTTPException`s on the server, and on the client any
 * error answer whose body is not an API error.
 */
export type HttpStatusErrorCode = `http_${number}`

export type ApiErrorCode = keyof typeof API_ERROR_CODES | HttpStatusErrorCode

/** The codes that have words of their own in the locales (`apiErrors.<code>`). */
export type TranslatedApiErrorCode = {
  [C in keyof typeof API_ERROR_CODES]: (typeof API_ERROR_CODES)[C]['translated'] extends true ? C : never
}[keyof typeof API_ERROR_CODES]

/**
 * Why an opt-in or opt-out did not happen: the connector's part failed (502), a later request for
 * the same instance superseded it (409), or the replica holding the instance did not answer (503).
 */
export const INTENT_ERROR_CODES = [
  'connector_unreachable',
  'connector_error',
  'identity_token_missing',
  'secret_withheld',
  'superseded',
  'owner_unavailable',
] as const satisfies ReadonlyArray<keyof typeof API_ERROR_CODES>
export type IntentErrorCode = (typeof INTENT_ERROR_CODES)[number]

/**
 * The failures after which the request is kept and carried out later (docs/api.md, "Opting out
 * and in"): the connector's part failed, or the replica holding the instance has not got to it.
 * Only `superseded` means the request will not happen.
 */
export const KEPT_INTENT_ERROR_CODES = [
  'connector_unreachable',
  'connector_error',
  'identity_token_missing',
  'secret_withheld',
  'owner_unavailable',
] as const satisfies ReadonlyArray<IntentErrorCode>

export const isKeptIntentError = (code: string): boolean =>
  (KEPT_INTENT_ERROR_CODES as ReadonlyArray<string>).includes(code)

const HTTP_STATUS_CODE = /^http_[1-5]\d\d$/

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERROR_CODES, code) || HTTP_STATUS_CODE.test(code)
}

export function isTranslatedApiErrorCode(code: string): code is TranslatedApiErrorCode {
  return Object.hasOwn(API_ERROR_CODES, code) && API_ERROR_CODES[code as keyof typeof API_ERROR_CODES].translated
}
