/**
 * The header's account menu: who is signed in and with which role, maintenance windows, the
 * admins' notifications and session list, sign out everywhere, and sign out.
 * @module
 */
import type { Operator } from '@relay-console/shared/roles'
import { BellRing, CalendarClock, ChevronDown, LogOut, MonitorSmartphone, UserRound } from 'lucide-react'
import { DropdownMenu } from 'radix-ui'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { useSession } from '../../../hooks/use-session'

export interface AccountMenuProps {
  onLogout: () => void
  onLogoutEverywhere: () => void
  /** Opens the session list (shown to admins only). */
  onOpenSessions: () => void
  /** Opens the maintenance windows. */
  onOpenMaintenance: () => void
  /** Opens the notifications and their delivery log (shown to admins only). */
  onOpenNotifications: () => void
}

/** The menu wired to the signed-in operator; a plain sign-out button until they are known. */
export function AccountMenu(props: AccountMenuProps) {
  const { t } = useTranslation()
  const session = useSession()
  if (session.data === undefined) {
    return (
      <Button variant="ghost" size="sm" onClick={props.onLogout}>
        <LogOut aria-hidden="true" />
        {t('header.logout')}
      </Button>
    )
  }
  return <AccountDropdown operator={session.data.operator} {...props} />
}

const ITEM =
  'flex cursor-default items-center gap-2 rounded-sm px-2 py-1.5 text-sm outline-none select-none data-[highlighted]:bg-muted'

export function AccountDropdown({
  operator,
  onLogout,
  onLogoutEverywhere,
  onOpenSessions,
  onOpenMaintenance,
  onOpenNotifications,
}: AccountMenuProps & { operator: Operator }) {
  const { t } = useTranslation()
  const role = t(`roles.${operator.role}`)
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <Button
          variant="ghost"
          size="sm"
          data-testid="account-menu"
          aria-label={t('account.menu', { name: operator.name, role })}
        >
          <UserRound aria-hidden="true" />
          <span className="max-w-40 truncate">{operator.name}</span>
          <span
            className="rounded-sm border border-border px-1 text-xs text-muted-foreground"
            data-testid="operator-role"
          >
            {role}
          </span>
          <ChevronDown aria-hidden="true" />
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={6}
          collisionPadding={16}
          className="z-50 min-w-56 rounded-lg border border-border bg-card p-1 text-foreground shadow-lg"
        >
          <DropdownMenu.Label className="px-2 py-1.5 text-xs text-muted-foreground">
            {t('account.signedInAs', { name: operator.name, role })}
          </DropdownMenu.Label>
          <DropdownMenu.Separator className="my-1 h-px bg-border" />
          <DropdownMenu.Item className={ITEM} onSelect={onOpenMaintenance}>
            <CalendarClock aria-hidden="true" className="size-4" />
            {t('account.maintenance')}
          </DropdownMenu.Item>
          {operator.role === 'admin' && (
            <>
              <DropdownMenu.Item className={ITEM} onSelect={onOpenNotifications}>
                <BellRing aria-hidden="true" className="size-4" />
                {t('account.notifications')}
              </DropdownMenu.Item>
              <DropdownMenu.Item className={ITEM} onSelect={onOpenSessions}>
                <MonitorSmartphone aria-hidden="true" className="size-4" />
                {t('account.sessions')}
              </DropdownMenu.Item>
            </>
          )}
          <DropdownMenu.Item className={ITEM} onSelect={onLogoutEverywhere}>
            <LogOut aria-hidden="true" className="size-4" />
            {t('account.signOutEverywhere')}
          </DropdownMenu.Item>
          <DropdownMenu.Item className={ITEM} onSelect={onLogout}>
            <LogOut aria-hidden="true" className="size-4" />
            {t('header.logout')}
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  )
}
