/**
 * API errors: a stable code for programs and a message for people, always rendered as
 * `{"error":{"code":"…","message":"…"}}`. The codes are the contract's (shared `api-error-codes.ts`).
 * @module
 */
import type { ApiErrorCode } from '@relay-console/shared/api-error-codes'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import type { Log } from '../lib/log'
import { StoreUnavailableError } from '../state/store'

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } }
}

export function renderError(log: Log) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ApiError) {
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v)
      return c.json(errorBody(error.code, error.message), error.status)
    }
    if (error instanceof HTTPException) {
      return c.json(errorBody(`http_${error.status}`, error.message || 'request refused'), error.status)
    }
    if (error instanceof StoreUnavailableError) {
      log.warn({ err: error.message, path: c.req.path }, 'the state database is unavailable')
      c.header('Retry-After', '1')
      return c.json(
        errorBody('store_unavailable', 'the state database could not be reached; asking again is safe'),
        503,
      )
    }
    log.error({ err: error.message, path: c.req.path }, 'unhandled error')
    return c.json(errorBody('internal', 'internal error'), 500)
  }
}

/** Parses a JSON body with a schema; anything wrong is a 400 that says what. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let json: unknown
  try {
    json = JSON.parse(await c.req.text())
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON')
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
      return issue.code === 'unrecognized_keys'
        ? `${where}unknown field(s) ${issue.keys.join(', ')}`
        : `${where}${issue.message}`
    })
    throw new ApiError(400, 'invalid_body', problems.join('; '))
  }
  return parsed.data
}
