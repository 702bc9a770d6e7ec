/**
 * A real OpenID provider for the single sign-on tests: `oidc-provider` (a certified implementation)
 * on a free loopback port, in the test's own process, with its development sign-in pages (any
 * login, any password) and one confidential client for the console. Each account's `groups`
 * claim goes into the ID token, where the console reads the role from.
 * @module
 */
import type { Server } from 'node:http'
import { freePort } from '@relay-console/testkit/ports'
import Provider from 'oidc-provider'

export const OIDC_CLIENT_ID = 'relay-console'
export const OIDC_CLIENT_SECRET = 'e2e-oidc-client-secret-0123456789abcdef'

export interface TestProvider {
  issuer: string
  stop(): Promise<void>
}

export async function startOidcProvider(options: {
  redirectUris: string[]
  /** Each account's groups, by login name. */
  groups: Record<string, string[]>
}): Promise<TestProvider> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT_ID,
        client_secret: OIDC_CLIENT_SECRET,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'profile', 'groups'],
    claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
    // The claims of the scopes asked for go into the ID token itself.
    conformIdTokenClaims: false,
    cookies: { keys: ['e2e-oidc-cookie-key-0123456789'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, preferred_username: id, groups: options.groups[id] ?? [] }),
    }),
  })
  const server: Server = provider.listen(port)
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
