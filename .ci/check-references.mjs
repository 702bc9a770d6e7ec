#!/usr/bin/env node
/**
 * Keeps every reference in the repository inside it, so the code and the docs stand on their own
 * (`npm run lint` runs this after Biome):
 *
 * - no comment in a source file, and no Markdown file, cites a spec that lives outside the repo
 *   (`PRODUCT.md`, `RELAY-CONTRACT`, `STYLE-ANCHORS`, `../shared/…`);
 * - every `§N` names a section of docs/relay-contract.md that exists (its `## N.` headings, numbered
 *   1, 2, 3 … with no gap), and a file that uses `§N` names that page (RFC sections excepted);
 * - every relative Markdown link resolves to a file or folder in the repo, and its `#anchor`, if it
 *   has one, to a heading of that file.
 *
 * Prints one line per problem (`path:line: what`) and exits 1 when there is any.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

const ROOT = resolve(import.meta.dirname, '..')
const SELF = relative(ROOT, import.meta.filename)
const CONTRACT = 'docs/relay-contract.md'

/** Names of documents that are not in this repository; a comment or doc citing one is unreadable here. */
const OUTSIDE = [
  { pattern: /PRODUCT\.md/, what: 'PRODUCT.md is not in this repo: cite docs/*.md or README.md' },
  { pattern: /RELAY-CONTRACT/, what: `RELAY-CONTRACT is not in this repo: cite ${CONTRACT} §N` },
  { pattern: /STYLE-ANCHORS/, what: 'STYLE-ANCHORS is not in this repo' },
  { pattern: /relay-(?:gateway|connector)-side\.md/, what: 'that reference is not in this repo' },
  { pattern: /\.\.\/shared\//, what: `../shared/ is outside this repo: cite ${CONTRACT} §N or docs/*.md` },
]

const SOURCE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/
const CSS = /\.css$/
const MARKDOWN = /\.md$/

const problems = []
const report = (file, text, offset, what) => {
  const line = text.slice(0, offset).split('\n').length
  problems.push(`${file}:${line}: ${what}`)
}

function files() {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  return [...new Set(out.split('\0'))].filter((file) => file !== '' && file !== SELF && existsSync(join(ROOT, file)))
}

/** Every comment of a JS/TS file, with its offset: the trivia around every token of the parse tree. */
function sourceComments(file, text) {
  const kind = /x$/.test(file) ? ts.ScriptKind.TSX : /js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind)
  const found = new Map()
  const add = (ranges) => {
    for (const range of ranges ?? []) found.set(range.pos, text.slice(range.pos, range.end))
  }
  const visit = (node) => {
    // JSX text is text, even when it looks like a comment.
    if (node.kind !== ts.SyntaxKind.JsxText) {
      add(ts.getLeadingCommentRanges(text, node.pos))
      add(ts.getTrailingCommentRanges(text, node.end))
    }
    for (const child of node.getChildren(source)) visit(child)
  }
  visit(source)
  return [...found].map(([offset, body]) => ({ offset, body }))
}

function cssComments(text) {
  return [...text.matchAll(/\/\*[\s\S]*?\*\//g)].map((m) => ({ offset: m.index, body: m[0] }))
}

/** Markdown without its fenced code blocks (kept as blank lines, so offsets and lines still match). */
function withoutFences(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '))
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown) {
  const seen = new Map()
  const out = new Set()
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

const contractText = existsSync(join(ROOT, CONTRACT)) ? readFileSync(join(ROOT, CONTRACT), 'utf8') : ''
const sections = [...contractText.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]))
if (sections.length === 0) problems.push(`${CONTRACT}: no numbered sections (## 1. …) found`)
sections.forEach((n, i) => {
  if (n !== i + 1) problems.push(`${CONTRACT}: section ${n} is the ${i + 1}th: number them 1, 2, 3 … in order`)
})

let citations = 0

/** Checks one piece of text (a comment, or a whole Markdown file) of `file`, at `offset` in `text`. */
function checkProse(file, text, offset, body, namesContract) {
  for (const { pattern, what } of OUTSIDE) {
    const global = new RegExp(pattern.source, 'g')
    for (const m of body.matchAll(global)) report(file, text, offset + m.index, what)
  }
  for (const m of body.matchAll(/(RFC\s*\d+\s*)?§\s*(\d+)/g)) {
    if (m[1] !== undefined) continue
    citations += 1
    const n = Number(m[2])
    if (!namesContract) report(file, text, offset + m.index, `§${n} without naming ${CONTRACT}`)
    else if (n < 1 || n > sections.length) {
      report(file, text, offset + m.index, `${CONTRACT} has no §${n} (it has §1–§${sections.length})`)
    }
  }
}

const anchorCache = new Map()
const anchorsOf = (path) => {
  if (!anchorCache.has(path)) anchorCache.set(path, anchors(readFileSync(path, 'utf8')))
  return anchorCache.get(path)
}

function checkLinks(file, text) {
  const plain = withoutFences(text).replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length))
  const inline = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g // [text](target "title")
  const definition = /^[ \t]*\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]|$)/gm // [label]: target
  const targets = [...plain.matchAll(inline), ...plain.matchAll(definition)].map((m) => ({ at: m.index, target: m[1] }))
  for (const { at, target } of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // http:, https:, mailto: …
    const [pathPart, anchor] = target.split('#', 2)
    const path = pathPart === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURIComponent(pathPart))
    const inRepo = relative(ROOT, path)
    if (inRepo.startsWith('..') || !existsSync(path)) {
      report(file, text, at, `link to ${target}: no such file in the repo`)
      continue
    }
    if (anchor !== undefined && anchor !== '' && statSync(path).isFile() && MARKDOWN.test(path)) {
      if (!anchorsOf(path).has(decodeURIComponent(anchor).toLowerCase())) {
        report(file, text, at, `link to ${target}: no heading with that anchor`)
      }
    }
  }
}

const all = files()
let sourceCount = 0
let markdownCount = 0
for (const file of all) {
  const isSource = SOURCE.test(file)
  const isCss = CSS.test(file)
  const isMarkdown = MARKDOWN.test(file)
  if (!isSource && !isCss && !isMarkdown) continue
  const text = readFileSync(join(ROOT, file), 'utf8')
  if (!isMarkdown && !text.includes('§') && !OUTSIDE.some(({ pattern }) => pattern.test(text))) {
    sourceCount += 1 // nothing to look for: skip the parse
    continue
  }
  if (isMarkdown) {
    markdownCount += 1
    const prose = withoutFences(text)
    checkProse(file, text, 0, prose, file === CONTRACT || prose.includes('relay-contract.md'))
    checkLinks(file, text)
    continue
  }
  sourceCount += 1
  const comments = isSource ? sourceComments(file, text) : cssComments(text)
  const namesContract = comments.some((c) => c.body.includes(CONTRACT))
  for (const { offset, body } of comments) checkProse(file, text, offset, body, namesContract)
}

// A check that finds nothing to look at passes for the wrong reason.
if (sourceCount < 50 || markdownCount < 5 || citations < 10) {
  problems.push(
    `found only ${sourceCount} source files, ${markdownCount} Markdown files and ${citations} § citations: is the repo root right?`,
  )
}

if (problems.length > 0) {
  console.error(`${problems.join('\n')}\n\n${problems.length} reference problem(s): see ${SELF}.`)
  process.exit(1)
}
console.log(
  `references: ${sourceCount} source and ${markdownCount} Markdown files, ${citations} § citations of §1–§${sections.length}: all inside the repo`,
)
