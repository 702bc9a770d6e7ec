/**
 * No component carries user-facing text of its own: every word comes from the locale files.
 * Looks at every JSX text node and the text-bearing attributes of every .tsx file.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = import.meta.dirname
const TEXT_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label', 'aria-description'])
const LETTER = /\p{L}/u

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.tsx') && !entry.name.endsWith('.test.tsx') ? [path] : []
  })
}

function literalText(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX)
  const found: string[] = []
  const where = (node: ts.Node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart())
    return `${relative(ROOT, file)}:${line + 1}`
  }
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && LETTER.test(node.text)) found.push(`${where(node)} text "${node.text.trim()}"`)
    if (ts.isJsxAttribute(node) && TEXT_ATTRIBUTES.has(node.name.getText(source))) {
      const init = node.initializer
      const literal =
        init !== undefined && ts.isStringLiteral(init)
          ? init.text
          : init !== undefined &&
              ts.isJsxExpression(init) &&
              init.expression !== undefined &&
              ts.isStringLiteral(init.expression)
            ? init.expression.text
            : null
      if (literal !== null && LETTER.test(literal))
        found.push(`${where(node)} ${node.name.getText(source)}="${literal}"`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('UI text', () => {
  const files = sources(ROOT)

  it('finds the components to check', () => {
    expect(files.length).toBeGreaterThan(10)
  })

  it('has no literal words in any component', () => {
    expect(files.flatMap((file) => literalText(file))).toEqual([])
  })

  it('would catch one', () => {
    const probe = join(ROOT, 'probe.tsx')
    expect(
      literalText(probe, 'export const P = () => <p title="Hello" aria-label={"Go"} lang="en">Connected {"·"}</p>'),
    ).toEqual(['probe.tsx:1 title="Hello"', 'probe.tsx:1 aria-label="Go"', 'probe.tsx:1 text "Connected"'])
  })
})
