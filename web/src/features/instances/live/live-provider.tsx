/**
 * Owns the tab's live connection: starts it, folds its events into the query cache, and lets any
 * component read its state.
 * @module
 */
import { useQueryClient } from '@tanstack/react-query'
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react'
import { api, openEventStream } from '../../../lib/api-client'
import { instanceKeys } from '../../../lib/query-keys'
import { applyEvent, createEventBatcher, type FleetCache } from './apply-event'
import { createLiveConnection, type LiveConnection, type LiveState } from './live-connection'

const LiveContext = createContext<LiveConnection | null>(null)

/** At most this often the cache takes a batch of events (the first after a quiet spell at once). */
const APPLY_EVERY_MS = 100

export function LiveProvider({ children, onUnauthenticated }: { children: ReactNode; onUnauthenticated: () => void }) {
  const queryClient = useQueryClient()
  const [connection] = useState(() => {
    // A burst (thousands of instances reconnecting) becomes a few renders, not one per event.
    const batcher = createEventBatcher(APPLY_EVERY_MS, (events) => {
      queryClient.setQueryData<FleetCache>(instanceKeys.list(), (cache) => events.reduce(applyEvent, cache))
      const changed = new Set(events.flatMap((e) => (e.type === 'instance' ? [e.data.id] : [])))
      for (const id of changed) {
        // Open details refresh themselves; closed ones are not fetched at all.
        void queryClient.invalidateQueries({ queryKey: instanceKeys.history(id) })
        void queryClient.invalidateQueries({ queryKey: instanceKeys.audit(id) })
      }
    })
    return createLiveConnection({
      open: openEventStream,
      onEvent: (event) => batcher.push(event),
      onUnauthenticated,
      checkSession: api.checkSession,
      now: () => Date.now(),
      setTimeout: (callback, ms) => window.setTimeout(callback, ms),
      clearTimeout: (handle) => window.clearTimeout(handle as number),
      onParseError: (error) => console.warn(`relay console: ignored an event: ${error}`),
    })
  })
  useEffect(() => {
    connection.start()
    return () => connection.stop()
  }, [connection])
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>
}

const OFFLINE: LiveState = { status: 'connecting', lastEventAt: null, stale: false }

export function useLiveState(): LiveState {
  const connection = useContext(LiveContext)
  return useSyncExternalStore(
    (listener) => connection?.subscribe(listener) ?? (() => {}),
    () => connection?.getState() ?? OFFLINE,
  )
}
