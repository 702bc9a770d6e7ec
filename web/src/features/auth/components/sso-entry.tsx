/**
 * Single sign-on on the login page: "Sign in with {provider}" when it is configured and reachable,
 * a calm notice when its provider cannot be reached (local operators still sign in with a token),
 * and why the last attempt did not complete, when it did not.
 * @module
 */
import type { LoginOptions, SsoFailure } from '@relay-console/shared/api'
import { LogIn } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { buttonVariants } from '../../../components/ui/button'

export function SsoEntry({ sso, failure }: { sso: LoginOptions['sso']; failure: SsoFailure | null }) {
  const { t } = useTranslation()
  if (sso === null) return null
  const provider = sso.name
  const failureText =
    failure === 'no_role'
      ? t('login.ssoNoRole', { provider })
      : failure === 'failed'
        ? t('login.ssoFailed', { provider })
        : failure === 'unavailable'
          ? t('login.ssoUnavailable', { provider })
          : null
  return (
    <div className="flex flex-col gap-3" data-testid="sso-entry">
      {failureText !== null && (
        <p role="alert" className="text-sm text-destructive">
          {failureText}
        </p>
      )}
      {sso.available ? (
        // A navigation, not a request: the browser leaves for the provider and comes back signed in.
        <a href="/auth/oidc/start" className={buttonVariants({ variant: 'primary' })}>
          <LogIn aria-hidden="true" />
          {t('login.ssoButton', { provider })}
        </a>
      ) : (
        failure !== 'unavailable' && (
          <p role="status" className="text-sm text-muted-foreground">
            {t('login.ssoUnavailable', { provider })}
          </p>
        )
      )}
      <p className="flex items-center gap-2 text-xs text-muted-foreground before:h-px before:flex-1 before:bg-border after:h-px after:flex-1 after:bg-border">
        {t('login.orToken')}
      </p>
    </div>
  )
}
