/**
 * A page beside the fleet (sessions, maintenance, notifications): "Back to the fleet", its heading,
 * and its content, which gets the heading's id to name its tables by. A page for one role tells
 * the others it is not theirs (`deniedText`), and shows nothing of it until the role is known.
 * @module
 */
import type { Role } from '@relay-console/shared/roles'
import { ArrowLeft } from 'lucide-react'
import { type ReactNode, useId } from 'react'
import { useTranslation } from 'react-i18next'
import { useAllowed, useRole } from '../hooks/use-session'
import { Button } from './ui/button'

export interface PageProps {
  title: string
  onBack: () => void
  /** The role the page is for, and what everyone else is told instead; every role when absent. */
  needs?: { role: Role; deniedText: string; deniedTestId: string }
  children: (titleId: string) => ReactNode
}

export function Page({ title, onBack, needs, children }: PageProps) {
  const { t } = useTranslation()
  const titleId = useId()
  const role = useRole()
  const allowed = useAllowed(needs?.role ?? 'viewer')
  let content: ReactNode
  if (needs === undefined) content = children(titleId)
  else if (role === null) content = <p className="text-sm text-muted-foreground">{t('detail.loading')}</p>
  else if (allowed) content = children(titleId)
  else {
    content = (
      <p className="text-sm text-muted-foreground" data-testid={needs.deniedTestId}>
        {needs.deniedText}
      </p>
    )
  }
  return (
    <section aria-labelledby={titleId} className="flex flex-col gap-4">
      <div>
        <Button variant="ghost" size="sm" onClick={onBack}>
          <ArrowLeft aria-hidden="true" className="rtl:rotate-180" />
          {t('sessions.back')}
        </Button>
      </div>
      <h2 id={titleId} className="text-lg font-semibold">
        {title}
      </h2>
      {content}
    </section>
  )
}
