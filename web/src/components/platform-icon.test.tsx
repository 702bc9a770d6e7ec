import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { PlatformIcon } from './platform-icon'

describe('PlatformIcon', () => {
  const icon = (platform: string, emoji: string | null) => {
    const { unmount } = render(<PlatformIcon platform={platform} emoji={emoji} />)
    const el = screen.getByTestId('platform-icon')
    const out = { source: el.dataset.icon, tag: el.tagName.toLowerCase(), text: el.textContent, html: el.innerHTML }
    unmount()
    return out
  }

  it("draws the demo's platforms from bundled icons, never from the emoji font", () => {
    for (const platform of ['discord', 'telegram', 'whatsapp', 'matrix', 'Slack']) {
      const drawn = icon(platform, '💼')
      expect(drawn.tag).toBe('svg')
      expect(drawn.text).not.toContain('💼')
      expect(drawn.html).toMatch(/<(path d="M[\d.]|line )/)
    }
    expect(icon('discord', null).source).toBe('brand')
    expect(icon('slack', null).source).toBe('glyph')
  })

  it("falls back to the descriptor's emoji for a platform it has no icon for, and to a neutral glyph without one", () => {
    expect(icon('carrier-pigeon', '🐦')).toMatchObject({ source: 'emoji', tag: 'span', text: '🐦' })
    expect(icon('carrier-pigeon', null)).toMatchObject({ source: 'generic', tag: 'svg' })
    // Hidden from assistive tech: the label beside it names the platform.
    render(<PlatformIcon platform="telegram" emoji={null} />)
    expect(screen.getByTestId('platform-icon')).toHaveAttribute('aria-hidden', 'true')
  })
})
