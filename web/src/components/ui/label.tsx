/**
 * A form control's label. `htmlFor` is required: every label here names its control by id.
 * @module
 */
import type { ComponentProps } from 'react'
import { cn } from '../../lib/cn'

function Label({ className, htmlFor, children, ...props }: ComponentProps<'label'> & { htmlFor: string }) {
  return (
    <label data-slot="label" htmlFor={htmlFor} className={cn('text-sm font-medium', className)} {...props}>
      {children}
    </label>
  )
}

export { Label }
