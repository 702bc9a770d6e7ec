/**
 * The fleet as a virtualised list of cards (TanStack Virtual, window scrolling), with a heading
 * per group when grouped by a label: only the cards near the viewport are in the DOM, so
 * thousands of instances stay smooth. Cards are measured as they
 * render, since their height depends on platforms and on an open detail.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { useWindowVirtualizer } from '@tanstack/react-virtual'
import { type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { type FleetRow, fleetRowKey } from '../model/fleet'

const GAP = 12

/** An instance to bring into view; `seq` tells one request from the next for the same instance. */
export interface ScrollTarget {
  id: string
  seq: number
}

export function InstanceList({
  rows,
  renderCard,
  renderGroup,
  scrollTo = null,
}: {
  rows: readonly FleetRow[]
  renderCard: (instance: ClientInstance) => ReactNode
  renderGroup: (row: Extract<FleetRow, { kind: 'group' }>) => ReactNode
  /** Brings this instance's card into view and focuses it (its `[data-instance-card]` element). */
  scrollTo?: ScrollTarget | null
}) {
  const listRef = useRef<HTMLUListElement>(null)
  const [offset, setOffset] = useState(0)
  useLayoutEffect(() => {
    setOffset(listRef.current?.offsetTop ?? 0)
  }, [])
  // Stable while the rows are: a new key function makes the virtualiser measure every row again.
  const getItemKey = useCallback((index: number) => fleetRowKey(rows, index), [rows])
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (index) => {
      const row = rows[index]
      return row?.kind === 'instance' ? 110 + 64 * row.instance.platforms.length + GAP : 40
    },
    overscan: 4,
    scrollMargin: offset,
    getItemKey,
    initialRect: { width: 1024, height: 900 },
  })
  const handled = useRef(0)
  useEffect(() => {
    if (scrollTo === null || handled.current === scrollTo.seq) return
    const index = rows.findIndex((r) => r.kind === 'instance' && r.instance.id === scrollTo.id)
    // Not listed yet (a filter that hid it is being cleared): the next list will have it.
    if (index === -1) return
    handled.current = scrollTo.seq
    virtualizer.scrollToIndex(index, { align: 'start' })
    // The card renders once the list has scrolled to it. Not cancelled when the list changes (live
    // updates come all the time); a list that is gone by then finds nothing to focus.
    requestAnimationFrame(() => {
      listRef.current?.querySelector<HTMLElement>(`[data-instance-card="${CSS.escape(scrollTo.id)}"]`)?.focus()
    })
  }, [scrollTo, rows, virtualizer])
  const items = virtualizer.getVirtualItems()
  return (
    <ul ref={listRef} className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
      {items.map((item) => {
        const row = rows[item.index]
        if (row === undefined) return null
        return (
          <li
            key={item.key}
            aria-setsize={rows.length}
            aria-posinset={item.index + 1}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="absolute inset-x-0 top-0"
            style={{ transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)`, paddingBottom: GAP }}
          >
            {row.kind === 'group' ? renderGroup(row) : renderCard(row.instance)}
          </li>
        )
      })}
    </ul>
  )
}
