/**
 * The two pages — sign-in and the fleet — and the moves between them: a 401 anywhere sends the
 * operator to sign in; signing out comes back there too.
 * @module
 */
import { useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { LoginPage } from '../features/auth/components/login-page'
import { FleetView } from '../features/instances/components/fleet-view'
import { LiveIndicator } from '../features/instances/live/live-indicator'
import { LiveProvider } from '../features/instances/live/live-provider'
import { api, onUnauthenticated } from '../lib/api-client'
import { Header } from './header'

const InstanceDetail = lazy(() => import('./instance-detail').then((m) => ({ default: m.InstanceDetail })))

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

export function App() {
  const { t } = useTranslation()
  const [path, navigate] = usePath()
  const queryClient = useQueryClient()
  const toLogin = useCallback(() => {
    queryClient.clear()
    navigate('/login')
  }, [navigate, queryClient])
  useEffect(() => onUnauthenticated(toLogin), [toLogin])

  if (path === '/login') {
    return (
      <>
        <Header />
        <LoginPage
          linkInvalid={new URLSearchParams(window.location.search).get('link') === 'invalid'}
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
        onLogout={() => {
          void api.logout().finally(toLogin)
        }}
      />
      <main id="main" className="mx-auto w-full max-w-6xl px-4 py-6">
        <FleetView
          renderDetail={(instance) => (
            <Suspense fallback={<p className="text-sm text-muted-foreground">{t('detail.loading')}</p>}>
              <InstanceDetail instance={instance} />
            </Suspense>
          )}
        />
      </main>
    </LiveProvider>
  )
}
