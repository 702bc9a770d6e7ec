/**
 * `/api/instances`: the fleet, one instance's relay switch, and its history.
 * @module
 */
import { SetRelayBodySchema } from '@relay-console/shared/api'
import type { IntentErrorCode } from '@relay-console/shared/api-error-codes'
import { Hono } from 'hono'
import type { RelayIntents } from '../../ops/intents'
import type { ConsoleState } from '../../state/console-state'
import type { StateStore } from '../../state/store'
import { ApiError, readJson } from '../errors'
import type { AppEnv } from '../guards'

/** What an operation's failure answers with; any other is the connector's part failing (502). */
const STATUS_OF: Partial<Record<IntentErrorCode, 409 | 503>> = { superseded: 409, owner_unavailable: 503 }

export function instanceRoutes(state: ConsoleState, intents: RelayIntents, store: StateStore) {
  const app = new Hono<AppEnv>()

  const known = (id: string) => {
    if (state.get(id) === undefined) throw new ApiError(404, 'unknown_instance', `no instance with id ${id}`)
  }

  app.get('/', (c) => c.json(state.snapshot()))

  app.put('/:id/relay', async (c) => {
    const id = c.req.param('id')
    known(id)
    const { optedIn } = await readJson(c, SetRelayBodySchema)
    // The audit log names who asked (docs/operators.md, "Audit").
    const actor = c.get('operator').name
    // A caller that hangs up before its turn takes its request with it; nobody reads the answer.
    const signal = c.req.raw.signal
    const outcome = await intents.set(id, optedIn, actor, signal).catch((error: unknown) => {
      if (signal.aborted) return null
      throw error
    })
    if (outcome === null) return c.body(null, 204)
    if (!outcome.ok) {
      throw new ApiError(STATUS_OF[outcome.error.code] ?? 502, outcome.error.code, outcome.error.message)
    }
    return c.json(outcome.instance)
  })

  app.get('/:id/history', async (c) => {
    const id = c.req.param('id')
    known(id)
    return c.json({ transitions: await store.history(id, 200) })
  })

  return app
}

export function auditRoutes(store: StateStore) {
  const app = new Hono()
  app.get('/', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 200) || 200, 1), 1000)
    return c.json({ entries: await store.audit({ limit, instanceId: c.req.query('instanceId') || undefined }) })
  })
  return app
}
