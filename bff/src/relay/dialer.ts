/**
 * The socket port of the relay transport: how to open one WebSocket and what it reports. The real
 * one is in `ws-dialer.ts`; tests plug in their own.
 * @module
 */
import type { SocketEnd } from './close-policy'

export interface DialHandlers {
  /** The upgrade was accepted. */
  onOpen(): void
  /** One text (or UTF-8-decoded binary) message. */
  onMessage(text: string): void
  onPong(): void
  /** Called exactly once, last, however the socket ends. */
  onEnd(end: SocketEnd): void
}

export interface RelaySocket {
  /** Throws when the socket cannot take the message. */
  send(text: string): void
  ping(): void
  /** A clean close; `onEnd` follows when the peer answers (or the socket breaks). */
  close(code: number, reason: string): void
  /** Drop the connection now; `onEnd` follows with 1006. */
  terminate(): void
}

export interface DialRequest {
  url: string
  headers: Record<string, string>
}

export type Dialer = (request: DialRequest, handlers: DialHandlers) => RelaySocket
