import { Hono } from 'hono'
import { describe, expect, it, vi } from 'vitest'
import { StoreUnavailableError } from '../state/store'
import { ApiError, renderError } from './errors'

const silent = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() })

function appThrowing(error: Error) {
  const log = silent()
  const app = new Hono()
  app.onError(renderError(log))
  app.get('/x', () => {
    throw error
  })
  return { app, log }
}

describe('renderError', () => {
  it('answers an API error with its status and code', async () => {
    const { app } = appThrowing(new ApiError(404, 'unknown_instance', 'no instance "x"'))
    const res = await app.request('/x')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'unknown_instance', message: 'no instance "x"' } })
  })

  it('answers 503 store_unavailable, retry in a second, when the state database is away: a warning, not an error', async () => {
    const { app, log } = appThrowing(new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:5432')))
    const res = await app.request('/x')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('store_unavailable')
    // The driver's words (addresses) stay in the log.
    expect(body.error.message).not.toContain('127.0.0.1')
    expect(log.warn).toHaveBeenCalledOnce()
    expect(log.error).not.toHaveBeenCalled()
  })

  it('answers anything else 500 internal, with the details in the log only', async () => {
    const { app, log } = appThrowing(new Error('secret detail'))
    const res = await app.request('/x')
    expect(res.status).toBe(500)
    expect(JSON.stringify(await res.json())).not.toContain('secret detail')
    expect(log.error).toHaveBeenCalledOnce()
  })
})
