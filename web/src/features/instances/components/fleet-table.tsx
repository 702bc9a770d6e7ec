/**
 * The fleet as a dense table: one row per instance (about 30 to a screen), columns from TanStack
 * Table, rows virtualised with TanStack Virtual (window scrolling), so 10,000 instances stay smooth.
 *
 * Sorting is the fleet model's (`sortInstances`: one order for the cards and the table, linear on
 * live updates): the table is told the order (`manualSorting`) and reports header presses as a new
 * one. Keyboard: ↑/↓ or j/k move between rows, Home/End to the ends, Enter opens the instance's
 * details (or folds a group), Space selects it.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import type { PlatformState } from '@relay-console/shared/platform-state'
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type SortingState,
  type Table,
  type Updater,
  useReactTable,
} from '@tanstack/react-table'
import { useWindowVirtualizer } from '@tanstack/react-virtual'
import { ArrowDown, ArrowUp, ArrowUpDown } from 'lucide-react'
import { type KeyboardEvent, memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { STATUS_VIEW } from '../../../components/status-view'
import { Badge } from '../../../components/ui/badge'
import { useNow } from '../../../hooks/use-now'
import { cn } from '../../../lib/cn'
import { dateTime, relativeTime } from '../../../lib/format'
import {
  type FleetRow,
  fleetRowKey,
  instanceSeverity,
  labelText,
  lastChange,
  platformsIn,
  type SortColumn,
  type SortOrder,
  sortColumn,
  WORST_ORDER,
  worstState,
} from '../model/fleet'
import { GroupHeading } from './group-heading'

const ROW_HEIGHT = 37

/** Columns that sort most-first (the rest: worst first, or A to Z). */
const DESC_FIRST: ReadonlySet<SortColumn> = new Set([
  'recent',
  'fatal',
  'retrying',
  'connecting',
  'connected',
  'disabled',
])

export function toSorting(sort: SortOrder): SortingState {
  const { column, reversed } = sortColumn(sort)
  return [{ id: column, desc: DESC_FIRST.has(column) !== reversed }]
}

export function fromSorting(sorting: SortingState, current: SortOrder): SortOrder {
  const first = sorting[0]
  if (first === undefined) return current
  const column = first.id as SortColumn
  return DESC_FIRST.has(column) === first.desc ? column : `-${column}`
}

export interface FleetTableProps {
  rows: readonly FleetRow[]
  /** The instances the rows show, in order (the table's data). */
  instances: readonly ClientInstance[]
  sort: SortOrder
  onSort: (sort: SortOrder) => void
  /** The label key the rows are grouped by ('' for none). */
  group: string
  onToggleGroup: (key: string) => void
  /** null: this operator may not act on the relay, so there is nothing to select. */
  selection: ReadonlySet<string> | null
  onSelect: (ids: readonly string[], selected: boolean) => void
  onOpen: (id: string) => void
  /** Brings this instance's row into view and focuses it. */
  focusId?: { id: string; seq: number } | null
}

export function FleetTable({
  rows,
  instances,
  sort,
  onSort,
  group,
  onToggleGroup,
  selection,
  onSelect,
  onOpen,
  focusId = null,
}: FleetTableProps) {
  const { t, i18n } = useTranslation()
  const columns = useMemo<ColumnDef<ClientInstance>[]>(() => {
    // Translated once per language, not once per row mounted while scrolling.
    const stateLabels = Object.fromEntries(WORST_ORDER.map((s) => [s, t(STATUS_VIEW[s].labelKey)])) as Record<
      PlatformState,
      string
    >
    const count = (state: PlatformState): ColumnDef<ClientInstance> => ({
      id: state,
      accessorFn: (instance) => platformsIn(instance, state),
      // The state's icon, named for screen readers and on hover: five words would not fit 30 rows a screen.
      header: () => {
        const view = STATUS_VIEW[state]
        return (
          <span title={t(view.labelKey)} className="inline-flex">
            <view.Icon aria-hidden="true" className="size-3.5" />
            <span className="sr-only">{t(view.labelKey)}</span>
          </span>
        )
      },
      sortDescFirst: true,
      meta: { className: 'w-14 shrink-0 justify-end tabular-nums max-md:hidden' },
      cell: ({ row }) => {
        const n = platformsIn(row.original, state)
        return <span className={cn(n === 0 && 'text-muted-foreground')}>{n}</span>
      },
    })
    const all: ColumnDef<ClientInstance>[] = [
      {
        id: 'name',
        accessorFn: (instance) => instance.displayName,
        header: () => t('table.name'),
        meta: { className: 'min-w-40 flex-1' },
        cell: ({ row }) => (
          <button
            type="button"
            tabIndex={-1}
            onClick={() => onOpen(row.original.id)}
            className="max-w-full truncate text-start font-medium underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-ring"
          >
            {row.original.displayName}
          </button>
        ),
      },
      {
        id: 'gateway',
        accessorFn: (instance) => instance.gatewayId,
        header: () => t('table.gateway'),
        meta: { className: 'w-36 shrink-0 max-lg:hidden' },
        cell: ({ row }) => (
          <span className="truncate text-muted-foreground tabular-nums">{row.original.gatewayId}</span>
        ),
      },
      {
        id: 'problems',
        accessorFn: instanceSeverity,
        header: () => t('table.worst'),
        meta: { className: 'w-32 shrink-0' },
        cell: ({ row }) => {
          const state = worstState(row.original)
          return state === null ? null : <WorstBadge state={state} label={stateLabels[state]} />
        },
      },
      ...WORST_ORDER.map(count),
      {
        id: 'recent',
        accessorFn: lastChange,
        header: () => t('table.lastChange'),
        sortDescFirst: true,
        meta: { className: 'w-28 shrink-0 max-sm:hidden' },
        cell: ({ row }) => <LastChange at={lastChange(row.original)} language={i18n.language} />,
      },
      {
        id: 'labels',
        accessorFn: labelText,
        header: () => t('table.labels'),
        meta: { className: 'w-48 shrink-0 max-xl:hidden' },
        cell: ({ row }) => (
          <span className="flex gap-1 overflow-hidden">
            {Object.entries(row.original.labels ?? {}).map(([k, v]) => (
              <span key={k} className="whitespace-nowrap rounded-sm border border-border px-1 text-xs leading-5">
                <span className="text-muted-foreground">{k}:</span>
                {v}
              </span>
            ))}
          </span>
        ),
      },
    ]
    if (selection === null) return all
    return [
      {
        id: 'select',
        enableSorting: false,
        meta: { className: 'w-10 shrink-0' },
        header: () => null,
        cell: ({ row }) => (
          <input
            type="checkbox"
            tabIndex={-1}
            className="size-4 accent-primary"
            aria-label={t('bulk.select', { name: row.original.displayName })}
            checked={selection.has(row.original.id)}
            onChange={(event) => onSelect([row.original.id], event.target.checked)}
          />
        ),
      },
      ...all,
    ]
  }, [t, i18n.language, selection, onSelect, onOpen])

  const sorting = useMemo(() => toSorting(sort), [sort])
  const onSortingChange = useCallback(
    (updater: Updater<SortingState>) =>
      onSort(fromSorting(typeof updater === 'function' ? updater(sorting) : updater, sort)),
    [onSort, sorting, sort],
  )
  const bodyRef = useRef<HTMLTableSectionElement>(null)
  const [offset, setOffset] = useState(0)
  useLayoutEffect(() => {
    setOffset((bodyRef.current?.getBoundingClientRect().top ?? 0) + window.scrollY)
  }, [])
  // Stable while the rows are: a new key function makes the virtualiser measure every row again.
  const getItemKey = useCallback((index: number) => fleetRowKey(rows, index), [rows])
  const virtualizer = useWindowVirtualizer({
    // Scroll updates render with React's batching, not one synchronous render per scroll event.
    useFlushSync: false,
    count: rows.length,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    scrollMargin: offset,
    getItemKey,
    initialRect: { width: 1024, height: 900 },
  })

  const items = virtualizer.getVirtualItems()
  const onScreen = useMemo(
    () =>
      items.flatMap((item) => {
        const line = rows[item.index]
        return line?.kind === 'instance' ? [line.instance] : []
      }),
    [items, rows],
  )
  const table = useReactTable({
    // Only the rows on screen: the table lays out columns and cells, the virtualiser picks the rows,
    // so a live update builds ~50 row models, not one per instance.
    data: onScreen,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (instance) => instance.id,
    // Text columns sort A to Z first; the counts and the last change say so themselves.
    defaultColumn: { sortDescFirst: false },
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    state: { sorting },
    onSortingChange,
  })

  // The row with the keyboard: one tab stop for the whole table (a roving tabindex).
  const [active, setActive] = useState(0)
  // Scrolled away from it, the tab stop is the first row on screen: the table never loses it.
  const wanted = Math.min(active, Math.max(0, rows.length - 1))
  const activeIndex = items.some((item) => item.index === wanted) ? wanted : (items[0]?.index ?? 0)
  const focusRow = useCallback(
    (index: number) => {
      const target = Math.max(0, Math.min(rows.length - 1, index))
      setActive(target)
      virtualizer.scrollToIndex(target, { align: 'auto' })
      requestAnimationFrame(() => {
        bodyRef.current?.querySelector<HTMLElement>(`tr[data-index="${target}"]`)?.focus()
      })
    },
    [rows.length, virtualizer],
  )
  const handled = useRef(0)
  useEffect(() => {
    if (focusId === null || handled.current === focusId.seq) return
    const index = rows.findIndex((r) => r.kind === 'instance' && r.instance.id === focusId.id)
    if (index === -1) return
    handled.current = focusId.seq
    focusRow(index)
  }, [focusId, rows, focusRow])

  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    const tr = (event.target as HTMLElement).closest<HTMLElement>('tr[data-index]')
    if (tr === null || event.altKey || event.ctrlKey || event.metaKey) return
    const index = Number(tr.dataset.index)
    const row = rows[index]
    const onRow = event.target === tr
    switch (event.key) {
      case 'ArrowDown':
      case 'j':
        focusRow(index + 1)
        break
      case 'ArrowUp':
      case 'k':
        focusRow(index - 1)
        break
      case 'Home':
        if (!onRow) return
        focusRow(0)
        break
      case 'End':
        if (!onRow) return
        focusRow(rows.length - 1)
        break
      case 'Enter':
        if (!onRow || row === undefined) return
        if (row.kind === 'group') onToggleGroup(row.key)
        else onOpen(row.instance.id)
        break
      case ' ':
        if (!onRow || row?.kind !== 'instance' || selection === null) return
        onSelect([row.instance.id], !selection.has(row.instance.id))
        break
      default:
        return
    }
    event.preventDefault()
  }

  const headers = table.getHeaderGroups()[0]?.headers ?? []
  const allShownSelected = selection !== null && instances.length > 0 && instances.every((i) => selection.has(i.id))
  const someSelected = selection !== null && instances.some((i) => selection.has(i.id))
  return (
    <div className="max-md:overflow-x-auto">
      <table
        className="grid w-full text-sm"
        aria-label={t('table.caption')}
        aria-rowcount={rows.length + 1}
        data-testid="instance-table"
      >
        <thead className="grid bg-background md:sticky md:top-0 md:z-10">
          <tr aria-rowindex={1} className="flex w-full border-b border-border">
            {headers.map((header) => {
              const meta = header.column.columnDef.meta as { className?: string } | undefined
              const sorted = header.column.getIsSorted()
              return (
                <th
                  key={header.id}
                  scope="col"
                  aria-sort={sorted === false ? undefined : sorted === 'asc' ? 'ascending' : 'descending'}
                  className={cn(
                    'flex items-center px-2 py-2 text-start text-xs font-medium text-muted-foreground whitespace-nowrap',
                    meta?.className,
                  )}
                >
                  {header.id === 'select' ? (
                    <input
                      type="checkbox"
                      className="size-4 accent-primary"
                      aria-label={t('bulk.selectAllShown', { count: instances.length })}
                      checked={allShownSelected}
                      ref={(el) => {
                        if (el !== null) el.indeterminate = someSelected && !allShownSelected
                      }}
                      onChange={(event) =>
                        onSelect(
                          instances.map((i) => i.id),
                          event.target.checked,
                        )
                      }
                    />
                  ) : (
                    <button
                      type="button"
                      onClick={header.column.getToggleSortingHandler()}
                      className="inline-flex items-center gap-1 rounded-sm hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
                    >
                      {flexRender(header.column.columnDef.header, header.getContext())}
                      {sorted === 'asc' ? (
                        <ArrowUp aria-hidden="true" className="size-3.5" />
                      ) : sorted === 'desc' ? (
                        <ArrowDown aria-hidden="true" className="size-3.5" />
                      ) : (
                        <ArrowUpDown aria-hidden="true" className="size-3.5 opacity-40" />
                      )}
                    </button>
                  )}
                </th>
              )
            })}
          </tr>
        </thead>
        <tbody
          ref={bodyRef}
          onKeyDown={onKeyDown}
          className="relative grid"
          style={{ height: virtualizer.getTotalSize() }}
        >
          {items.map((item) => {
            const line = rows[item.index]
            if (line === undefined) return null
            if (line.kind === 'group') {
              return (
                <tr
                  key={item.key}
                  data-index={item.index}
                  aria-rowindex={item.index + 2}
                  tabIndex={item.index === activeIndex ? 0 : -1}
                  onFocus={() => setActive(item.index)}
                  className={cn(ROW_CLASS, 'bg-muted/40')}
                  style={{ transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
                >
                  <th colSpan={headers.length} scope="rowgroup" className="flex-1 px-1 py-0 text-start font-normal">
                    <GroupHeading
                      label={group}
                      group={line.group}
                      collapsed={line.collapsed}
                      onToggle={() => onToggleGroup(line.key)}
                    />
                  </th>
                </tr>
              )
            }
            return (
              <InstanceRow
                key={item.key}
                table={table}
                instance={line.instance}
                columns={columns}
                index={item.index}
                top={item.start - virtualizer.options.scrollMargin}
                active={item.index === activeIndex}
                selected={selection?.has(line.instance.id) ?? false}
                onActive={setActive}
              />
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** Rows are laid out by the virtualiser (absolute, moved by a transform): no table layout per frame. */
const ROW_CLASS =
  'absolute inset-x-0 top-0 flex h-[37px] items-stretch border-b border-border focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-ring'

/**
 * One instance's row. Redrawn only when its instance (replaced whole on every change), its
 * selection, its place or the columns change: at 100 updates a second, the other rows on screen
 * stay as they are.
 */
const InstanceRow = memo(function InstanceRow({
  table,
  instance,
  index,
  top,
  active,
  selected,
  onActive,
}: {
  table: Table<ClientInstance>
  instance: ClientInstance
  /** Not read: a new set of columns (a new selection, language) redraws the row. */
  columns: readonly ColumnDef<ClientInstance>[]
  index: number
  /** Where the row sits in the table body, in pixels. */
  top: number
  active: boolean
  selected: boolean
  onActive: (index: number) => void
}) {
  const row = table.getRow(instance.id)
  return (
    <tr
      data-index={index}
      aria-rowindex={index + 2}
      tabIndex={active ? 0 : -1}
      onFocus={() => onActive(index)}
      data-testid="instance-row"
      data-instance={instance.id}
      data-state={worstState(instance) ?? ''}
      className={cn(ROW_CLASS, 'hover:bg-muted/50', selected && 'bg-muted/60')}
      style={{ transform: `translateY(${top}px)` }}
    >
      {row.getVisibleCells().map((cell) => {
        const meta = cell.column.columnDef.meta as { className?: string } | undefined
        return (
          <td key={cell.id} className={cn('flex items-center overflow-hidden px-2 whitespace-nowrap', meta?.className)}>
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </td>
        )
      })}
    </tr>
  )
})

/** When an instance last changed, "3 minutes ago", ticking on its own. */
function LastChange({ at, language }: { at: number; language: string }) {
  const now = useNow()
  if (at === 0) return null
  return (
    <time dateTime={new Date(at).toISOString()} title={dateTime(at, language)}>
      {relativeTime(at, Math.max(now, at), language)}
    </time>
  )
}

/** The instance's worst state as a badge (no `status-badge` hook: that is a platform row's). */
function WorstBadge({ state, label }: { state: PlatformState; label: string }) {
  const view = STATUS_VIEW[state]
  return (
    <Badge variant={view.variant}>
      <view.Icon aria-hidden="true" />
      {label}
    </Badge>
  )
}
