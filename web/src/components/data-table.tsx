/**
 * The tables of the pages beside the fleet (sessions, replicas, maintenance windows, deliveries):
 * one look for their cells and column headings, and the frame that scrolls sideways on a narrow
 * screen. Rows are the caller's.
 * @module
 */
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { failureReason } from '../lib/api-errors'

export const CELL = 'px-2 py-2 align-baseline first:ps-0 last:pe-0'
export const HEAD = `${CELL} text-start text-xs font-medium text-muted-foreground`

export interface DataTableProps {
  /** The id of the heading that names the table. */
  labelledBy: string
  /** The column headings, in order. */
  headings: readonly string[]
  /** A last column of buttons: its heading, read by screen readers only. */
  actions?: string
  /** The rows. */
  children: ReactNode
}

export function DataTable({ labelledBy, headings, actions, children }: DataTableProps) {
  return (
    <div className="overflow-x-auto">
      <table aria-labelledby={labelledBy} className="w-full border-collapse text-sm">
        <thead>
          <tr className="border-b border-border">
            {headings.map((heading) => (
              <th key={heading} scope="col" className={HEAD}>
                {heading}
              </th>
            ))}
            {actions !== undefined && (
              <th scope="col" className={HEAD}>
                <span className="sr-only">{actions}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}

/** What a page shows while its data is on the way. */
export function Loading() {
  const { t } = useTranslation()
  return <p className="text-sm text-muted-foreground">{t('detail.loading')}</p>
}

/** What a page shows when its data could not be loaded, and why. */
export function LoadFailed({ error }: { error: unknown }) {
  const { t } = useTranslation()
  return <p className="text-sm text-destructive">{t('detail.loadFailed', { reason: failureReason(error, t) })}</p>
}
