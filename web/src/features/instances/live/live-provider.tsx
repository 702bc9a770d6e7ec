/**
 * Owns the tab's live connection: starts it, folds its events into the query cache, and lets any
 * component read its state.
 * @module
 */
import { useQueryClient } from '@tanstack/react-query'
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react'
import { api, openEventStream } from '../../../lib/api-client'
import { instanceKeys } from '../../../lib/query-keys'
import { applyEvent, type FleetCache } from './apply-event'
import { createLiveConnection, type LiveConnection, type LiveState } from './live-connection'

const LiveContext = createContext<LiveConnection | null>(null)

export function LiveProvider({ children, onUnauthenticated }: { children: ReactNode; onUnauthenticated: () => void }) {
  const queryClient = useQueryClient()
  const [connection] = useState(() =>
    createLiveConnection({
      open: openEventStream,
      onEvent: (event) => {
        queryClient.setQueryData<FleetCache>(instanceKeys.list(), (cache) => applyEvent(cache, event))
        if (event.type === 'instance') {
          // Open details refresh themselves; closed ones are not fetched at all.
          void queryClient.invalidateQueries({ queryKey: instanceKeys.history(event.data.id) })
          void queryClient.invalidateQueries({ queryKey: instanceKeys.audit(event.data.id) })
        }
      },
      onUnauthenticated,
      checkSession: api.checkSession,
      now: () => Date.now(),
      setTimeout: (callback, ms) => window.setTimeout(callback, ms),
      clearTimeout: (handle) => window.clearTimeout(handle as number),
      onParseError: (error) => console.warn(`relay console: ignored an event: ${error}`),
    }),
  )
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
