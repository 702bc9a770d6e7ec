import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { SsoEntry } from './sso-entry'

describe('SsoEntry', () => {
  it('offers nothing without single sign-on', () => {
    const { container } = render(<SsoEntry sso={null} failure={null} />)
    expect(container).toBeEmptyDOMElement()
  })

  it('offers "Sign in with {provider}" as a plain link to the start of the flow', () => {
    render(<SsoEntry sso={{ name: 'Keycloak', available: true }} failure={null} />)
    expect(screen.getByRole('link', { name: 'Sign in with Keycloak' })).toHaveAttribute('href', '/auth/oidc/start')
    expect(screen.getByText('Or sign in with an operator token')).toBeInTheDocument()
  })

  it('says single sign-on is unavailable, offers no link, and leaves the token form to work', () => {
    render(<SsoEntry sso={{ name: 'Keycloak', available: false }} failure={null} />)
    expect(screen.queryByRole('link')).toBeNull()
    expect(screen.getByRole('status')).toHaveTextContent(
      'Sign-in with Keycloak is unavailable right now. Operators with a token can still sign in below.',
    )
  })

  it('says why the last attempt did not complete', () => {
    const { rerender } = render(<SsoEntry sso={{ name: 'Keycloak', available: true }} failure="no_role" />)
    expect(screen.getByRole('alert')).toHaveTextContent('Your account at Keycloak has no role in Relay Console.')
    rerender(<SsoEntry sso={{ name: 'Keycloak', available: true }} failure="failed" />)
    expect(screen.getByRole('alert')).toHaveTextContent('Sign-in with Keycloak did not complete. Try again.')
    rerender(<SsoEntry sso={{ name: 'Keycloak', available: false }} failure="unavailable" />)
    expect(screen.getAllByText(/unavailable right now/)).toHaveLength(1)
  })
})
