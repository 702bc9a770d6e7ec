/**
 * A small status pill: a `cva` table of variants, `data-slot` and `data-variant` for styling and
 * tests. Shows whatever it is given (icon and text); it never carries meaning by colour alone.
 * @module
 */
import { cva, type VariantProps } from 'class-variance-authority'
import type { ComponentProps } from 'react'
import { cn } from '../../lib/cn'

const badgeVariants = cva(
  'inline-flex items-center gap-1 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium [&>svg]:size-3.5 [&>svg]:shrink-0',
  {
    variants: {
      variant: {
        success: 'border-success-border bg-success-bg text-success',
        warning: 'border-warning-border bg-warning-bg text-warning',
        destructive: 'border-destructive-border bg-destructive-bg text-destructive',
        outline: 'border-border bg-transparent text-foreground',
      },
    },
    defaultVariants: { variant: 'outline' },
  },
)

type BadgeProps = ComponentProps<'span'> & VariantProps<typeof badgeVariants>

function Badge({ className, variant = 'outline', ...props }: BadgeProps) {
  return (
    <span data-slot="badge" data-variant={variant} className={cn(badgeVariants({ variant }), className)} {...props} />
  )
}

export { Badge, badgeVariants }
