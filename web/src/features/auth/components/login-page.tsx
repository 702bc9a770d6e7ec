/**
 * The sign-in page: single sign-on when the console has it, the operator's token, or the one-time
 * link printed at start (which lands here only when it was already used).
 * @module
 */
import type { SsoFailure } from '@relay-console/shared/api'
import { KeyRound, LoaderCircle } from 'lucide-react'
import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Button } from '../../../components/ui/button'
import { Input } from '../../../components/ui/input'
import { Label } from '../../../components/ui/label'
import { errorCode } from '../../../lib/api-errors'
import { useLogin } from '../api/use-login'
import { useLoginOptions } from '../api/use-login-options'
import { SsoEntry } from './sso-entry'

export function LoginPage({
  onLoggedIn,
  linkInvalid,
  ssoFailure,
}: {
  onLoggedIn: () => void
  linkInvalid: boolean
  ssoFailure: SsoFailure | null
}) {
  const { t } = useTranslation()
  const options = useLoginOptions()
  const [token, setToken] = useState('')
  const inputId = useId()
  const errorId = useId()
  const login = useLogin({ onSuccess: onLoggedIn })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (token.trim() !== '') login.mutate(token.trim())
  }

  const code = login.isError ? errorCode(login.error) : null
  const error =
    code === null
      ? linkInvalid && login.isIdle
        ? t('login.linkInvalid')
        : null
      : code === 'invalid_token'
        ? t('login.invalid')
        : code === 'too_many_attempts'
          ? t('login.throttled')
          : t('login.failed', { reason: code })

  return (
    <main id="main" className="mx-auto flex min-h-[70vh] w-full max-w-md flex-col justify-center px-4">
      <form onSubmit={submit} className="flex flex-col gap-4 rounded-lg border border-border bg-card p-6 shadow-sm">
        <div className="flex items-center gap-2">
          <KeyRound aria-hidden="true" className="size-5 text-muted-foreground" />
          <h1 className="text-xl font-semibold">{t('login.title')}</h1>
        </div>
        {options.data !== undefined && <SsoEntry sso={options.data.sso} failure={ssoFailure} />}
        <p className="text-sm text-muted-foreground">{t('login.intro')}</p>
        <div className="flex flex-col gap-1">
          <Label htmlFor={inputId}>{t('login.token')}</Label>
          <Input
            id={inputId}
            type="password"
            autoComplete="current-password"
            required
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={code !== null}
            aria-describedby={error !== null ? errorId : undefined}
            className="h-10 bg-background px-3"
          />
        </div>
        {error !== null && (
          <p id={errorId} role="alert" className="text-sm text-destructive">
            {error}
          </p>
        )}
        <Button type="submit" disabled={login.isPending}>
          {login.isPending && <LoaderCircle aria-hidden="true" className="motion-safe:animate-spin" />}
          {login.isPending ? t('login.working') : t('login.submit')}
        </Button>
      </form>
    </main>
  )
}
