import { describe, expect, it } from 'vitest'
import { operatorFromClaims } from './oidc-claims'

const mapping = {
  roleClaim: 'groups',
  roles: { 'relay-viewers': 'viewer', 'relay-operators': 'operator', 'relay-admins': 'admin' },
  nameClaim: 'preferred_username',
} as const

describe('operatorFromClaims', () => {
  it('takes the highest role any value of the claim maps to, from a list or a single string', () => {
    expect(
      operatorFromClaims(
        { sub: 's1', preferred_username: 'alice', groups: ['staff', 'relay-viewers', 'relay-operators'] },
        mapping,
      ),
    ).toEqual({
      kind: 'operator',
      operator: { name: 'alice', role: 'operator' },
    })
    expect(operatorFromClaims({ sub: 's1', preferred_username: 'bob', groups: 'relay-admins' }, mapping)).toEqual({
      kind: 'operator',
      operator: { name: 'bob', role: 'admin' },
    })
  })

  it('reads a dotted claim into nested objects (Keycloak realm roles)', () => {
    const keycloak = { ...mapping, roleClaim: 'realm_access.roles' }
    expect(
      operatorFromClaims(
        { sub: 's', preferred_username: 'carol', realm_access: { roles: ['relay-admins'] } },
        keycloak,
      ),
    ).toMatchObject({
      operator: { role: 'admin' },
    })
  })

  it('names nobody with no mapped role: the provider signed them in, the console gives them nothing', () => {
    expect(operatorFromClaims({ sub: 's', preferred_username: 'dave', groups: ['staff'] }, mapping)).toEqual({
      kind: 'no_role',
      name: 'dave',
    })
    expect(operatorFromClaims({ sub: 's', preferred_username: 'dave' }, mapping)).toEqual({
      kind: 'no_role',
      name: 'dave',
    })
    // Inherited names are not claim values.
    expect(
      operatorFromClaims({ sub: 's', preferred_username: 'dave', groups: ['constructor', 'toString'] }, mapping).kind,
    ).toBe('no_role')
  })

  it("never takes a local operator's name: someone at the provider cannot act as alice in the audit", () => {
    const withLocals = { ...mapping, localNames: ['alice', 'admin'] }
    expect(
      operatorFromClaims(
        { sub: 's9', preferred_username: 'Alice', email: 'mallory@example.com', groups: ['relay-admins'] },
        withLocals,
      ),
    ).toMatchObject({
      operator: { name: 'mallory@example.com' },
    })
  })

  it('falls back to email, then sub, and never takes a reserved or unprintable name', () => {
    expect(
      operatorFromClaims({ sub: 'x1', email: 'erin@example.com', groups: ['relay-viewers'] }, mapping),
    ).toMatchObject({
      operator: { name: 'erin@example.com' },
    })
    expect(
      operatorFromClaims({ sub: 'abc123', preferred_username: 'admin', groups: ['relay-viewers'] }, mapping),
    ).toMatchObject({
      operator: { name: 'abc123' },
    })
    expect(
      operatorFromClaims({ sub: 'has space', preferred_username: 'a\nb', groups: ['relay-viewers'] }, mapping),
    ).toEqual({ kind: 'no_name' })
  })
})
