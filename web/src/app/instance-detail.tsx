/**
 * What opens under an instance: its timeline and its audit log. Loaded on demand.
 * @module
 */
import type { ClientInstance } from '@relay-console/shared/instance'
import { useTranslation } from 'react-i18next'
import { AuditLog } from '../features/audit/components/audit-log'
import { Timeline } from '../features/history/components/timeline'

export function InstanceDetail({ instance }: { instance: ClientInstance }) {
  const { t } = useTranslation()
  const labels = Object.fromEntries(instance.platforms.map((p) => [p.platform, p.label ?? p.platform]))
  return (
    <div className="grid gap-6 md:grid-cols-2">
      <section aria-label={t('detail.timeline')}>
        <h4 className="mb-2 text-sm font-semibold">{t('detail.timeline')}</h4>
        <Timeline instanceId={instance.id} labels={labels} />
      </section>
      <section aria-label={t('detail.audit')}>
        <h4 className="mb-2 text-sm font-semibold">{t('detail.audit')}</h4>
        <AuditLog instanceId={instance.id} />
      </section>
    </div>
  )
}
