import { existsSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './temp-dir'

describe('tempDir', () => {
  it('makes a fresh directory with the prefix, and removes it with what is in it', () => {
    const dir = tempDir('relay-console-temp-dir-test-')
    expect(basename(dir.path).startsWith('relay-console-temp-dir-test-')).toBe(true)
    writeFileSync(join(dir.path, 'state.json'), '{}')
    dir.remove()
    expect(existsSync(dir.path)).toBe(false)
    dir.remove() // a second remove is harmless
  })
})
