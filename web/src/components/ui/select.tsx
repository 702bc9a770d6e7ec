/**
 * A native select with the border and visible focus ring every control shares; native, so the
 * platform's own picker and keyboard handling come with it. Height comes from the caller.
 * @module
 */
import type { ComponentProps } from 'react'
import { cn } from '../../lib/cn'

const selectClass =
  'rounded-md border border-border bg-card px-2 text-sm focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring'

function Select({ className, ...props }: ComponentProps<'select'>) {
  return <select data-slot="select" className={cn(selectClass, className)} {...props} />
}

export { Select }
