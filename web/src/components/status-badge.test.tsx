import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { StatusBadge } from './status-badge'

describe('StatusBadge', () => {
  it.each([
    ['connecting', 'outline', 'lucide-loader-circle', 'Connecting'],
    ['connected', 'success', 'lucide-wifi', 'Connected'],
    ['retrying', 'warning', 'lucide-refresh-cw', 'Retrying'],
    ['fatal', 'destructive', 'lucide-triangle-alert', 'Failed'],
    ['disabled', 'outline', 'lucide-power-off', 'Disabled'],
    ['hibernating', 'outline', 'lucide-circle-question-mark', 'Unknown'],
  ])('%s → %s badge, %s icon, "%s"', (state, variant, icon, text) => {
    render(<StatusBadge state={state} />)
    const badge = screen.getByTestId('status-badge')
    expect(badge).toHaveAttribute('data-variant', variant)
    expect(badge).toHaveTextContent(text)
    const svg = badge.querySelector('svg')
    expect(svg).toHaveClass(icon)
    expect(svg).toHaveAttribute('aria-hidden', 'true')
  })

  it('spins only the connecting icon, and only when motion is welcome', () => {
    const { rerender } = render(<StatusBadge state="connecting" />)
    expect(screen.getByTestId('status-badge').querySelector('svg')).toHaveClass('motion-safe:animate-spin')
    rerender(<StatusBadge state="retrying" />)
    expect(screen.getByTestId('status-badge').querySelector('svg')).not.toHaveClass('motion-safe:animate-spin')
  })

  it('never colours Disabled like an error', () => {
    render(<StatusBadge state="disabled" />)
    expect(screen.getByTestId('status-badge').className).not.toMatch(/destructive|warning/)
  })
})
