import type { Delivery } from '@relay-console/shared/fleet-ops'
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { DeliveryTable, WebhookList } from './notifications-page'

const delivery = (over: Partial<Delivery> = {}): Delivery => ({
  id: 1,
  eventId: '5f0c6a1e-8a4b-4a57-9a3e-1d1f7c0c2b9e',
  event: 'instance.failed',
  webhook: 'ops',
  instanceId: 'acme',
  platform: 'discord',
  state: 'delivered',
  attempts: 1,
  createdAt: new Date(Date.now() - 120_000).toISOString(),
  nextAttemptAt: null,
  deliveredAt: new Date().toISOString(),
  lastStatus: 200,
  lastError: null,
  ...over,
})

describe('WebhookList', () => {
  it('names each webhook, its format and events, with a test button each', async () => {
    const onTest = vi.fn()
    const user = userEvent.setup()
    render(
      <WebhookList
        info={{
          webhooks: [
            { name: 'ops', format: 'json', events: ['instance.failed', 'connector.unreachable'] },
            { name: 'chat', format: 'slack', events: ['instance.disabled'] },
          ],
        }}
        sending={'chat'}
        onTest={onTest}
      />,
    )
    const [ops, chat] = screen.getAllByTestId('webhook')
    expect(ops).toHaveTextContent('ops JSON')
    expect(ops).toHaveTextContent('instance.failed, connector.unreachable')
    expect(chat).toHaveTextContent('chat Slack')
    await user.click(screen.getByRole('button', { name: 'Send a test event to ops' }))
    expect(onTest).toHaveBeenCalledWith('ops')
    expect(screen.getByRole('button', { name: 'Send a test event to chat' })).toBeDisabled()
  })

  it('says where to add webhooks when there are none', () => {
    render(<WebhookList info={{ webhooks: [] }} sending={null} onTest={vi.fn()} />)
    expect(screen.getByText(/notifications\.webhooks in the config file/)).toBeInTheDocument()
  })
})

describe('DeliveryTable', () => {
  it('shows each delivery: event, instance and platform, webhook, when, and how it stands', () => {
    render(
      <>
        <h3 id="log">Deliveries</h3>
        <DeliveryTable
          labelledBy="log"
          deliveries={[
            delivery(),
            delivery({
              id: 2,
              event: 'connector.unreachable',
              instanceId: null,
              platform: null,
              state: 'pending',
              attempts: 3,
              nextAttemptAt: new Date(Date.now() + 40_000).toISOString(),
              lastStatus: 503,
              lastError: 'HTTP 503: busy',
            }),
            delivery({ id: 3, state: 'failed', lastStatus: 410, lastError: 'HTTP 410' }),
            delivery({ id: 4, event: 'instance.recovered', state: 'debounced', attempts: 0 }),
          ]}
        />
      </>,
    )
    const rows = screen.getAllByTestId('delivery-row')
    expect(rows.map((r) => r.dataset.state)).toEqual(['delivered', 'pending', 'failed', 'debounced'])
    expect(rows[0]).toHaveTextContent('instance.failedacme · discord')
    expect(rows[0]).toHaveTextContent('Delivered 1 try')
    expect(rows[0]).toHaveTextContent('2 minutes ago')
    expect(rows[1]).toHaveTextContent('Waiting 3 tries · next try in 40 seconds')
    expect(rows[1]).toHaveTextContent('HTTP 503: busy')
    expect(rows[2]).toHaveTextContent('Failed')
    expect(rows[2]).toHaveTextContent('HTTP 410')
    expect(rows[3]).toHaveTextContent('Recovered in time 0 tries')
    expect(screen.getByRole('table', { name: 'Deliveries' })).toBeInTheDocument()
  })

  it('says when nothing was sent', () => {
    render(<DeliveryTable deliveries={[]} labelledBy="x" />)
    expect(screen.getByText('Nothing has been sent yet.')).toBeInTheDocument()
  })
})
