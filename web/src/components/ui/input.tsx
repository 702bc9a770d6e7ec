/**
 * A text input with the border and visible focus ring every control shares. Height, surface and
 * padding come from the caller: the search box leaves room for its icon, the sign-in box sits on a card.
 * @module
 */
import type { ComponentProps } from 'react'
import { cn } from '../../lib/cn'

const inputClass =
  'rounded-md border border-border text-sm placeholder:text-muted-foreground focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring'

function Input({ className, ...props }: ComponentProps<'input'>) {
  return <input data-slot="input" className={cn(inputClass, className)} {...props} />
}

export { Input }
