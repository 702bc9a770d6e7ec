/**
 * The console's HTTP API with the operator's bearer. Answers whatever the status, so a test can
 * check a refusal as readily as a success.
 * @module
 */
import { TOKENS } from './tokens'

export type ConsoleCall = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: T }>

export function consoleApi(consoleUrl: string, operatorToken = TOKENS.RELAY_CONSOLE_TOKEN): ConsoleCall {
  return async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${consoleUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as T }
  }
}
