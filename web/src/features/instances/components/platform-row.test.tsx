import { render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NOW, platformStatus, STATUS_BY_STATE } from '../../../test-fixtures'
import { PlatformRow } from './platform-row'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  vi.useRealTimers()
})

const renderRow = (state: string, overrides = {}) =>
  render(
    <ul>
      <PlatformRow
        instanceId="acme"
        status={{
          ...(STATUS_BY_STATE[state as keyof typeof STATUS_BY_STATE] ?? platformStatus({ state })),
          ...overrides,
        }}
      />
    </ul>,
  )

describe('PlatformRow', () => {
  it('carries the test hooks', () => {
    renderRow('retrying')
    const row = screen.getByTestId('platform-row')
    expect(row).toHaveAttribute('data-instance', 'acme')
    expect(row).toHaveAttribute('data-platform', 'discord')
    expect(row).toHaveAttribute('data-state', 'retrying')
    expect(row).toHaveTextContent('Discord')
  })

  it.each([
    ['retrying', 'text-warning', 'The connection to the connector was lost'],
    ['fatal', 'text-destructive', 'The connector described this platform in a way the console cannot use'],
    ['disabled', 'text-muted-foreground', 'Relay disabled (opted out — opt in to re-enable)'],
  ])('%s shows its translated message in %s', (state, tone, text) => {
    renderRow(state)
    const message = screen.getByTestId('status-message')
    expect(message).toHaveTextContent(text)
    expect(message).toHaveClass(tone)
  })

  it('shows Disabled muted — not red, no retry line, no technical detail', () => {
    renderRow('disabled')
    const row = screen.getByTestId('platform-row')
    expect(screen.getByTestId('status-message')).not.toHaveClass('text-destructive')
    expect(row.innerHTML).not.toMatch(/destructive/)
    expect(row).not.toHaveTextContent(/attempt/)
    expect(row).not.toHaveTextContent(/Details:/)
  })

  it('shows no message for connecting and connected', () => {
    renderRow('connected')
    expect(screen.queryByTestId('status-message')).toBeNull()
  })

  it('counts down to the next try, and says when it tries now or not at all', () => {
    renderRow('retrying')
    expect(screen.getByText('attempt 3 · next try in 12 sec')).toBeInTheDocument()
    expect(screen.getByText('Details: connection lost: closed 1011 (overloaded)')).toBeInTheDocument()
  })

  it('says "trying now" once the next try is due, and "not retrying" when it is held', () => {
    renderRow('retrying', { nextRetryAt: new Date(NOW - 1000).toISOString() })
    expect(screen.getByText('attempt 3 · trying now')).toBeInTheDocument()
  })

  it('flags a platform that needs attention', () => {
    renderRow('retrying', { needsAttention: true })
    expect(screen.getByText('Needs attention')).toBeInTheDocument()
  })

  it('says when it last changed, relative to now', () => {
    renderRow('connected')
    expect(screen.getByText('Changed 2 minutes ago')).toBeInTheDocument()
  })

  it('translates an error code it does not know into a fallback, never a raw key', () => {
    renderRow('retrying', { errorCode: 'relay_brand_new', errorMessage: 'x' })
    expect(screen.getByTestId('status-message')).toHaveTextContent('Error (relay_brand_new)')
  })

  it('falls back to the platform name without a descriptor label', () => {
    renderRow('connecting', { label: null, emoji: null, platform: 'matrix' })
    expect(screen.getByTestId('platform-row')).toHaveTextContent('matrix')
  })
})
