/**
 * A group's heading when the fleet is grouped by a label: `region: eu`, how many instances, and how
 * many of them are at each worst state; pressing it folds the group away or back.
 * @module
 */
import { ChevronDown, ChevronRight } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { STATUS_VIEW } from '../../../components/status-view'
import { type FleetGroup, WORST_ORDER } from '../model/fleet'

export function GroupHeading({
  label,
  group,
  collapsed,
  onToggle,
}: {
  /** The label key the fleet is grouped by. */
  label: string
  group: FleetGroup
  collapsed: boolean
  onToggle: () => void
}) {
  const { t } = useTranslation()
  const name = group.value === null ? t('fleet.groupNone', { label }) : `${label}: ${group.value}`
  return (
    <button
      type="button"
      aria-expanded={!collapsed}
      onClick={onToggle}
      data-testid="group-heading"
      className="flex w-full flex-wrap items-center gap-x-3 gap-y-1 rounded-md px-2 py-1.5 text-start hover:bg-muted focus-visible:outline-2 focus-visible:outline-ring"
    >
      <span className="inline-flex items-center gap-1 font-semibold">
        {collapsed ? (
          <ChevronRight aria-hidden="true" className="size-4 rtl:-scale-x-100" />
        ) : (
          <ChevronDown aria-hidden="true" className="size-4" />
        )}
        {name}
      </span>
      <span className="text-sm text-muted-foreground">{t('fleet.groupCount', { count: group.instances.length })}</span>
      <span className="flex flex-wrap gap-2 text-xs">
        {WORST_ORDER.filter((state) => group.byWorst[state] > 0).map((state) => {
          const view = STATUS_VIEW[state]
          return (
            <span key={state} className="inline-flex items-center gap-1 text-muted-foreground">
              <view.Icon aria-hidden="true" className="size-3.5" />
              {t(view.labelKey)} {group.byWorst[state]}
            </span>
          )
        })}
      </span>
    </button>
  )
}
