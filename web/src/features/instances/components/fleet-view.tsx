/**
 * The fleet page: summary counts (which filter), search and sort, the banners that need an
 * operator, and the list of PlatformsCards — or an empty state that says why it is empty.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { Download, Search } from 'lucide-react'
import { type ReactNode, useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { Input } from '../../../components/ui/input'
import { Label } from '../../../components/ui/label'
import { Select } from '../../../components/ui/select'
import { useRelayAccess } from '../../../hooks/use-session'
import { failureReason } from '../../../lib/api-errors'
import { downloadText, exportName } from '../../../lib/download'
import type { RelayAccess } from '../../../lib/relay-access'
import { useInstances, useSetRelay } from '../api/use-instances'
import { useLiveState } from '../live/live-provider'
import { instancesCsv, instancesJson } from '../model/export'
import { actionNeeded, countFleet, nameRanks, type SortOrder, type StateFilter, selectInstances } from '../model/fleet'
import { DEFAULT_FLEET_QUERY, type FleetQuery, parseFleetQuery, withFleetQuery } from '../model/fleet-query'
import { fleetIncident } from '../model/incident'
import { ActionBanner, IncidentBanner, StaleBanner } from './banners'
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
}: {
  renderDetail: (instance: ClientInstance) => ReactNode
  /** The instance whose details the URL opens (`/instances/:id`). */
  openId: string | null
  onOpenChange: (id: string | null) => void
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
  const relayAccess = useRelayAccess()
  return (
    <FleetPanel
      instances={query.data?.instances}
      loadError={query.isError && query.data === undefined ? query.error : null}
      stale={live.stale}
      lastEventAt={live.lastEventAt}
      onSetRelay={onSetRelay}
      relayAccess={relayAccess}
      renderDetail={renderDetail}
      key={generation}
      initialQuery={urlQuery}
      onQueryChange={onQueryChange}
      openId={openId}
      onOpenChange={onOpenChange}
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
  relayAccess: RelayAccess
  renderDetail: (instance: ClientInstance) => ReactNode
  /** Where the view starts (search, filter, sort); the defaults when absent. */
  initialQuery?: FleetQuery
  /** The view changed: `push` for a filter or sort, `replace` while typing. */
  onQueryChange?: (query: FleetQuery, how: 'push' | 'replace') => void
  /** An instance to open and bring into view (a deep link). */
  openId?: string | null
  /** The operator opened an instance's details, or closed the one opened last (null). */
  onOpenChange?: (id: string | null) => void
}

/** The fleet page itself: data in, events out. */
export function FleetPanel({
  instances: loaded,
  loadError,
  stale,
  lastEventAt,
  onSetRelay,
  relayAccess,
  renderDetail,
  initialQuery = DEFAULT_FLEET_QUERY,
  onQueryChange,
  openId = null,
  onOpenChange,
}: FleetPanelProps) {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<StateFilter>(initialQuery.state)
  const [search, setSearch] = useState(initialQuery.q)
  const [sort, setSort] = useState<SortOrder>(initialQuery.sort)
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(openId === null ? [] : [openId]))
  const deferredSearch = useDeferredValue(search)
  const searchId = useId()
  const sortId = useId()

  const instances = loaded ?? EMPTY
  const counts = useMemo(() => countFleet(instances), [instances])
  // Name order changes only when names do; state changes re-sort in linear time.
  const names = instances.map((i) => `${i.id}\u0000${i.displayName}`).join('\u0001')
  // biome-ignore lint/correctness/useExhaustiveDependencies: `names` stands for the instances' names and ids
  const ranks = useMemo(() => nameRanks(instances, i18n.language), [names, i18n.language])
  const shown = useMemo(
    () => selectInstances(instances, { filter, query: deferredSearch, sort, locale: i18n.language, ranks }),
    [instances, filter, deferredSearch, sort, i18n.language, ranks],
  )
  const needed = useMemo(() => actionNeeded(instances), [instances])
  const incident = useMemo(() => fleetIncident(instances), [instances])

  const [scrollTo, setScrollTo] = useState<ScrollTarget | null>(() => (openId === null ? null : { id: openId, seq: 1 }))
  // The view as last reported: a filter or sort change is a new history entry, typing is not.
  const reported = useRef<FleetQuery>(initialQuery)
  useEffect(() => {
    const next: FleetQuery = { q: deferredSearch, state: filter, sort }
    const last = reported.current
    const sameState = next.state.join(',') === last.state.join(',')
    if (next.q === last.q && sameState && next.sort === last.sort) return
    reported.current = next
    onQueryChange?.(next, !sameState || next.sort !== last.sort ? 'push' : 'replace')
  }, [deferredSearch, filter, sort, onQueryChange])
  // A deep link, or back/forward to one: that instance open, and in view.
  const lastOpen = useRef(openId)
  useEffect(() => {
    if (openId === null || openId === lastOpen.current) return
    lastOpen.current = openId
    setExpanded((current) => new Set([...current, openId]))
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
      setScrollTo((current) => ({ id, seq: (current?.seq ?? 0) + 1 }))
    },
    [shown],
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
          </Select>
        </div>
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
          <p className="text-sm text-muted-foreground" aria-live="polite">
            {t('fleet.showing', { shown: shown.length, count: instances.length })}
          </p>
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
            <InstanceList
              instances={shown}
              scrollTo={scrollTo}
              renderCard={(instance) => (
                <PlatformsCard
                  instance={instance}
                  onSetRelay={onSetRelay}
                  relayAccess={relayAccess}
                  expanded={expanded.has(instance.id)}
                  onToggleExpanded={toggle}
                  detail={expanded.has(instance.id) ? renderDetail(instance) : null}
                />
              )}
            />
          )}
        </>
      )}
    </div>
  )
}

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
