/**
 * `POST /api/relay/bulk` (docs/api.md, "Bulk"): opts many instances out or in with one request,
 * so a browser never walks the fleet one round trip at a time. Every id is checked first: one
 * unknown or repeated id and nothing changes (400, naming it). Then each instance gets its own
 * request, with its own audit entry carrying the batch's id, run a few at a time (each still
 * one at a time per instance, through the same queue as single requests); the answer lists every
 * instance's outcome.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { BulkRelayBodySchema, type BulkRelayResponse, type BulkRelayResult } from '@relay-console/shared/api'
import { isKeptIntentError } from '@relay-console/shared/api-error-codes'
import { Hono } from 'hono'
import type { Log } from '../../lib/log'
import type { IntentOutcome } from '../../ops/instance-view'
import type { RelayIntents } from '../../ops/intents'
import type { ConsoleState } from '../../state/console-state'
import { ApiError, readJson } from '../errors'
import type { AppEnv } from '../guards'

/** Requests of one batch in flight at once. */
export const BULK_CONCURRENCY = 16

/** An instance's outcome as the batch reports it. */
export function bulkResult(id: string, outcome: IntentOutcome): BulkRelayResult {
  if (outcome.ok) return { id, result: 'ok' }
  const { code, message } = outcome.error
  // Kept, and carried out when it can be (the connector back, the holder answering).
  return { id, result: isKeptIntentError(code) ? 'pending' : 'failed', error: { code, message } }
}

export function bulkRoutes(state: ConsoleState, intents: RelayIntents, log: Log) {
  const app = new Hono<AppEnv>()
  app.post('/bulk', async (c) => {
    const { ids, optedIn } = await readJson(c, BulkRelayBodySchema)
    const seen = new Set<string>()
    for (const id of ids) {
      if (seen.has(id)) throw new ApiError(400, 'invalid_body', `ids lists ${id} twice; nothing was changed`)
      seen.add(id)
    }
    const unknown = ids.filter((id) => state.get(id) === undefined)
    if (unknown.length > 0) {
      const named = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '')
      throw new ApiError(400, 'unknown_instance', `no instance with id ${named}; nothing was changed`)
    }
    const batchId = randomUUID()
    const actor = c.get('operator').name
    const signal = c.req.raw.signal
    const results: BulkRelayResult[] = new Array(ids.length)
    let next = 0
    const worker = async () => {
      for (let index = next++; index < ids.length; index = next++) {
        const id = ids[index] as string
        // Once the caller has gone, what has not started is not started (single requests do the same).
        if (signal.aborted) return
        try {
          results[index] = bulkResult(id, await intents.set(id, optedIn, actor, undefined, batchId))
        } catch (error) {
          // As a single request's 500: the details go to the log only.
          log.error({ err: String(error), instanceId: id, batchId }, 'a bulk request failed on one instance')
          results[index] = {
            id,
            result: 'failed',
            error: { code: 'internal', message: 'the console failed; see its log' },
          }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, ids.length) }, worker))
    if (signal.aborted) return c.body(null, 204)
    return c.json({ batchId, results } satisfies BulkRelayResponse)
  })
  return app
}
