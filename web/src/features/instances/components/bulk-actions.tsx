/**
 * Bulk opt-out and opt-in: what is selected, "select all shown", and the two actions. Each runs in
 * one request (`POST /api/relay/bulk`) after one confirmation that names the count and a sample;
 * progress is read from the live fleet as instances reach the state asked for; the result lists
 * every failure, and "Retry failed" sends those again. Failed ones stay selected.
 * @module
 */
import { BULK_MAX_IDS, type BulkRelayResponse, type BulkRelayResult } from '@relay-console/shared/api'
import type { ClientInstance } from '@relay-console/shared/instance'
import { CalendarClock, Power, PowerOff } from 'lucide-react'
import { lazy, Suspense, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { type BulkPhase, inBatches } from '../model/bulk'

// The dialog (and Radix's focus and layer machinery) loads on the first bulk action, not with the page.
const BulkDialog = lazy(() => import('./bulk-dialog').then((m) => ({ default: m.BulkDialog })))

export function BulkActions({
  selected,
  shown,
  byId,
  onSelect,
  onClear,
  run,
  onSchedule,
}: {
  selected: ReadonlySet<string>
  /** What the filter shows, in order: "select all shown" takes these. */
  shown: readonly ClientInstance[]
  /** Every instance, live: names and progress. */
  byId: ReadonlyMap<string, ClientInstance>
  onSelect: (ids: readonly string[], selected: boolean) => void
  onClear: () => void
  run: (ids: readonly string[], optedIn: boolean) => Promise<BulkRelayResponse>
  /** Opens the maintenance form over the selection (no button without it). */
  onSchedule?: (ids: readonly string[]) => void
}) {
  const { t } = useTranslation()
  const [phase, setPhase] = useState<BulkPhase>({ kind: 'closed' })
  // Selected ones the fleet no longer has (a reload of the config) are left out.
  const ids = [...selected].filter((id) => byId.has(id))
  const allShown = shown.length > 0 && shown.every((i) => selected.has(i.id))

  const start = async (targets: readonly string[], optedIn: boolean) => {
    setPhase({ kind: 'running', ids: targets, optedIn })
    try {
      // More than one request takes (a filter showing over 10,000): one after the other.
      const results: BulkRelayResult[] = []
      for (const batch of inBatches(targets, BULK_MAX_IDS)) results.push(...(await run(batch, optedIn)).results)
      setPhase({ kind: 'done', ids: targets, optedIn, results })
      onClear()
      onSelect(
        results.filter((r) => r.result === 'failed').map((r) => r.id),
        true,
      )
    } catch (error) {
      setPhase({ kind: 'error', ids: targets, optedIn, error })
    }
  }

  return (
    <section aria-label={t('bulk.region')} className="flex flex-wrap items-center gap-2 text-sm">
      <span className="tabular-nums" aria-live="polite">
        {t('bulk.selected', { count: ids.length })}
      </span>
      {!allShown && shown.length > 0 && (
        <Button
          variant="ghost"
          size="sm"
          onClick={() =>
            onSelect(
              shown.map((i) => i.id),
              true,
            )
          }
        >
          {t('bulk.selectShown', { count: shown.length })}
        </Button>
      )}
      {ids.length > 0 && (
        <Button variant="ghost" size="sm" onClick={onClear}>
          {t('bulk.clear')}
        </Button>
      )}
      <Button
        variant="outline"
        size="sm"
        disabled={ids.length === 0}
        onClick={() => setPhase({ kind: 'confirm', ids, optedIn: false })}
      >
        <PowerOff aria-hidden="true" />
        {t('bulk.optOut')}
      </Button>
      <Button
        variant="outline"
        size="sm"
        disabled={ids.length === 0}
        onClick={() => setPhase({ kind: 'confirm', ids, optedIn: true })}
      >
        <Power aria-hidden="true" />
        {t('bulk.optIn')}
      </Button>
      {onSchedule !== undefined && (
        <Button variant="outline" size="sm" disabled={ids.length === 0} onClick={() => onSchedule(ids)}>
          <CalendarClock aria-hidden="true" />
          {t('bulk.scheduleMaintenance')}
        </Button>
      )}
      {phase.kind !== 'closed' && (
        <Suspense fallback={null}>
          <BulkDialog phase={phase} byId={byId} onStart={start} onClose={() => setPhase({ kind: 'closed' })} />
        </Suspense>
      )}
    </section>
  )
}
