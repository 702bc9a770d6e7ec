/**
 * Signing in with the operator token.
 * @module
 */
import { useMutation } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'

export function useLogin({ onSuccess }: { onSuccess: () => void }) {
  return useMutation({ mutationFn: (token: string) => api.login(token), onSuccess })
}
