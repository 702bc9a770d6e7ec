/**
 * The one event stream of a tab, and what the UI knows about it: live, connecting or
 * reconnecting; when the last event came; whether the view may be stale (down for more than 3 s).
 *
 * The browser reconnects an EventSource by itself after a network error, but gives up for good on
 * an HTTP error (a 401, a 502 from a proxy): then this recreates it with backoff, after checking
 * that the session still stands. A silent stream (no ping for 45 s) is recreated too.
 * Timers and the EventSource come in as arguments, so all of it is tested with a fake clock.
 * @module
 */
import { parseSseEvent, SSE_EVENT_TYPES, type SseEvent } from '@relay-console/shared/sse'

export type LiveStatus = 'connecting' | 'live' | 'reconnecting'

export interface LiveState {
  status: LiveStatus
  /** When the last event (ping included) arrived. */
  lastEventAt: number | null
  /** The stream has been down long enough that the view may be stale. */
  stale: boolean
}

/** The part of `EventSource` this module uses. */
export interface EventSourceLike {
  readonly readyState: number
  addEventListener(type: 'open' | 'error', listener: (event: Event) => void): void
  addEventListener(type: string, listener: (event: MessageEvent) => void): void
  close(): void
}

export const EVENT_SOURCE_CLOSED = 2

export interface LiveConnectionDeps {
  open: () => EventSourceLike
  onEvent: (event: SseEvent) => void
  /** The session is gone: the user must log in again. */
  onUnauthenticated: () => void
  checkSession: () => Promise<'ok' | 'unauthenticated' | 'unreachable'>
  now: () => number
  setTimeout: (callback: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
  random?: () => number
  onParseError?: (error: string) => void
  /** How long the stream may be down before the view is called stale. */
  staleAfterMs?: number
  /** No event for this long (pings come every 15 s): the stream is dead. */
  silenceMs?: number
}

export interface LiveConnection {
  start(): void
  stop(): void
  getState(): LiveState
  subscribe(listener: () => void): () => void
}

export function createLiveConnection(deps: LiveConnectionDeps): LiveConnection {
  const staleAfter = deps.staleAfterMs ?? 3000
  const silence = deps.silenceMs ?? 45_000
  const random = deps.random ?? Math.random
  const listeners = new Set<() => void>()
  let state: LiveState = { status: 'connecting', lastEventAt: null, stale: false }
  let source: EventSourceLike | null = null
  let attempt = 0
  let staleTimer: unknown = null
  let retryTimer: unknown = null
  let silenceTimer: unknown = null
  let running = false

  const set = (patch: Partial<LiveState>) => {
    const next = { ...state, ...patch }
    if (next.status === state.status && next.lastEventAt === state.lastEventAt && next.stale === state.stale) return
    state = next
    for (const listener of listeners) listener()
  }

  const clear = (handle: unknown) => {
    if (handle !== null) deps.clearTimeout(handle)
  }

  const markDown = () => {
    if (state.status === 'live') set({ status: 'reconnecting' })
    if (staleTimer === null && !state.stale) {
      staleTimer = deps.setTimeout(() => {
        staleTimer = null
        if (state.status !== 'live') set({ stale: true })
      }, staleAfter)
    }
  }

  const armSilence = () => {
    clear(silenceTimer)
    silenceTimer = deps.setTimeout(() => {
      silenceTimer = null
      recreate()
    }, silence)
  }

  const recreate = () => {
    source?.close()
    source = null
    clear(silenceTimer)
    silenceTimer = null
    markDown()
    set({ status: state.lastEventAt === null ? 'connecting' : 'reconnecting' })
    attempt += 1
    const d = Math.min(1000 * 2 ** (attempt - 1), 30_000)
    const delay = d / 2 + random() * (d / 2)
    clear(retryTimer)
    retryTimer = deps.setTimeout(() => {
      retryTimer = null
      void deps.checkSession().then((session) => {
        if (!running) return
        if (session === 'unauthenticated') {
          stop()
          deps.onUnauthenticated()
          return
        }
        connect()
      })
    }, delay)
  }

  const received = () => {
    attempt = 0
    clear(staleTimer)
    staleTimer = null
    set({ status: 'live', lastEventAt: deps.now(), stale: false })
    armSilence()
  }

  const connect = () => {
    const es = deps.open()
    source = es
    es.addEventListener('open', () => {
      if (source !== es) return
      armSilence()
    })
    es.addEventListener('error', () => {
      if (source !== es) return
      if (es.readyState === EVENT_SOURCE_CLOSED) recreate()
      else markDown() // the browser is already reconnecting
    })
    for (const type of SSE_EVENT_TYPES) {
      es.addEventListener(type, (message) => {
        if (source !== es) return
        const parsed = parseSseEvent(type, message.lastEventId, String(message.data))
        if (!parsed.ok) {
          deps.onParseError?.(parsed.error)
          return
        }
        received()
        deps.onEvent(parsed.event)
      })
    }
  }

  function stop() {
    running = false
    source?.close()
    source = null
    for (const handle of [staleTimer, retryTimer, silenceTimer]) clear(handle)
    staleTimer = retryTimer = silenceTimer = null
  }

  return {
    start() {
      if (running) return
      running = true
      connect()
      markDown()
    },
    stop,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
