import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../../lib/api-client'
import { CLUSTER_REFRESH_MS, clusterQueryOptions, useCluster } from './use-cluster'

afterEach(() => {
  vi.unstubAllGlobals()
})

const SOLO = {
  self: 'solo',
  replicas: [
    {
      id: 'solo',
      listen: 'http://127.0.0.1:8787',
      startedAt: '2026-11-27T08:00:00.000Z',
      lastSeenAt: '2026-11-27T10:00:00.000Z',
      owned: 7,
    },
  ],
}

function answer(status: number, body: unknown) {
  const fetch = vi.fn(
    async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  )
  vi.stubGlobal('fetch', fetch)
  return fetch
}

function renderCluster() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  )
  return renderHook(() => useCluster(), { wrapper })
}

describe('useCluster', () => {
  it('asks GET /api/cluster and gives the parsed answer', async () => {
    const fetch = answer(200, SOLO)
    const { result } = renderCluster()
    await waitFor(() => expect(result.current.data).toEqual(SOLO))
    expect(fetch).toHaveBeenCalledWith('/api/cluster', expect.objectContaining({ method: 'GET' }))
  })

  it('refuses an answer that is not the cluster', async () => {
    answer(200, { self: 'solo', replicas: [{ id: 'solo' }] })
    const { result } = renderCluster()
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toBeInstanceOf(ApiError)
    expect((result.current.error as ApiError).code).toBe('invalid_response')
  })

  it('asks again every 10 s', () => {
    expect(clusterQueryOptions().refetchInterval).toBe(CLUSTER_REFRESH_MS)
    expect(CLUSTER_REFRESH_MS).toBe(10_000)
  })
})
