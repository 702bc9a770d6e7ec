/**
 * Light/dark theme: follows the system unless the operator picked one, and the pick is kept. The
 * document always carries the resolved theme (`data-theme="light|dark"`), so the CSS has one rule
 * per theme; with "system" it follows changes of the system setting live.
 * @module
 */
export type ThemeChoice = 'system' | 'light' | 'dark'
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark']
const KEY = 'relay-console.theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY)
    return value === 'light' || value === 'dark' ? value : 'system'
  } catch {
    return 'system'
  }
}

let unfollow: (() => void) | null = null

function resolve(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice
  return window.matchMedia?.(DARK_QUERY).matches ? 'dark' : 'light'
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement
  root.dataset.theme = resolve(choice)
  unfollow?.()
  unfollow = null
  if (choice === 'system' && window.matchMedia) {
    const media = window.matchMedia(DARK_QUERY)
    const onChange = () => {
      root.dataset.theme = resolve('system')
    }
    media.addEventListener('change', onChange)
    unfollow = () => media.removeEventListener('change', onChange)
  }
  try {
    if (choice === 'system') localStorage.removeItem(KEY)
    else localStorage.setItem(KEY, choice)
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
}
