/**
 * The web app's entry: translations first (so nothing flashes in the wrong language), then React.
 * @module
 */
// First: no schema may be built before Zod is told not to generate code (the CSP forbids eval).
import '../lib/zod-jitless'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ApiError, api } from '../lib/api-client'
import { adoptStyleNonce } from '../lib/csp-nonce'
import { initI18n } from '../lib/i18n'
import { instanceKeys } from '../lib/query-keys'
import { adoptTabKeyFromFragment } from '../lib/tab-key'
import { applyTheme, storedTheme } from '../lib/theme'
import { App } from './app'
import '@fontsource-variable/inter'
import './index.css'

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => !(error instanceof ApiError && error.status === 401) && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
})

applyTheme(storedTheme())
adoptStyleNonce()
// A login link lands on `/#k=…`: keep the tab key before the first request needs it.
adoptTabKeyFromFragment()

// The fleet is the first thing on screen: ask for it while translations and React load.
if (window.location.pathname !== '/login') {
  void queryClient.prefetchQuery({ queryKey: instanceKeys.list(), queryFn: api.getInstances })
}

const root = document.getElementById('root')
if (root === null) throw new Error('no #root element')

void initI18n().then(() => {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  )
})
