/**
 * What the login page can offer besides the token: single sign-on, and whether its provider can
 * be reached now (`GET /auth/options`).
 * @module
 */
import { useQuery } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

export function useLoginOptions() {
  return useQuery({ queryKey: ['login-options'], queryFn: () => api.getLoginOptions(), staleTime: 30_000 })
}
