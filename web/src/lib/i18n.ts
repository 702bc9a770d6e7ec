/**
 * i18next set-up: English is bundled; every other language is its own chunk, loaded when picked.
 * The choice is kept, and the document gets its `lang` and `dir` (right-to-left for Arabic,
 * Hebrew and Persian).
 * @module
 */
import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import en from '../../../locales/en.json'

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'ar', name: 'العربية' },
  { code: 'cs', name: 'Čeština' },
  { code: 'de', name: 'Deutsch' },
  { code: 'es', name: 'Español' },
  { code: 'fa', name: 'فارسی' },
  { code: 'fr', name: 'Français' },
  { code: 'he', name: 'עברית' },
  { code: 'hi', name: 'हिन्दी' },
  { code: 'hu', name: 'Magyar' },
  { code: 'id', name: 'Bahasa Indonesia' },
  { code: 'it', name: 'Italiano' },
  { code: 'ja', name: '日本語' },
  { code: 'ko', name: '한국어' },
  { code: 'nl', name: 'Nederlands' },
  { code: 'pl', name: 'Polski' },
  { code: 'pt', name: 'Português' },
  { code: 'ru', name: 'Русский' },
  { code: 'sv', name: 'Svenska' },
  { code: 'tr', name: 'Türkçe' },
  { code: 'uk', name: 'Українська' },
  { code: 'vi', name: 'Tiếng Việt' },
  { code: 'zh-Hans', name: '简体中文' },
  { code: 'zh-Hant', name: '繁體中文' },
] as const

export type LanguageCode = (typeof LANGUAGES)[number]['code']
const RTL = new Set<string>(['ar', 'fa', 'he'])
const KEY = 'relay-console.language'

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en }
  }
}

const loaders = import.meta.glob<{ default: typeof en }>(['../../../locales/*.json', '!../../../locales/en.json'])

export function isLanguage(code: string): code is LanguageCode {
  return LANGUAGES.some((l) => l.code === code)
}

/** The stored choice, else the browser's first supported language, else English. */
export function preferredLanguage(): LanguageCode {
  try {
    const stored = localStorage.getItem(KEY)
    if (stored !== null && isLanguage(stored)) return stored
  } catch {
    // no storage: fall through
  }
  for (const tag of navigator.languages ?? []) {
    const locale = new Intl.Locale(tag)
    const script =
      locale.script ??
      (locale.language === 'zh' ? (['TW', 'HK', 'MO'].includes(locale.region ?? '') ? 'Hant' : 'Hans') : undefined)
    const candidate = locale.language === 'zh' ? `zh-${script}` : locale.language
    if (isLanguage(candidate)) return candidate
  }
  return 'en'
}

async function ensureLoaded(code: LanguageCode): Promise<void> {
  if (code === 'en' || i18next.hasResourceBundle(code, 'translation')) return
  const loader = loaders[`../../../locales/${code}.json`]
  if (loader === undefined) return
  const module = await loader()
  i18next.addResourceBundle(code, 'translation', module.default)
}

function applyDocument(code: string): void {
  document.documentElement.lang = code
  document.documentElement.dir = RTL.has(code) ? 'rtl' : 'ltr'
}

export async function initI18n(language: LanguageCode = preferredLanguage()): Promise<typeof i18next> {
  if (!i18next.isInitialized) {
    await i18next.use(initReactI18next).init({
      lng: 'en',
      fallbackLng: 'en',
      resources: { en: { translation: en } },
      interpolation: { escapeValue: false },
      returnNull: false,
    })
  }
  await changeLanguage(language, { persist: false })
  return i18next
}

export async function changeLanguage(code: LanguageCode, options: { persist?: boolean } = {}): Promise<void> {
  await ensureLoaded(code)
  await i18next.changeLanguage(code)
  applyDocument(code)
  if (options.persist ?? true) {
    try {
      localStorage.setItem(KEY, code)
    } catch {
      // storage refused: the choice lasts for this page only
    }
  }
}
