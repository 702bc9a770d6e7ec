/**
 * A platform state as a badge: variant, icon (hidden from assistive tech) and translated text.
 * A state this version does not know reads "Unknown", never a raw key.
 * @module
 */
import { useTranslation } from 'react-i18next'
import { cn } from '../lib/cn'
import { viewFor } from './status-view'
import { Badge } from './ui/badge'

export function StatusBadge({ state }: { state: string }) {
  const { t } = useTranslation()
  const view = viewFor(state)
  return (
    <Badge data-testid="status-badge" variant={view.variant}>
      <view.Icon aria-hidden="true" className={cn(view.spins && 'motion-safe:animate-spin')} />
      {t(view.labelKey)}
    </Badge>
  )
}
