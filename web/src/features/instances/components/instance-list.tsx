/**
 * The fleet as a virtualised list (TanStack Virtual, window scrolling): only the cards near the
 * viewport are in the DOM, so thousands of instances stay smooth. Cards are measured as they
 * render, since their height depends on platforms and on an open detail.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { useWindowVirtualizer } from '@tanstack/react-virtual'
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react'

const GAP = 12

/** An instance to bring into view; `seq` tells one request from the next for the same instance. */
export interface ScrollTarget {
  id: string
  seq: number
}

export function InstanceList({
  instances,
  renderCard,
  scrollTo = null,
}: {
  instances: readonly ClientInstance[]
  renderCard: (instance: ClientInstance) => ReactNode
  /** Brings this instance's card into view and focuses it (its `[data-instance-card]` element). */
  scrollTo?: ScrollTarget | null
}) {
  const listRef = useRef<HTMLUListElement>(null)
  const [offset, setOffset] = useState(0)
  useLayoutEffect(() => {
    setOffset(listRef.current?.offsetTop ?? 0)
  }, [])
  const virtualizer = useWindowVirtualizer({
    count: instances.length,
    estimateSize: (index) => 110 + 64 * (instances[index]?.platforms.length ?? 1) + GAP,
    overscan: 4,
    scrollMargin: offset,
    getItemKey: (index) => instances[index]?.id ?? index,
    initialRect: { width: 1024, height: 900 },
  })
  const handled = useRef(0)
  useEffect(() => {
    if (scrollTo === null || handled.current === scrollTo.seq) return
    const index = instances.findIndex((i) => i.id === scrollTo.id)
    // Not listed yet (a filter that hid it is being cleared): the next list will have it.
    if (index === -1) return
    handled.current = scrollTo.seq
    virtualizer.scrollToIndex(index, { align: 'start' })
    // The card renders once the list has scrolled to it. Not cancelled when the list changes (live
    // updates come all the time); a list that is gone by then finds nothing to focus.
    requestAnimationFrame(() => {
      listRef.current?.querySelector<HTMLElement>(`[data-instance-card="${CSS.escape(scrollTo.id)}"]`)?.focus()
    })
  }, [scrollTo, instances, virtualizer])
  const items = virtualizer.getVirtualItems()
  return (
    <ul ref={listRef} className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
      {items.map((item) => {
        const instance = instances[item.index]
        if (instance === undefined) return null
        return (
          <li
            key={item.key}
            aria-setsize={instances.length}
            aria-posinset={item.index + 1}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className="absolute inset-x-0 top-0"
            style={{ transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)`, paddingBottom: GAP }}
          >
            {renderCard(instance)}
          </li>
        )
      })}
    </ul>
  )
}
