/**
 * The top bar: the console's name, the live indicator, the console's replicas, language, theme,
 * and the signed-in operator's account menu.
 * @module
 */
import { RadioTower } from 'lucide-react'
import { type ComponentProps, type ReactNode, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Label } from '../components/ui/label'
import { Select } from '../components/ui/select'
import { ClusterEntry } from '../features/cluster/components/cluster-entry'
import { changeLanguage, isLanguage, LANGUAGES } from '../lib/i18n'
import { applyTheme, storedTheme, THEME_CHOICES, type ThemeChoice } from '../lib/theme'

export function Header({ indicator, account }: { indicator?: ReactNode; account?: ReactNode }) {
  const { t, i18n } = useTranslation()
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme)
  const themeLabel = { system: t('header.themeSystem'), light: t('header.themeLight'), dark: t('header.themeDark') }
  return (
    <header className="border-b border-border bg-card">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
          <h1 className="flex items-center gap-2 text-lg font-semibold">
            <RadioTower aria-hidden="true" className="size-5" />
            {t('app.title')}
          </h1>
          {indicator}
          {/* Signed in only: the replicas are behind the session, like the fleet. */}
          {account && <ClusterEntry />}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <BarSelect
            label={t('header.language')}
            value={i18n.language}
            onChange={(event) => {
              if (isLanguage(event.target.value)) void changeLanguage(event.target.value)
            }}
          >
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </BarSelect>
          <BarSelect
            label={t('header.theme')}
            value={theme}
            onChange={(event) => {
              const next = event.target.value as ThemeChoice
              setTheme(next)
              applyTheme(next)
            }}
          >
            {THEME_CHOICES.map((choice) => (
              <option key={choice} value={choice}>
                {themeLabel[choice]}
              </option>
            ))}
          </BarSelect>
          {account}
        </div>
      </div>
    </header>
  )
}

/** A select of the bar, labelled for assistive tech only: the bar has no room for visible labels. */
function BarSelect({ label, ...props }: ComponentProps<typeof Select> & { label: string }) {
  const id = useId()
  return (
    <>
      <Label htmlFor={id} className="sr-only">
        {label}
      </Label>
      <Select id={id} className="h-8" {...props} />
    </>
  )
}
