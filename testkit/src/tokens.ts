/**
 * The bearer tokens every harness process shares: `run()` puts them in each child's environment,
 * and the clients here send them, so a test never has to pass them around.
 * @module
 */
export const TOKENS = {
  RELAY_CONSOLE_TOKEN: 'testkit-operator-token-0123456789',
  RELAY_IDENTITY_TOKEN: 'testkit-identity-token-0123456789',
  CONNECTOR_ADMIN_TOKEN: 'testkit-admin-token-0123456789',
}
