import type { SessionListEntry } from '@relay-console/shared/api'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { SessionTable } from './sessions-page'

const session = (over: Partial<SessionListEntry> = {}): SessionListEntry => ({
  id: 'a'.repeat(64),
  operator: { name: 'alice', role: 'viewer' },
  via: 'token',
  createdAt: '2026-11-29T08:00:00.000Z',
  lastSeenAt: '2026-11-29T08:30:00.000Z',
  clientAddress: '10.0.0.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
  current: false,
  ...over,
})

describe('SessionTable', () => {
  it('lists who, with which role, how they signed in and from where, marking this session', () => {
    render(
      <>
        <h2 id="t">Active sessions</h2>
        <SessionTable
          labelledBy="t"
          revoking={null}
          onRevoke={vi.fn()}
          sessions={[
            session(),
            session({
              id: 'b'.repeat(64),
              operator: { name: 'carol@example.com', role: 'operator' },
              via: 'oidc',
              clientAddress: null,
              userAgent: null,
              current: true,
            }),
          ]}
        />
      </>,
    )
    const rows = screen.getAllByTestId('session-row')
    expect(rows).toHaveLength(2)
    expect(within(rows[0] as HTMLElement).getByRole('rowheader')).toHaveTextContent('alice Viewer')
    expect(rows[0]).toHaveTextContent('Operator token')
    expect(rows[0]).toHaveTextContent('10.0.0.7')
    expect(rows[0]).toHaveTextContent('Firefox/140.0')
    expect(within(rows[1] as HTMLElement).getByRole('rowheader')).toHaveTextContent(
      'carol@example.com Operator (this session)',
    )
    expect(rows[1]).toHaveTextContent('Single sign-on')
    expect(rows[1]).toHaveTextContent('unknown address')
    expect(screen.getByRole('table', { name: 'Active sessions' })).toBeInTheDocument()
  })

  it('revokes the one asked for, each button named for its session, and holds it while it goes', async () => {
    const onRevoke = vi.fn()
    const user = userEvent.setup()
    const { rerender } = render(
      <SessionTable
        labelledBy="t"
        revoking={null}
        onRevoke={onRevoke}
        sessions={[
          session(),
          session({ id: 'b'.repeat(64), operator: { name: 'bob', role: 'admin' }, clientAddress: '10.0.0.9' }),
        ]}
      />,
    )
    await user.click(screen.getByRole('button', { name: 'Revoke the session of bob from 10.0.0.9' }))
    expect(onRevoke).toHaveBeenCalledWith('b'.repeat(64))
    rerender(
      <SessionTable
        labelledBy="t"
        revoking={'b'.repeat(64)}
        onRevoke={onRevoke}
        sessions={[
          session(),
          session({ id: 'b'.repeat(64), operator: { name: 'bob', role: 'admin' }, clientAddress: '10.0.0.9' }),
        ]}
      />,
    )
    expect(screen.getByRole('button', { name: 'Revoke the session of bob from 10.0.0.9' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Revoke the session of alice from 10.0.0.7' })).toBeEnabled()
  })

  it('says when no one is signed in', () => {
    render(<SessionTable labelledBy="t" revoking={null} onRevoke={vi.fn()} sessions={[]} />)
    expect(screen.getByText('No one is signed in.')).toBeInTheDocument()
  })
})
