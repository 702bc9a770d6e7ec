/**
 * "Something was committed": the store's `onCommit`. This process's own commits are announced as
 * they return; every replica's (this one's too) arrive as a NOTIFY on one channel, whose payload
 * is only the latest rev, on a dedicated LISTEN connection. Notifications sent while that
 * connection is down are lost, so each (re)subscription is announced as well: the listeners then
 * catch up by rev, which loses nothing.
 * @module
 */
import type { Log } from '../../lib/log'
import type { Db } from './connect'

export const CHANGES_CHANNEL = 'relay_console_changes'

export interface CommitSignal {
  add(listener: () => void): () => void
  /** This process committed changes up to `rev`. */
  committed(rev: number): void
  close(): Promise<void>
}

export function createCommitSignal(db: Db, log: Log): CommitSignal {
  const listeners = new Set<() => void>()
  /** The latest rev the listeners were told of: a notify at or below it brings them nothing. */
  let announced = 0
  let listening = false
  let closed = false

  function callAll(): void {
    for (const listener of listeners) {
      queueMicrotask(() => {
        try {
          listener()
        } catch (error) {
          log.error({ err: String(error) }, 'commit listener failed')
        }
      })
    }
  }

  function announce(rev: number): void {
    if (rev <= announced) return
    announced = rev
    callAll()
  }

  function channelOnNotify(payload: string): void {
    const rev = Number(payload)
    if (Number.isSafeInteger(rev)) announce(rev)
    else callAll()
  }

  function channelOnListen(): void {
    // A first subscription, or one renewed after the connection dropped: whatever was notified in
    // between is lost, so the listeners must look for themselves.
    log.debug({ channel: CHANGES_CHANNEL }, 'listening for commits')
    callAll()
  }

  function startListening(): void {
    listening = true
    // The driver keeps this subscription: after a dropped connection it reconnects and listens
    // again by itself, calling channelOnListen each time.
    db.listen(CHANGES_CHANNEL, channelOnNotify, channelOnListen).catch((error: unknown) => {
      if (!closed) log.error({ err: String(error) }, 'listening for commits failed')
    })
  }

  return {
    add(listener) {
      listeners.add(listener)
      if (!listening && !closed) startListening()
      return () => {
        listeners.delete(listener)
      }
    },
    committed: announce,
    async close() {
      closed = true
      // The pool's end() ends the LISTEN connection too.
      listeners.clear()
    },
  }
}
