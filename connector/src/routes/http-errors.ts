/**
 * The connector's HTTP error shape, `{"error": "…"}` (docs/relay-contract.md §6), and body parsing that
 * turns bad input into a 400 naming the problem.
 * @module
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'

export function fail(status: ContentfulStatusCode, message: string): never {
  throw new HTTPException(status, { message })
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let json: unknown
  try {
    const text = await c.req.text()
    json = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    fail(400, 'body is not valid JSON')
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) fail(400, `invalid body: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`)
  return parsed.data
}

export function errorResponse(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return c.json({ error: error.message }, error.status)
  return c.json({ error: 'internal error' }, 500)
}
