/**
 * Locale-aware time phrases: "3 minutes ago", "in 12 s", "2 hours". Pure; the current time and
 * the language come in as arguments. The Intl formatters are made once per language and kept:
 * making one costs far more than using it, and a table of rows asks for thousands a second.
 * @module
 */

/** `make(key)`, made once per key (a language, a unit) and kept. */
function cached<F>(make: (key: string) => F): (key: string) => F {
  const made = new Map<string, F>()
  return (key) => {
    let format = made.get(key)
    if (format === undefined) {
      format = make(key)
      made.set(key, format)
    }
    return format
  }
}

const relativeFormat = cached((language) => new Intl.RelativeTimeFormat(language, { numeric: 'auto' }))
const dateTimeFormat = cached(
  (language) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }),
)
const clockFormat = cached((language) => new Intl.DateTimeFormat(language, { timeStyle: 'short' }))
const dayClockFormat = cached(
  (language) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }),
)
const durationFormat = cached((language) =>
  cached((unit) => new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'short' })),
)

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
]

/** "2 minutes ago", "now", "in 5 seconds". */
export function relativeTime(atMs: number, nowMs: number, language: string): string {
  const diff = atMs - nowMs
  const format = relativeFormat(language)
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
  return durationFormat(language)(unit).format(value)
}

/** An absolute time, for tooltips and the timeline. */
export function dateTime(atMs: number, language: string): string {
  return dateTimeFormat(language).format(atMs)
}

/** A time of day, "11:10": when something began, today. */
export function clockTime(atMs: number, language: string): string {
  return clockFormat(language).format(atMs)
}

/** When something ends: "14:00" the same day as `nowMs`, "1 Dec 2026, 14:00" another day. */
export function untilTime(atMs: number, nowMs: number, language: string): string {
  return new Date(atMs).toDateString() === new Date(nowMs).toDateString()
    ? clockFormat(language).format(atMs)
    : dayClockFormat(language).format(atMs)
}
