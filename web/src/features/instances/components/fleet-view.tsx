/**
 * The fleet page: summary counts (which filter), search, sort, grouping and the cards/table switch,
 * the banners that need an operator, bulk actions, and the fleet as cards or as a table — or an
 * empty state that says why it is empty.
 * @module
 */
import type { BulkRelayResponse } from '@relay-console/shared/api'
import type { ClientInstance } from '@relay-console/shared/instance'
import { Download, LayoutGrid, Rows3, Search } from 'lucide-react'
import {
  lazy,
  memo,
  type ReactNode,
  Suspense,
  useCallback,
  useDeferredValue,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { Input } from '../../../components/ui/input'
import { Label } from '../../../components/ui/label'
import { Select } from '../../../components/ui/select'
import { useRelayAccess } from '../../../hooks/use-session'
import { failureReason } from '../../../lib/api-errors'
import { cn } from '../../../lib/cn'
import { downloadText, exportName } from '../../../lib/download'
import type { RelayAccess } from '../../../lib/relay-access'
import { useBulkRelay, useInstances, useSetRelay } from '../api/use-instances'
import { useLiveState } from '../live/live-provider'
import { instancesCsv, instancesJson } from '../model/export'
import {
  actionNeeded,
  countFleet,
  fleetRows,
  groupKey,
  keepInPlace,
  labelKeys,
  nameRanks,
  type SortOrder,
  type StateFilter,
  selectInstances,
} from '../model/fleet'
import {
  DEFAULT_FLEET_QUERY,
  type FleetQuery,
  type FleetViewKind,
  parseFleetQuery,
  withFleetQuery,
} from '../model/fleet-query'
import { fleetIncident } from '../model/incident'
import { ActionBanner, IncidentBanner, StaleBanner } from './banners'
import { BulkActions } from './bulk-actions'
import { GroupHeading } from './group-heading'

// The table (and its table library) and the details dialog load when first shown, not with the page.
const FleetTable = lazy(() => import('./fleet-table').then((m) => ({ default: m.FleetTable })))
const InstanceDialog = lazy(() => import('./instance-dialog').then((m) => ({ default: m.InstanceDialog })))

import { InstanceList, type ScrollTarget } from './instance-list'
import { PlatformsCard } from './platforms-card'
import { StateSummary } from './state-summary'

/**
 * The fleet page wired to the API, the live stream and the URL: the view's search, filter and sort
 * live in the query string (typing replaces the history entry, a filter or sort adds one), and back
 * or forward brings the view they name.
 */
export function FleetView({
  renderDetail,
  openId,
  onOpenChange,
  onScheduleMaintenance,
}: {
  renderDetail: (instance: ClientInstance) => ReactNode
  /** The instance whose details the URL opens (`/instances/:id`). */
  openId: string | null
  onOpenChange: (id: string | null) => void
  /** Opens the maintenance form over these instances. */
  onScheduleMaintenance?: (ids: readonly string[]) => void
}) {
  const [urlQuery, setUrlQuery] = useState(() => parseFleetQuery(window.location.search))
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    // Back or forward: the view the URL now names, from scratch.
    const onPop = () => {
      setUrlQuery(parseFleetQuery(window.location.search))
      setGeneration((g) => g + 1)
    }
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])
  const onQueryChange = useCallback((next: FleetQuery, how: 'push' | 'replace') => {
    const search = withFleetQuery(window.location.search, next)
    const url = `${window.location.pathname}${search}${window.location.hash}`
    if (how === 'push') window.history.pushState(null, '', url)
    else window.history.replaceState(null, '', url)
  }, [])
  const query = useInstances()
  const live = useLiveState()
  const { mutateAsync } = useSetRelay()
  const onSetRelay = useCallback((id: string, optedIn: boolean) => mutateAsync({ id, optedIn }), [mutateAsync])
  const bulk = useBulkRelay()
  const onBulk = useCallback(
    (ids: readonly string[], optedIn: boolean) => bulk.mutateAsync({ ids, optedIn }),
    [bulk.mutateAsync],
  )
  const relayAccess = useRelayAccess()
  return (
    <FleetPanel
      instances={query.data?.instances}
      loadError={query.isError && query.data === undefined ? query.error : null}
      stale={live.stale}
      // Only while stale (when it no longer moves): live, it changes with every event.
      lastEventAt={live.stale ? live.lastEventAt : null}
      onSetRelay={onSetRelay}
      onBulk={onBulk}
      relayAccess={relayAccess}
      renderDetail={renderDetail}
      key={generation}
      initialQuery={urlQuery}
      onQueryChange={onQueryChange}
      openId={openId}
      onOpenChange={onOpenChange}
      onScheduleMaintenance={onScheduleMaintenance}
    />
  )
}

export interface FleetPanelProps {
  /** undefined while the first load is in flight. */
  instances: readonly ClientInstance[] | undefined
  loadError: unknown
  stale: boolean
  lastEventAt: number | null
  onSetRelay: (id: string, optedIn: boolean) => Promise<unknown>
  /** Opts many instances out or in with one request. */
  onBulk: (ids: readonly string[], optedIn: boolean) => Promise<BulkRelayResponse>
  relayAccess: RelayAccess
  renderDetail: (instance: ClientInstance) => ReactNode
  /** Where the view starts (search, filter, sort, grouping, view); the defaults when absent. */
  initialQuery?: FleetQuery
  /** The view changed: `push` for a filter, sort, grouping or view, `replace` while typing. */
  onQueryChange?: (query: FleetQuery, how: 'push' | 'replace') => void
  /** An instance to open and bring into view (a deep link). */
  openId?: string | null
  /** The operator opened an instance's details, or closed the one opened last (null). */
  onOpenChange?: (id: string | null) => void
  /** Opens the maintenance form over the selection (no button without it). */
  onScheduleMaintenance?: (ids: readonly string[]) => void
}

/** The fleet page itself: data in, events out. Redrawn when its data or props change, not per event. */
export const FleetPanel = memo(function FleetPanel({
  instances: loaded,
  loadError,
  stale,
  lastEventAt,
  onSetRelay,
  onBulk,
  relayAccess,
  renderDetail,
  initialQuery = DEFAULT_FLEET_QUERY,
  onQueryChange,
  openId = null,
  onOpenChange,
  onScheduleMaintenance,
}: FleetPanelProps) {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<StateFilter>(initialQuery.state)
  const [search, setSearch] = useState(initialQuery.q)
  const [sort, setSort] = useState<SortOrder>(initialQuery.sort)
  const [group, setGroup] = useState(initialQuery.group)
  // The view in the URL: none until a link names one or the operator chooses; then that one.
  const [urlView, setUrlView] = useState<FleetViewKind | null>(initialQuery.view)
  const [view, setView] = useState<FleetViewKind>(() => initialQuery.view ?? rememberedView())
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set())
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(openId === null ? [] : [openId]))
  // The instance whose details the table view shows in a dialog.
  const [dialogId, setDialogId] = useState<string | null>(openId)
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set())
  // An instance the operator just acted on: it keeps its place until they move on.
  const [held, setHeld] = useState<{ id: string; index: number } | null>(null)
  const deferredSearch = useDeferredValue(search)
  const searchId = useId()
  const sortId = useId()
  const groupId = useId()

  const instances = loaded ?? EMPTY
  const counts = useMemo(() => countFleet(instances), [instances])
  const byId = useMemo(() => new Map(instances.map((i) => [i.id, i])), [instances])
  // Name order changes only when names do; state changes re-sort in linear time.
  const names = instances.map((i) => `${i.id}\u0000${i.displayName}`).join('\u0001')
  // biome-ignore lint/correctness/useExhaustiveDependencies: `names` stands for the instances' names and ids
  const ranks = useMemo(() => nameRanks(instances, i18n.language), [names, i18n.language])
  const sorted = useMemo(
    () => selectInstances(instances, { filter, query: deferredSearch, sort, locale: i18n.language, ranks }),
    [instances, filter, deferredSearch, sort, i18n.language, ranks],
  )
  const shown = useMemo(() => keepInPlace(sorted, held), [sorted, held])
  const rows = useMemo(
    () => fleetRows(shown, group, collapsed, i18n.language),
    [shown, group, collapsed, i18n.language],
  )
  const groupKeys = useMemo(() => labelKeys(instances), [instances])
  const needed = useMemo(() => actionNeeded(instances), [instances])
  const incident = useMemo(() => fleetIncident(instances), [instances])
  const selecting = relayAccess.kind === 'allowed'

  const [scrollTo, setScrollTo] = useState<ScrollTarget | null>(() => (openId === null ? null : { id: openId, seq: 1 }))
  // The view as last reported: a filter, sort, grouping or view change is a new history entry, typing is not.
  const reported = useRef<FleetQuery>(initialQuery)
  useEffect(() => {
    const next: FleetQuery = { q: deferredSearch, state: filter, sort, group, view: urlView }
    const last = reported.current
    const sameState = next.state.join(',') === last.state.join(',')
    const sameRest = next.sort === last.sort && next.group === last.group && next.view === last.view
    if (next.q === last.q && sameState && sameRest) return
    reported.current = next
    onQueryChange?.(next, sameState && sameRest ? 'replace' : 'push')
  }, [deferredSearch, filter, sort, group, urlView, onQueryChange])
  // A new order asked for: the held instance goes where it now belongs.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the order asked for changes
  useEffect(() => setHeld(null), [deferredSearch, filter, sort, group, view])
  // A deep link, or back/forward to one: that instance open, and in view.
  const lastOpen = useRef(openId)
  useEffect(() => {
    if (openId === null || openId === lastOpen.current) return
    lastOpen.current = openId
    setExpanded((current) => new Set([...current, openId]))
    setDialogId(openId)
    setScrollTo((current) => ({ id: openId, seq: (current?.seq ?? 0) + 1 }))
  }, [openId])
  const searchRef = useRef<HTMLInputElement>(null)
  // "/" goes to the search box, as on most sites with one; not while typing somewhere else.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return
      const target = event.target as HTMLElement | null
      if (target?.closest('input, textarea, select, [contenteditable="true"], [role="dialog"], [role="alertdialog"]'))
        return
      event.preventDefault()
      searchRef.current?.focus()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])
  /** A banner entry: its instance's card, found even when the filter or search hides it. */
  const show = useCallback(
    (id: string) => {
      if (!shown.some((i) => i.id === id)) {
        setFilter([])
        setSearch('')
      }
      if (group !== '') {
        const value = byId.get(id)?.labels?.[group] ?? null
        setCollapsed((current) => {
          const next = new Set(current)
          next.delete(groupKey(value))
          return next
        })
      }
      setScrollTo((current) => ({ id, seq: (current?.seq ?? 0) + 1 }))
    },
    [shown, group, byId],
  )

  const toggle = useCallback(
    (id: string) => {
      const opening = !expanded.has(id)
      setExpanded((current) => {
        const next = new Set(current)
        if (next.has(id)) next.delete(id)
        else next.add(id)
        return next
      })
      if (opening) {
        lastOpen.current = id
        onOpenChange?.(id)
      } else if (id === lastOpen.current) {
        lastOpen.current = null
        onOpenChange?.(null)
      }
    },
    [expanded, onOpenChange],
  )
  // Where focus goes back to when the details dialog closes: the row (or control) it was opened from.
  const returnFocus = useRef<HTMLElement | null>(null)
  const openDialog = useCallback(
    (id: string | null) => {
      if (id !== null) returnFocus.current = document.activeElement as HTMLElement | null
      setDialogId(id)
      lastOpen.current = id
      onOpenChange?.(id)
    },
    [onOpenChange],
  )
  const onSelect = useCallback((ids: readonly string[], on: boolean) => {
    setSelected((current) => {
      const next = new Set(current)
      for (const id of ids) {
        if (on) next.add(id)
        else next.delete(id)
      }
      return next
    })
  }, [])
  const onToggleGroup = useCallback((key: string) => {
    setCollapsed((current) => {
      const next = new Set(current)
      if (next.has(key)) next.delete(key)
      else next.add(key)
      return next
    })
  }, [])
  // Acting on an instance holds it where it is in the list (see `held`).
  const shownRef = useRef(shown)
  shownRef.current = shown
  const onSetRelayHeld = useCallback(
    (id: string, optedIn: boolean) => {
      const index = shownRef.current.findIndex((i) => i.id === id)
      if (index !== -1) setHeld({ id, index })
      return onSetRelay(id, optedIn)
    },
    [onSetRelay],
  )
  // Focus leaving the held instance's card or row: the operator has moved on.
  const listRef = useRef<HTMLDivElement>(null)
  const heldId = held?.id ?? null
  useEffect(() => {
    const list = listRef.current
    if (heldId === null || list === null) return
    const onFocusOut = (event: FocusEvent) => {
      if (instanceOf(event.relatedTarget as HTMLElement | null) !== heldId) setHeld(null)
    }
    list.addEventListener('focusout', onFocusOut)
    return () => list.removeEventListener('focusout', onFocusOut)
  }, [heldId])
  const chooseView = (next: FleetViewKind) => {
    setView(next)
    setUrlView(next)
    rememberView(next)
    // A link's instance was shown in the other view; the table does not reopen it in a dialog.
    setDialogId(null)
  }
  const dialogInstance = view === 'table' && dialogId !== null ? byId.get(dialogId) : undefined

  return (
    <div className="flex flex-col gap-4">
      <h2 className="sr-only">{t('fleet.heading')}</h2>
      {stale && <StaleBanner lastEventAt={lastEventAt} />}
      {incident !== null && <IncidentBanner incident={incident} />}
      <ActionBanner items={needed} onShow={show} />
      <StateSummary counts={counts} filter={filter} onFilter={setFilter} />
      <div className="flex flex-wrap items-end gap-3">
        <div className="flex min-w-56 flex-1 flex-col gap-1">
          <Label htmlFor={searchId}>{t('fleet.search')}</Label>
          <div className="relative">
            <Search
              aria-hidden="true"
              className="pointer-events-none absolute start-2.5 top-2.5 size-4 text-muted-foreground"
            />
            <Input
              id={searchId}
              ref={searchRef}
              aria-keyshortcuts="/"
              type="search"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              placeholder={t('fleet.searchPlaceholder')}
              className="h-9 w-full bg-card ps-8 pe-3"
            />
          </div>
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor={sortId}>{t('fleet.sort')}</Label>
          <Select
            id={sortId}
            value={sort}
            onChange={(event) => setSort(event.target.value as SortOrder)}
            className="h-9"
          >
            <option value="problems">{t('fleet.sortProblems')}</option>
            <option value="name">{t('fleet.sortName')}</option>
            <option value="recent">{t('fleet.sortRecent')}</option>
            {/* A table column's order (from the table, or a link) reads as what it is. */}
            {!CARD_SORTS.includes(sort) && <option value={sort}>{t('fleet.sortColumn')}</option>}
          </Select>
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor={groupId}>{t('fleet.groupBy')}</Label>
          <Select id={groupId} value={group} onChange={(event) => setGroup(event.target.value)} className="h-9">
            <option value="">{t('fleet.groupByNone')}</option>
            {[...new Set([...groupKeys, ...(group === '' ? [] : [group])])].map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </Select>
        </div>
        <fieldset className="flex flex-col gap-1">
          <legend className="mb-1 text-sm font-medium">{t('fleet.view')}</legend>
          <div className="flex">
            {VIEWS.map(({ kind, labelKey, Icon }) => (
              <Button
                key={kind}
                variant="outline"
                size="sm"
                aria-pressed={view === kind}
                onClick={() => chooseView(kind)}
                className={cn(
                  'h-9 first:rounded-e-none last:rounded-s-none',
                  view === kind && 'bg-muted ring-1 ring-ring ring-inset',
                )}
              >
                <Icon aria-hidden="true" />
                {t(labelKey)}
              </Button>
            ))}
          </div>
        </fieldset>
        <div className="flex gap-2">
          {EXPORTS.map(({ extension, type, labelKey, write }) => (
            <Button
              key={extension}
              variant="outline"
              size="sm"
              className="h-9"
              onClick={() => downloadText(`${exportName(new Date())}.${extension}`, type, write(shown))}
            >
              <Download aria-hidden="true" />
              {t(labelKey)}
            </Button>
          ))}
        </div>
      </div>
      {loadError !== null && loadError !== undefined ? (
        <p role="alert" className="rounded-lg border border-destructive-border bg-destructive-bg p-4 text-destructive">
          {t('fleet.loadFailed', { reason: failureReason(loadError, t) })}
        </p>
      ) : loaded === undefined ? (
        <p className="text-muted-foreground">{t('app.loading')}</p>
      ) : instances.length === 0 ? (
        <EmptyState title={t('fleet.empty')} hint={t('fleet.emptyHint')} />
      ) : (
        <>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="text-sm text-muted-foreground" aria-live="polite">
              {t('fleet.showing', { shown: shown.length, count: instances.length })}
            </p>
            {selecting && (
              <BulkActions
                selected={selected}
                shown={shown}
                byId={byId}
                onSelect={onSelect}
                onClear={() => setSelected(new Set())}
                run={onBulk}
                onSchedule={onScheduleMaintenance}
              />
            )}
          </div>
          {shown.length === 0 ? (
            <EmptyState title={t('fleet.noMatch')} hint={t('fleet.noMatchHint')}>
              <Button
                variant="outline"
                onClick={() => {
                  setFilter([])
                  setSearch('')
                }}
              >
                {t('fleet.clearFilters')}
              </Button>
            </EmptyState>
          ) : (
            <div ref={listRef}>
              {view === 'table' ? (
                <Suspense fallback={<p className="text-muted-foreground">{t('app.loading')}</p>}>
                  <FleetTable
                    rows={rows}
                    instances={shown}
                    sort={sort}
                    onSort={setSort}
                    group={group}
                    onToggleGroup={onToggleGroup}
                    selection={selecting ? selected : null}
                    onSelect={onSelect}
                    onOpen={openDialog}
                    focusId={scrollTo}
                  />
                </Suspense>
              ) : (
                <InstanceList
                  rows={rows}
                  scrollTo={scrollTo}
                  renderGroup={(row) => (
                    <GroupHeading
                      label={group}
                      group={row.group}
                      collapsed={row.collapsed}
                      onToggle={() => onToggleGroup(row.key)}
                    />
                  )}
                  renderCard={(instance) => (
                    <PlatformsCard
                      instance={instance}
                      onSetRelay={onSetRelayHeld}
                      relayAccess={relayAccess}
                      expanded={expanded.has(instance.id)}
                      onToggleExpanded={toggle}
                      detail={expanded.has(instance.id) ? renderDetail(instance) : null}
                      selected={selecting ? selected.has(instance.id) : undefined}
                      onSelect={selecting ? onSelect : undefined}
                    />
                  )}
                />
              )}
            </div>
          )}
        </>
      )}
      {dialogInstance !== undefined && (
        <Suspense fallback={null}>
          <InstanceDialog
            instance={dialogInstance}
            onSetRelay={onSetRelayHeld}
            relayAccess={relayAccess}
            detail={renderDetail(dialogInstance)}
            onClose={() => openDialog(null)}
            onClosed={() => {
              // Back to where the operator was: the row (or control) it was opened from.
              const back = returnFocus.current
              if (back?.isConnected) back.focus()
              else if (dialogId !== null) setScrollTo((current) => ({ id: dialogId, seq: (current?.seq ?? 0) + 1 }))
            }}
          />
        </Suspense>
      )}
    </div>
  )
})

/** The instance a card or table row stands for, from any element inside it. */
function instanceOf(element: HTMLElement | null): string | null {
  if (element === null) return null
  return (
    element.closest('[data-instance-card]')?.getAttribute('data-instance-card') ??
    element.closest('tr[data-instance]')?.getAttribute('data-instance') ??
    null
  )
}

const VIEW_KEY = 'relay-console.fleet-view'

/** The view this browser last chose; cards when none. */
function rememberedView(): FleetViewKind {
  try {
    return window.localStorage.getItem(VIEW_KEY) === 'table' ? 'table' : 'cards'
  } catch {
    return 'cards'
  }
}

function rememberView(view: FleetViewKind): void {
  try {
    window.localStorage.setItem(VIEW_KEY, view)
  } catch {
    // Storage refused (private mode, full): the choice lasts this page.
  }
}

const CARD_SORTS: readonly SortOrder[] = ['problems', 'name', 'recent']

const VIEWS = [
  { kind: 'cards', labelKey: 'fleet.viewCards', Icon: LayoutGrid },
  { kind: 'table', labelKey: 'fleet.viewTable', Icon: Rows3 },
] as const

const EMPTY: readonly ClientInstance[] = []

/** The export buttons: what each file is, and how it is written. */
const EXPORTS = [
  { extension: 'csv', type: 'text/csv', labelKey: 'fleet.exportCsv', write: instancesCsv },
  { extension: 'json', type: 'application/json', labelKey: 'fleet.exportJson', write: instancesJson },
] as const

function EmptyState({ title, hint, children }: { title: string; hint: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed border-border p-10 text-center">
      <p className="font-semibold">{title}</p>
      <p className="text-sm text-muted-foreground">{hint}</p>
      {children}
    </div>
  )
}
