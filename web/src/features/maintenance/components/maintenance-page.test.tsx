import type { MaintenanceWindow } from '@relay-console/shared/fleet-ops'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { WindowTable } from './maintenance-page'

const window = (over: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id: 'w1',
  name: 'db upgrade',
  ids: ['acme', 'globex'],
  selector: null,
  startsAt: '2026-11-29T13:00:00.000Z',
  endsAt: '2026-11-29T14:00:00.000Z',
  state: 'scheduled',
  createdBy: 'alice',
  createdAt: '2026-11-29T12:00:00.000Z',
  startedAt: null,
  endedAt: null,
  optedOut: [],
  ...over,
})

const table = (windows: MaintenanceWindow[], over: Partial<Parameters<typeof WindowTable>[0]> = {}) => (
  <>
    <h2 id="t">Maintenance windows</h2>
    <WindowTable windows={windows} labelledBy="t" canEnd ending={null} onEnd={vi.fn()} {...over} />
  </>
)

describe('WindowTable', () => {
  it('lists each window: what it covers, when, who scheduled it, and how it stands', () => {
    render(
      table([
        window(),
        window({
          id: 'w2',
          name: 'tenant move',
          ids: null,
          selector: { tenant: 'acme' },
          state: 'active',
          optedOut: ['acme'],
        }),
        window({
          id: 'w3',
          name: 'done',
          state: 'ended',
          optedOut: ['acme', 'globex'],
          endedAt: '2026-11-29T13:30:00.000Z',
        }),
        window({ id: 'w4', name: 'dropped', state: 'cancelled' }),
      ]),
    )
    const rows = screen.getAllByTestId('maintenance-row')
    expect(rows.map((r) => r.dataset.state)).toEqual(['scheduled', 'active', 'ended', 'cancelled'])
    expect(within(rows[0] as HTMLElement).getByRole('rowheader')).toHaveTextContent('db upgradeby alice')
    expect(rows[0]).toHaveTextContent('2 instances')
    expect(rows[0]).toHaveTextContent('Scheduled')
    expect(rows[1]).toHaveTextContent('tenant:acme')
    expect(rows[1]).toHaveTextContent('1 opted out')
    expect(rows[1]).toHaveTextContent('In progress')
    expect(rows[2]).toHaveTextContent('2 opted out')
    expect(rows[2]?.querySelectorAll('time')[1]).toHaveAttribute('datetime', '2026-11-29T13:30:00.000Z')
    expect(screen.getByRole('table', { name: 'Maintenance windows' })).toBeInTheDocument()
  })

  it('cancels a scheduled window and ends an active one, for operators only', async () => {
    const onEnd = vi.fn()
    const user = userEvent.setup()
    const windows = [window(), window({ id: 'w2', name: 'now', state: 'active' }), window({ id: 'w3', state: 'ended' })]
    const { rerender } = render(table(windows, { onEnd }))
    await user.click(screen.getByRole('button', { name: 'Cancel the window db upgrade' }))
    await user.click(screen.getByRole('button', { name: 'End the window now now' }))
    expect(onEnd.mock.calls).toEqual([['w1'], ['w2']])
    expect(screen.getAllByRole('button')).toHaveLength(2)
    rerender(table(windows, { onEnd, ending: 'w2' }))
    expect(screen.getByRole('button', { name: 'End the window now now' })).toBeDisabled()
    rerender(table(windows, { onEnd, canEnd: false }))
    expect(screen.queryAllByRole('button')).toEqual([])
  })

  it('says when there is none', () => {
    render(table([]))
    expect(screen.getByText('No maintenance windows yet.')).toBeInTheDocument()
  })
})
