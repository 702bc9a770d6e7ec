/**
 * Every locale is complete: run with LOCALE=xx to check one.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LANGUAGES } from '../web/src/lib/i18n'
import { checkLocale } from '../web/src/lib/locale-check'

const dir = import.meta.dirname
const read = (code: string) => JSON.parse(readFileSync(`${dir}/${code}.json`, 'utf8'))
const english = read('en')
const only = process.env.LOCALE

describe('locales', () => {
  it('has a file for every language the app offers, and no other', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort()
    expect(files).toEqual(LANGUAGES.map((l) => l.code).sort())
  })

  it('offers at least the 24 languages asked for', () => {
    expect(LANGUAGES).toHaveLength(24)
  })

  for (const { code } of LANGUAGES.filter((l) => l.code !== 'en' && (only === undefined || l.code === only))) {
    it(`${code} is complete, with ${code}'s plural forms and English's placeholders`, () => {
      expect(checkLocale(english, read(code), code)).toEqual([])
    })
  }
})

describe('checkLocale', () => {
  const en = { a: 'Hello {{name}}', n_one: '{{count}} item', n_other: '{{count}} items' }

  it('reports missing, empty, extra and mismatched keys', () => {
    expect(checkLocale(en, { a: '', n_one: 'x', n_other: '{{count}} x', b: 'extra' }, 'de')).toEqual([
      'de: empty a',
      'de: extra key b',
    ])
    expect(checkLocale(en, { a: 'Hallo {{nom}}', n_one: 'x', n_other: 'y' }, 'de')).toEqual([
      'de: a has placeholders {nom} but English has {name}',
    ])
  })

  it('asks for exactly the plural categories of the language', () => {
    expect(checkLocale(en, { a: '{{name}}', n_one: 'a', n_other: 'b' }, 'pl')).toEqual([
      'pl: missing n_few (plural category "few")',
      'pl: missing n_many (plural category "many")',
    ])
    expect(checkLocale(en, { a: '{{name}}', n_one: 'a', n_other: '{{count}}' }, 'ja')).toEqual([
      'ja: extra key n_one ("one" is not a plural category of ja)',
    ])
  })
})
