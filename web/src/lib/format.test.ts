import { describe, expect, it } from 'vitest'
import { relativeTime, shortDuration } from './format'

describe('format', () => {
  const now = Date.UTC(2026, 10, 27, 10, 0, 0)

  it('says how long ago, in the language asked', () => {
    expect(relativeTime(now - 2000, now, 'en')).toBe('now')
    expect(relativeTime(now - 30_000, now, 'en')).toBe('30 seconds ago')
    expect(relativeTime(now - 3 * 60_000, now, 'en')).toBe('3 minutes ago')
    expect(relativeTime(now - 2 * 3_600_000, now, 'en')).toBe('2 hours ago')
    expect(relativeTime(now - 3 * 60_000, now, 'de')).toBe('vor 3 Minuten')
  })

  it('writes short durations', () => {
    expect(shortDuration(12_000, 'en')).toBe('12 sec')
    expect(shortDuration(180_000, 'en')).toBe('3 min')
    expect(shortDuration(7_200_000, 'en')).toBe('2 hr')
  })
})
