/**
 * Locale-aware time phrases: "3 minutes ago", "in 12 s", "2 hours". Pure; the current time and
 * the language come in as arguments.
 * @module
 */

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]

/** "2 minutes ago", "now", "in 5 seconds". */
export function relativeTime(atMs: number, nowMs: number, language: string): string {
  const diff = atMs - nowMs
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' })
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size || unit === 'second') {
      const value = Math.round(diff / size)
      return format.format(unit === 'second' && Math.abs(value) < 5 ? 0 : value, unit)
    }
  }
  return format.format(0, 'second')
}

/** A short duration: "12 s", "3 min", "2 h". */
export function shortDuration(ms: number, language: string): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  const [unit, value] =
    seconds < 60
      ? ['second', seconds]
      : seconds < 3600
        ? ['minute', Math.round(seconds / 60)]
        : ['hour', Math.round(seconds / 3600)]
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'short' }).format(value)
}

/** An absolute time, for tooltips and the timeline. */
export function dateTime(atMs: number, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }).format(atMs)
}

/** A time of day, "11:10": when something began, today. */
export function clockTime(atMs: number, language: string): string {
  return new Intl.DateTimeFormat(language, { timeStyle: 'short' }).format(atMs)
}
