/**
 * The schedule form's model: what the operator typed, and the `POST /api/maintenance` body it
 * makes, or the field that is wrong. Pure: no React, no clock but the one given.
 * @module
 */

import type { MaintenanceBody } from '@relay-console/shared/fleet-ops'
import { LABEL_PATTERN, type Labels } from '@relay-console/shared/instance'

export type TargetKind = 'ids' | 'selector'

export interface ScheduleForm {
  name: string
  target: TargetKind
  /** Instance ids, separated by spaces, commas or new lines. */
  ids: string
  /** `key:value` pairs, separated by spaces or commas: every one must match. */
  selector: string
  /** `datetime-local` values, in the browser's time zone. */
  startsAt: string
  endsAt: string
}

/** What is wrong, by field, as a locale key under `maintenance.errors`. */
export type FormProblem =
  | { field: 'name'; error: 'nameMissing' }
  | { field: 'ids'; error: 'idsMissing' | 'unknownIds'; ids?: string[] }
  | { field: 'selector'; error: 'selectorMissing' | 'selectorInvalid'; term?: string }
  | { field: 'startsAt'; error: 'timeInvalid' }
  | { field: 'endsAt'; error: 'timeInvalid' | 'endBeforeStart' | 'endPassed' }

const split = (text: string) => text.split(/[\s,]+/).filter((part) => part !== '')

/** `tenant:acme region:eu-west` → `{tenant: 'acme', region: 'eu-west'}`, or the first term that is not a label. */
export function parseSelector(text: string): { labels: Labels } | { bad: string } {
  const labels: Labels = {}
  for (const term of split(text)) {
    const at = term.indexOf(':')
    const key = term.slice(0, at)
    const value = term.slice(at + 1)
    if (at <= 0 || !LABEL_PATTERN.test(key) || !LABEL_PATTERN.test(value)) return { bad: term }
    labels[key] = value
  }
  return { labels }
}

/** A `datetime-local` value (`2026-12-01T13:00`) for a moment, in the browser's time zone. */
export function localInput(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A fresh form: starting now, for an hour, over the instances given (a selection), if any. */
export function emptyForm(now: number, ids: readonly string[] = []): ScheduleForm {
  return {
    name: '',
    target: 'ids',
    ids: ids.join(' '),
    selector: '',
    startsAt: localInput(now),
    endsAt: localInput(now + 60 * 60_000),
  }
}

/** The body the form makes, or every problem with it. `known` answers whether an instance id exists. */
export function toBody(
  form: ScheduleForm,
  now: number,
  known: (id: string) => boolean,
): { body: MaintenanceBody } | { problems: FormProblem[] } {
  const problems: FormProblem[] = []
  const name = form.name.trim()
  if (name === '') problems.push({ field: 'name', error: 'nameMissing' })
  let target: Pick<MaintenanceBody, 'ids' | 'selector'> = {}
  if (form.target === 'ids') {
    const ids = [...new Set(split(form.ids))]
    const unknown = ids.filter((id) => !known(id))
    if (ids.length === 0) problems.push({ field: 'ids', error: 'idsMissing' })
    else if (unknown.length > 0) problems.push({ field: 'ids', error: 'unknownIds', ids: unknown })
    target = { ids }
  } else {
    const parsed = parseSelector(form.selector)
    if ('bad' in parsed) problems.push({ field: 'selector', error: 'selectorInvalid', term: parsed.bad })
    else if (Object.keys(parsed.labels).length === 0) problems.push({ field: 'selector', error: 'selectorMissing' })
    else target = { selector: parsed.labels }
  }
  const start = Date.parse(form.startsAt)
  const end = Date.parse(form.endsAt)
  if (Number.isNaN(start)) problems.push({ field: 'startsAt', error: 'timeInvalid' })
  if (Number.isNaN(end)) problems.push({ field: 'endsAt', error: 'timeInvalid' })
  else if (end <= now) problems.push({ field: 'endsAt', error: 'endPassed' })
  else if (!Number.isNaN(start) && end <= start) problems.push({ field: 'endsAt', error: 'endBeforeStart' })
  if (problems.length > 0) return { problems }
  return {
    body: { name, ...target, startsAt: new Date(start).toISOString(), endsAt: new Date(end).toISOString() },
  }
}

/** The instances a link names (`?ids=a,b`), as the fleet's selection sends them to the form. */
export function idsFromUrl(search: string): string[] {
  const ids = new URLSearchParams(search).get('ids')
  return ids === null ? [] : ids.split(',').filter((id) => id !== '')
}
