/**
 * A free loopback port, for a server that has to be told its port before it starts (a child
 * process, or a port kept across restarts). Servers in this process should listen on 0 instead.
 * @module
 */
import { createServer } from 'node:net'

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}
