/**
 * The fleet as a virtualised list (TanStack Virtual, window scrolling): only the cards near the
 * viewport are in the DOM, so thousands of instances stay smooth. Cards are measured as they
 * render, since their height depends on platforms and on an open detail.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { useWindowVirtualizer } from '@tanstack/react-virtual'
import { type ReactNode, useLayoutEffect, useRef, useState } from 'react'

const GAP = 12

export function InstanceList({
  instances,
  renderCard,
}: {
  instances: readonly ClientInstance[]
  renderCard: (instance: ClientInstance) => ReactNode
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
