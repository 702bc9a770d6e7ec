/**
 * The pages — sign-in, the fleet, maintenance windows, and the admins' notifications and session
 * list — and the moves between them: a 401
 * anywhere sends the operator to sign in; signing out (here or everywhere) comes back there too.
 * @module
 */
import { SSO_FAILURES, type SsoFailure } from '@relay-console/shared/api'
import { useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AccountMenu } from '../features/auth/components/account-menu'
import { LoginPage } from '../features/auth/components/login-page'
import { FleetView } from '../features/instances/components/fleet-view'
import { LiveIndicator } from '../features/instances/live/live-indicator'
import { LiveProvider } from '../features/instances/live/live-provider'
import { api, onUnauthenticated } from '../lib/api-client'
import { Header } from './header'

const InstanceDetail = lazy(() => import('./instance-detail').then((m) => ({ default: m.InstanceDetail })))
const SessionsPage = lazy(() =>
  import('../features/sessions/components/sessions-page').then((m) => ({ default: m.SessionsPage })),
)
const MaintenancePage = lazy(() =>
  import('../features/maintenance/components/maintenance-page').then((m) => ({ default: m.MaintenancePage })),
)
const NotificationsPage = lazy(() =>
  import('../features/notifications/components/notifications-page').then((m) => ({ default: m.NotificationsPage })),
)

/** The pages besides the fleet, by path, each loaded when first opened. */
const PAGES = { '/sessions': SessionsPage, '/maintenance': MaintenancePage, '/notifications': NotificationsPage }
const pageAt = (path: string) => (Object.hasOwn(PAGES, path) ? PAGES[path as keyof typeof PAGES] : null)

function usePath(): [string, (to: string) => void] {
  const [path, setPath] = useState(() => window.location.pathname)
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname)
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])
  const navigate = useCallback((to: string) => {
    window.history.pushState(null, '', to)
    setPath(new URL(to, window.location.href).pathname)
  }, [])
  return [path, navigate]
}

/** `/instances/:id`: the instance whose details a link opens. */
function openIdIn(path: string): string | null {
  const match = /^\/instances\/([^/]+)$/.exec(path)
  if (match?.[1] === undefined) return null
  try {
    return decodeURIComponent(match[1])
  } catch {
    return null
  }
}

/** `/login?sso=<reason>`: why the last single sign-on did not complete. */
function ssoFailureIn(search: string): SsoFailure | null {
  const reason = new URLSearchParams(search).get('sso')
  return SSO_FAILURES.find((known) => known === reason) ?? null
}

export function App() {
  const { t } = useTranslation()
  const [path, navigate] = usePath()
  const queryClient = useQueryClient()
  const toLogin = useCallback(() => {
    queryClient.clear()
    navigate('/login')
  }, [navigate, queryClient])
  useEffect(() => onUnauthenticated(toLogin), [toLogin])
  const Page = pageAt(path)

  if (path === '/login') {
    return (
      <>
        <Header />
        <LoginPage
          linkInvalid={new URLSearchParams(window.location.search).get('link') === 'invalid'}
          ssoFailure={ssoFailureIn(window.location.search)}
          onLoggedIn={() => navigate('/')}
        />
      </>
    )
  }
  return (
    <LiveProvider onUnauthenticated={toLogin}>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-card focus:p-2"
      >
        {t('app.skipToContent')}
      </a>
      <Header
        indicator={<LiveIndicator />}
        account={
          <AccountMenu
            onLogout={() => {
              void api.logout().finally(toLogin)
            }}
            onLogoutEverywhere={() => {
              void api.signOutEverywhere().finally(toLogin)
            }}
            onOpenSessions={() => navigate('/sessions')}
            onOpenMaintenance={() => navigate('/maintenance')}
            onOpenNotifications={() => navigate('/notifications')}
          />
        }
      />
      <main id="main" className="mx-auto w-full max-w-6xl px-4 py-6">
        {Page !== null ? (
          <Suspense fallback={<p className="text-sm text-muted-foreground">{t('detail.loading')}</p>}>
            <Page onBack={() => navigate('/')} />
          </Suspense>
        ) : (
          <FleetView
            openId={openIdIn(path)}
            onScheduleMaintenance={(ids) => navigate(`/maintenance?ids=${ids.map(encodeURIComponent).join(',')}`)}
            onOpenChange={(id) =>
              navigate(`${id === null ? '/' : `/instances/${encodeURIComponent(id)}`}${window.location.search}`)
            }
            renderDetail={(instance) => (
              <Suspense fallback={<p className="text-sm text-muted-foreground">{t('detail.loading')}</p>}>
                <InstanceDetail instance={instance} />
              </Suspense>
            )}
          />
        )}
      </main>
    </LiveProvider>
  )
}
