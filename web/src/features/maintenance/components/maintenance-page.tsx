/**
 * Maintenance windows (docs/api.md, "Maintenance windows"): schedule one over named instances or a
 * label selector, see every window and how it stands, and cancel or end one early. Operators
 * schedule and end; viewers see the list.
 * @module
 */
import type { MaintenanceState, MaintenanceWindow } from '@relay-console/shared/fleet-ops'
import { CalendarClock } from 'lucide-react'
import { type FormEvent, type ReactNode, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { CELL, DataTable, LoadFailed, Loading } from '../../../components/data-table'
import { Page } from '../../../components/page'
import { Badge } from '../../../components/ui/badge'
import { Button } from '../../../components/ui/button'
import { Input } from '../../../components/ui/input'
import { Label } from '../../../components/ui/label'
import { useAllowed } from '../../../hooks/use-session'
import { failureReason } from '../../../lib/api-errors'
import { dateTime } from '../../../lib/format'
import {
  useEndMaintenance,
  useKnownInstance,
  useMaintenanceWindows,
  useScheduleMaintenance,
} from '../api/use-maintenance'
import { emptyForm, type FormProblem, idsFromUrl, type ScheduleForm, toBody } from '../model/schedule'

export function MaintenancePage({ onBack }: { onBack: () => void }) {
  const { t } = useTranslation()
  const canSchedule = useAllowed('operator')
  return (
    <Page title={t('maintenance.title')} onBack={onBack}>
      {(titleId) => (
        <>
          <p className="text-sm text-muted-foreground">{t('maintenance.intro')}</p>
          {canSchedule && <ScheduleWindow />}
          <WindowList labelledBy={titleId} canEnd={canSchedule} />
        </>
      )}
    </Page>
  )
}

const FIELD = 'flex flex-col gap-1'
const CONTROL = 'h-9 bg-background px-2'

function ScheduleWindow() {
  const { t } = useTranslation()
  const known = useKnownInstance()
  const schedule = useScheduleMaintenance()
  // Opened from a selection in the fleet: `?ids=a,b`.
  const [form, setForm] = useState<ScheduleForm>(() => emptyForm(Date.now(), idsFromUrl(window.location.search)))
  const [problems, setProblems] = useState<FormProblem[]>([])
  const [failure, setFailure] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const ids = useId()
  const set = (patch: Partial<ScheduleForm>) => setForm((f) => ({ ...f, ...patch }))
  const problemOf = (field: FormProblem['field']) => problems.find((p) => p.field === field)
  const errorText = (p: FormProblem | undefined) => {
    if (p === undefined) return null
    switch (p.error) {
      case 'unknownIds':
        return t('maintenance.errors.unknownIds', { ids: p.ids?.join(', ') ?? '' })
      case 'selectorInvalid':
        return t('maintenance.errors.selectorInvalid', { term: p.term ?? '' })
      default:
        return t(`maintenance.errors.${p.error}`)
    }
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setFailure(null)
    setDone(null)
    const result = toBody(form, Date.now(), known)
    if ('problems' in result) {
      setProblems(result.problems)
      return
    }
    setProblems([])
    schedule.mutate(result.body, {
      onSuccess: (window) => {
        setDone(window.name)
        setForm(emptyForm(Date.now()))
      },
      onError: (error) => setFailure(failureReason(error, t)),
    })
  }

  const field = (name: FormProblem['field'], label: string, control: (props: FieldProps) => ReactNode) => {
    const problem = errorText(problemOf(name))
    const id = `${ids}-${name}`
    return (
      <div className={FIELD}>
        <Label htmlFor={id}>{label}</Label>
        {control({
          id,
          'aria-invalid': problem !== null || undefined,
          'aria-describedby': problem === null ? undefined : `${id}-error`,
        })}
        {problem !== null && (
          <p id={`${id}-error`} className="text-xs text-destructive">
            {problem}
          </p>
        )}
      </div>
    )
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-labelledby={`${ids}-title`}
      className="flex flex-col gap-3 rounded-lg border border-border bg-card p-4"
      data-testid="maintenance-form"
    >
      <h3 id={`${ids}-title`} className="flex items-center gap-2 font-medium">
        <CalendarClock aria-hidden="true" className="size-4" />
        {t('maintenance.schedule')}
      </h3>
      <div className="grid gap-3 sm:grid-cols-2">
        {field('name', t('maintenance.name'), (props) => (
          <Input
            {...props}
            className={CONTROL}
            value={form.name}
            maxLength={100}
            placeholder={t('maintenance.namePlaceholder')}
            onChange={(e) => set({ name: e.target.value })}
          />
        ))}
        <fieldset className={FIELD}>
          <legend className="mb-1 text-sm font-medium">{t('maintenance.covers')}</legend>
          <div className="flex flex-wrap gap-4 text-sm">
            {(['ids', 'selector'] as const).map((kind) => (
              <label key={kind} className="flex items-center gap-1.5">
                <input
                  type="radio"
                  name={`${ids}-target`}
                  value={kind}
                  checked={form.target === kind}
                  onChange={() => set({ target: kind })}
                />
                {t(`maintenance.target.${kind}`)}
              </label>
            ))}
          </div>
        </fieldset>
        {form.target === 'ids'
          ? field('ids', t('maintenance.ids'), (props) => (
              <Input
                {...props}
                className={CONTROL}
                value={form.ids}
                placeholder={t('maintenance.idsPlaceholder')}
                onChange={(e) => set({ ids: e.target.value })}
              />
            ))
          : field('selector', t('maintenance.selector'), (props) => (
              <Input
                {...props}
                className={CONTROL}
                value={form.selector}
                placeholder={t('maintenance.selectorPlaceholder')}
                onChange={(e) => set({ selector: e.target.value })}
              />
            ))}
        <div className="grid grid-cols-2 gap-3 sm:col-span-2">
          {field('startsAt', t('maintenance.startsAt'), (props) => (
            <Input
              {...props}
              type="datetime-local"
              className={CONTROL}
              value={form.startsAt}
              onChange={(e) => set({ startsAt: e.target.value })}
            />
          ))}
          {field('endsAt', t('maintenance.endsAt'), (props) => (
            <Input
              {...props}
              type="datetime-local"
              className={CONTROL}
              value={form.endsAt}
              onChange={(e) => set({ endsAt: e.target.value })}
            />
          ))}
        </div>
      </div>
      <p className="text-xs text-muted-foreground">{t('maintenance.howItWorks')}</p>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={schedule.isPending}>
          {t('maintenance.submit')}
        </Button>
        <p role="status" className="text-sm">
          {done !== null && t('maintenance.scheduled', { name: done })}
        </p>
      </div>
      {failure !== null && (
        <p role="alert" className="text-sm text-destructive">
          {t('maintenance.scheduleFailed', { reason: failure })}
        </p>
      )}
    </form>
  )
}

interface FieldProps {
  id: string
  'aria-invalid': true | undefined
  'aria-describedby': string | undefined
}

const STATE_VARIANT: Record<MaintenanceState, 'warning' | 'outline' | 'success'> = {
  scheduled: 'outline',
  active: 'warning',
  ended: 'success',
  cancelled: 'outline',
}

function WindowList({ labelledBy, canEnd }: { labelledBy: string; canEnd: boolean }) {
  const { t } = useTranslation()
  const query = useMaintenanceWindows()
  const end = useEndMaintenance()
  const [failure, setFailure] = useState<string | null>(null)
  if (query.isPending) return <Loading />
  if (query.isError) return <LoadFailed error={query.error} />
  return (
    <>
      {failure !== null && (
        <p role="alert" className="text-sm text-destructive">
          {t('maintenance.endFailed', { reason: failure })}
        </p>
      )}
      <WindowTable
        windows={query.data.windows}
        labelledBy={labelledBy}
        canEnd={canEnd}
        ending={end.isPending ? end.variables : null}
        onEnd={(id) => {
          setFailure(null)
          end.mutate(id, { onError: (error) => setFailure(failureReason(error, t)) })
        }}
      />
    </>
  )
}

export interface WindowTableProps {
  windows: readonly MaintenanceWindow[]
  labelledBy: string
  canEnd: boolean
  /** The window being ended, if any. */
  ending: string | null
  onEnd: (id: string) => void
}

/** The windows, soonest first: data in, "cancel" and "end now" out. */
export function WindowTable({ windows, labelledBy, canEnd, ending, onEnd }: WindowTableProps) {
  const { t, i18n } = useTranslation()
  if (windows.length === 0) return <p className="text-sm text-muted-foreground">{t('maintenance.none')}</p>
  const time = (iso: string) => (
    <time dateTime={iso} className="tabular-nums">
      {dateTime(Date.parse(iso), i18n.language)}
    </time>
  )
  return (
    <DataTable
      labelledBy={labelledBy}
      headings={[
        t('maintenance.name'),
        t('maintenance.covers'),
        t('maintenance.startsAt'),
        t('maintenance.endsAt'),
        t('maintenance.state'),
      ]}
      actions={t('sessions.actions')}
    >
      {windows.map((w) => {
        const covers =
          w.selector !== null
            ? Object.entries(w.selector)
                .map(([k, v]) => `${k}:${v}`)
                .join(' ')
            : t('maintenance.instanceCount', { count: w.ids?.length ?? 0 })
        const open = w.state === 'scheduled' || w.state === 'active'
        return (
          <tr
            key={w.id}
            className="border-b border-border last:border-0"
            data-testid="maintenance-row"
            data-state={w.state}
          >
            <th scope="row" className={`${CELL} text-start font-medium`}>
              {w.name}
              <span className="block text-xs font-normal text-muted-foreground">
                {t('maintenance.by', { name: w.createdBy })}
              </span>
            </th>
            <td className={`${CELL} max-w-64`}>
              <span className="break-words">{covers}</span>
              {w.state !== 'scheduled' && w.state !== 'cancelled' && (
                <span className="block text-xs text-muted-foreground">
                  {t('maintenance.optedOut', { count: w.optedOut.length })}
                </span>
              )}
            </td>
            <td className={CELL}>{time(w.startsAt)}</td>
            <td className={CELL}>{time(w.endedAt ?? w.endsAt)}</td>
            <td className={CELL}>
              <Badge variant={STATE_VARIANT[w.state]}>{t(`maintenance.states.${w.state}`)}</Badge>
            </td>
            <td className={`${CELL} text-end`}>
              {canEnd && open && (
                <Button
                  variant="outline"
                  size="sm"
                  disabled={ending === w.id}
                  aria-label={t(w.state === 'active' ? 'maintenance.endNowLabel' : 'maintenance.cancelLabel', {
                    name: w.name,
                  })}
                  onClick={() => onEnd(w.id)}
                >
                  {t(w.state === 'active' ? 'maintenance.endNow' : 'maintenance.cancel')}
                </Button>
              )}
            </td>
          </tr>
        )
      })}
    </DataTable>
  )
}
