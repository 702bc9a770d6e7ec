/**
 * The real {@link Dialer}, on `ws`: the only module that imports it. Reads close codes from the
 * peer's close frame (the reason arrives as a Buffer), reports an HTTP refusal of the upgrade by its
 * status, and never follows redirects (a bearer must not travel to another host).
 * @module
 */
import WebSocket from 'ws'
import type { SocketEnd } from './close-policy'
import type { Dialer } from './dialer'

export interface WsDialerOptions {
  /** Time allowed for the HTTP upgrade itself. */
  upgradeTimeoutMs?: number
}

/**
 * Reports the peer's close frame the moment it arrives. ws emits 'close' only after the TCP
 * teardown, which waits on the peer processing our echo: under a connector that closes hundreds
 * of sockets at once, that is tens of milliseconds of Disabled or Retrying the operator does not
 * see yet. The code and reason are the frame's, exactly what 'close' would carry. Uses ws's
 * receiver 'conclude' event; without it (another ws), 'close' still reports the end.
 */
function watchCloseFrame(ws: WebSocket, onFrame: (code: number, reason: string) => void): void {
  const receiver = (
    ws as unknown as { _receiver?: { on?: (event: string, listener: (...args: never[]) => void) => void } }
  )._receiver
  receiver?.on?.('conclude', ((code: number, reason: Buffer) =>
    onFrame(code, Buffer.from(reason).toString('utf8'))) as (...args: never[]) => void)
}

export function createWsDialer(options: WsDialerOptions = {}): Dialer {
  return ({ url, headers }, handlers) => {
    const ws = new WebSocket(url, {
      headers,
      handshakeTimeout: options.upgradeTimeoutMs ?? 15_000,
      followRedirects: false,
      perMessageDeflate: false,
      // The transport enforces the 1 MiB frame limit itself, across messages.
      maxPayload: 8 * 1024 * 1024,
    })
    let ended = false
    let opened = false
    let pendingEnd: SocketEnd | null = null
    const end = (value: SocketEnd) => {
      if (ended) return
      ended = true
      handlers.onEnd(value)
    }

    ws.on('open', () => {
      opened = true
      handlers.onOpen()
      watchCloseFrame(ws, (code, reason) => end({ kind: 'close', code, reason }))
    })
    ws.on('message', (data, isBinary) => {
      if (ended) return
      handlers.onMessage(isBinary || typeof data !== 'string' ? Buffer.from(data as Buffer).toString('utf8') : data)
    })
    ws.on('pong', () => handlers.onPong())
    ws.on('unexpected-response', (_req, res) => {
      // With this listener ws leaves cleanup to us (websockets/ws#1872).
      pendingEnd = { kind: 'http_status', status: res.statusCode ?? 0 }
      res.resume()
      ws.terminate()
    })
    ws.on('error', (error) => {
      if (!opened && pendingEnd === null) pendingEnd = { kind: 'error', message: error.message }
    })
    ws.on('close', (code, reason) => {
      end(pendingEnd ?? { kind: 'close', code, reason: reason.toString('utf8') })
    })

    return {
      send(text) {
        if (ws.readyState !== WebSocket.OPEN) throw new Error('socket is not open')
        ws.send(text)
      },
      ping() {
        if (ws.readyState === WebSocket.OPEN) ws.ping()
      },
      close(code, reason) {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
        else ws.close(code, reason)
      },
      terminate() {
        ws.terminate()
      },
    }
  }
}
