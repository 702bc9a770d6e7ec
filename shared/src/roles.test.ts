import { describe, expect, it } from 'vitest'
import { OperatorNameSchema, ROLES, roleAllows } from './roles'

describe('roleAllows', () => {
  it('lets each role do what it and every role below it may, and nothing above', () => {
    const table = ROLES.map((role) => ROLES.map((needed) => roleAllows(role, needed)))
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ])
  })
})

describe('OperatorNameSchema', () => {
  it('takes plain names and e-mail-like ones, and refuses blanks, spaces and control characters', () => {
    for (const name of ['alice', 'bob.smith', 'ops-1', 'carol@example.com'])
      expect(OperatorNameSchema.parse(name)).toBe(name)
    for (const name of ['', ' alice', 'a b', 'eve\n', '-x', 'x'.repeat(65)]) {
      expect(OperatorNameSchema.safeParse(name).success).toBe(false)
    }
  })
})
