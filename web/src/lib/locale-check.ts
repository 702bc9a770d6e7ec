/**
 * Checks one locale file against the English source: every key present and non-empty, no extra
 * keys, every plural category `Intl.PluralRules` needs for that language (and no others), and the
 * same `{{placeholders}}` as English. Pure, so a test can run it on every file.
 * @module
 */

type Json = { [key: string]: string | Json }

const PLURAL = /_(zero|one|two|few|many|other)$/
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*(?:,[^}]*)?\}\}/g

export function flatten(json: Json, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(json)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of flatten(value, path)) out.set(k, v)
  }
  return out
}

const placeholders = (text: string) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]).sort()

export function checkLocale(english: Json, other: Json, language: string): string[] {
  const problems: string[] = []
  const en = flatten(english)
  const loc = flatten(other)
  const categories = new Set(new Intl.PluralRules(language).resolvedOptions().pluralCategories)

  const enBases = new Map<string, string>() // plural base → the English `_other` text
  const enPlain = new Map<string, string>()
  for (const [key, text] of en) {
    const m = PLURAL.exec(key)
    if (m) enBases.set(key.slice(0, -m[0].length), en.get(`${key.slice(0, -m[0].length)}_other`) ?? text)
    else enPlain.set(key, text)
  }

  for (const [key, text] of enPlain) {
    const value = loc.get(key)
    if (value === undefined) problems.push(`${language}: missing ${key}`)
    else if (value.trim() === '') problems.push(`${language}: empty ${key}`)
    else if (placeholders(value).join() !== placeholders(text).join()) {
      problems.push(
        `${language}: ${key} has placeholders {${placeholders(value)}} but English has {${placeholders(text)}}`,
      )
    }
  }
  for (const [base, text] of enBases) {
    for (const category of categories) {
      const key = `${base}_${category}`
      const value = loc.get(key)
      if (value === undefined) problems.push(`${language}: missing ${key} (plural category "${category}")`)
      else if (value.trim() === '') problems.push(`${language}: empty ${key}`)
      else {
        // A form may leave {{count}} out (e.g. "one" written as a word); every other placeholder stays.
        const want = placeholders(text).filter((p) => p !== 'count')
        const have = placeholders(value).filter((p) => p !== 'count')
        if (have.join() !== want.join()) {
          problems.push(
            `${language}: ${key} has placeholders {${placeholders(value)}} but English has {${placeholders(text)}}`,
          )
        }
      }
    }
  }
  for (const key of loc.keys()) {
    const m = PLURAL.exec(key)
    if (m) {
      const base = key.slice(0, -m[0].length)
      if (!enBases.has(base)) problems.push(`${language}: extra key ${key}`)
      else if (!categories.has(m[1] as Intl.LDMLPluralRule)) {
        problems.push(`${language}: extra key ${key} ("${m[1]}" is not a plural category of ${language})`)
      }
    } else if (!enPlain.has(key)) problems.push(`${language}: extra key ${key}`)
  }
  return problems
}
