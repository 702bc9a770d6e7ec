import type { ClusterResponse, Replica } from '@relay-console/shared/api'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NOW } from '../../../test-fixtures'
import { ClusterPopover } from './cluster-entry'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
  vi.setSystemTime(NOW)
})
afterEach(() => {
  vi.useRealTimers()
})

const ago = (ms: number) => new Date(NOW - ms).toISOString()

const replica = (id: string, overrides: Partial<Replica> = {}): Replica => ({
  id,
  listen: `http://${id}.internal:8787`,
  startedAt: ago(3 * 3_600_000),
  lastSeenAt: ago(2000),
  owned: 2,
  ...overrides,
})

const THREE: ClusterResponse = {
  self: 'replica-b',
  replicas: [
    replica('replica-a', { owned: 3 }),
    replica('replica-b', { owned: 4, startedAt: ago(20 * 60_000) }),
    replica('replica-c', { owned: 0, lastSeenAt: ago(60_000) }),
  ],
}

const SOLO: ClusterResponse = {
  self: 'solo',
  replicas: [replica('solo', { owned: 7, lastSeenAt: ago(0), listen: 'http://127.0.0.1:8787' })],
}

async function open(cluster: ClusterResponse, staleSince: number | null = null) {
  const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime })
  render(<ClusterPopover cluster={cluster} staleSince={staleSince} />)
  const trigger = screen.getByTestId('cluster-entry')
  await user.click(trigger)
  const dialog = await screen.findByRole('dialog', { name: 'Console replicas' })
  const table = within(dialog).getByRole('table', { name: 'Console replicas' })
  const row = (id: string) => within(table).getByRole('row', { name: new RegExp(id) })
  return { user, trigger, dialog, table, row }
}

describe('ClusterPopover', () => {
  it('counts the replicas in the header and says how many do not respond, in words', () => {
    render(<ClusterPopover cluster={THREE} staleSince={null} />)
    const trigger = screen.getByRole('button', { name: '3 replicas 1 not responding' })
    expect(trigger).toHaveAttribute('aria-expanded', 'false')
    expect(trigger).toHaveAttribute('aria-haspopup', 'dialog')
  })

  it('marks the replica serving this tab, first in the table', async () => {
    const { dialog, table, row } = await open(THREE)
    expect(within(dialog).getByText('You are connected to replica-b')).toBeInTheDocument()
    const rows = within(table).getAllByTestId('replica-row')
    expect(rows.map((r) => r.dataset.replica)).toEqual(['replica-b', 'replica-a', 'replica-c'])
    expect(row('replica-b')).toHaveAttribute('aria-current', 'true')
    expect(within(row('replica-b')).getByText('This replica')).toBeInTheDocument()
    expect(row('replica-a')).not.toHaveAttribute('aria-current')
    expect(within(table).getAllByText('This replica')).toHaveLength(1)
  })

  it('is a table with column and row headers', async () => {
    const { table } = await open(THREE)
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Replica', 'Address', 'Started', 'Last seen', 'Status', 'Instances'])
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((h) => h.textContent),
    ).toEqual(['replica-bThis replica', 'replica-a', 'replica-c', 'Total'])
  })

  it('shows each replica’s address, since when it runs and when it was last seen', async () => {
    const { row } = await open(THREE)
    const b = row('replica-b')
    expect(within(b).getByText('http://replica-b.internal:8787')).toBeInTheDocument()
    expect(within(b).getByText('20 minutes ago')).toHaveAttribute('datetime', ago(20 * 60_000))
    expect(within(b).getByText('now')).toHaveAttribute('datetime', ago(2000))
    expect(within(row('replica-a')).getByText('3 hours ago')).toBeInTheDocument()
    expect(within(row('replica-c')).getByText('1 minute ago')).toBeInTheDocument()
  })

  it('shows a replica silent for more than 15 s as not responding, with an icon and words', async () => {
    const { row } = await open(THREE)
    const silent = row('replica-c')
    expect(silent).toHaveAttribute('data-health', 'not_responding')
    const health = within(silent).getByTestId('replica-health')
    expect(health).toHaveTextContent('Not responding')
    expect(health.querySelector('svg')).toHaveAttribute('aria-hidden', 'true')
    expect(within(row('replica-a')).getByTestId('replica-health')).toHaveTextContent('Responding')
  })

  it('counts the instances each replica holds, with the total', async () => {
    const { row, table } = await open(THREE)
    expect(within(row('replica-a')).getAllByRole('cell').at(-1)).toHaveTextContent('3')
    expect(within(row('replica-b')).getAllByRole('cell').at(-1)).toHaveTextContent('4')
    expect(within(row('replica-c')).getAllByRole('cell').at(-1)).toHaveTextContent('0')
    const total = within(table).getByRole('row', { name: /Total/ })
    expect(within(total).getByTestId('replica-total')).toHaveTextContent('7')
  })

  it('shows one process alone as one replica, this one, holding every instance', async () => {
    const { trigger, dialog, table, row } = await open(SOLO)
    expect(trigger).toHaveAccessibleName('1 replica')
    expect(within(dialog).getByText('You are connected to solo')).toBeInTheDocument()
    expect(within(table).getAllByTestId('replica-row')).toHaveLength(1)
    expect(row('solo')).toHaveAttribute('data-health', 'responding')
    expect(within(row('solo')).getByText('This replica')).toBeInTheDocument()
    expect(within(table).getByTestId('replica-total')).toHaveTextContent('7')
  })

  it('opens from the keyboard, moves focus in, reaches the table, and gives focus back on Escape', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime })
    render(<ClusterPopover cluster={THREE} staleSince={null} />)
    await user.tab()
    const trigger = screen.getByRole('button', { name: /3 replicas/ })
    expect(trigger).toHaveFocus()
    await user.keyboard('{Enter}')
    const dialog = await screen.findByRole('dialog', { name: 'Console replicas' })
    expect(trigger).toHaveAttribute('aria-expanded', 'true')
    expect(within(dialog).getByRole('button', { name: 'Close' })).toHaveFocus()
    await user.tab()
    // The table's scroller, for a screen too narrow to show every column.
    expect(within(dialog).getByRole('region', { name: 'Console replicas' })).toHaveFocus()
    await user.keyboard('{Escape}')
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(trigger).toHaveFocus()
  })

  it('closes with its Close button', async () => {
    const { user, trigger } = await open(THREE)
    await user.click(screen.getByRole('button', { name: 'Close' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(trigger).toHaveAttribute('aria-expanded', 'false')
  })

  it('says when the list could not be refreshed', async () => {
    const { dialog } = await open(THREE, NOW - 120_000)
    expect(within(dialog).getByTestId('cluster-stale')).toHaveTextContent(
      'Could not refresh — last answer 2 minutes ago',
    )
  })
})
