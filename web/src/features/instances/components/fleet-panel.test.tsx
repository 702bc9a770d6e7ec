import type { ClientInstance } from '@relay-console/shared/instance'
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { RELAY_ALLOWED } from '../../../lib/relay-access'
import { instance, platformStatus, STATUS_BY_STATE } from '../../../test-fixtures'
import { FleetPanel, type FleetPanelProps } from './fleet-view'

const fleet = [
  instance('acme'),
  instance('globex', { platforms: [STATUS_BY_STATE.fatal] }),
  instance('initech', { optedIn: false, platforms: [STATUS_BY_STATE.disabled] }),
  instance('umbrella', { platforms: [{ ...STATUS_BY_STATE.retrying, needsAttention: true }] }),
]

// The view chosen last is remembered by the browser: each test starts from none.
beforeEach(() => window.localStorage.clear())

function renderPanel(props: Partial<FleetPanelProps> = {}) {
  const user = userEvent.setup()
  const element = (instances: readonly ClientInstance[] | undefined) => (
    <FleetPanel
      loadError={null}
      stale={false}
      lastEventAt={null}
      onSetRelay={vi.fn()}
      onBulk={vi.fn()}
      relayAccess={RELAY_ALLOWED}
      renderDetail={(i) => <p>detail of {i.id}</p>}
      {...props}
      instances={instances}
    />
  )
  const view = render(element('instances' in props ? props.instances : fleet))
  const cards = () => screen.getAllByRole('article').map((a) => within(a).getByRole('heading').textContent)
  /** The same panel with the fleet as it is now (a live update). */
  const rerender = (instances: readonly ClientInstance[]) => view.rerender(element(instances))
  return { user, cards, rerender }
}

describe('FleetPanel', () => {
  it('shows a viewer every switch read-only, with the reason, and no control that would fail', () => {
    renderPanel({ relayAccess: { kind: 'denied', reason: "Viewers can't change the relay" } })
    const switches = screen.getAllByRole('switch')
    expect(switches).toHaveLength(fleet.length)
    for (const toggle of switches) {
      expect(toggle).toBeDisabled()
      expect(toggle).toHaveAccessibleDescription("Viewers can't change the relay")
    }
  })

  it('counts instances per state at the top, and the platforms with them', () => {
    renderPanel()
    expect(screen.getByRole('button', { name: 'Show only Connected: 1 instance, 2 platforms' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Show only Failed: 1 instance, 1 platform' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Show only Disabled: 1 instance, 1 platform' })).toBeInTheDocument()
    expect(
      screen.getByRole('button', { name: 'Show only Needs attention: 1 instance, 1 platform' }),
    ).toBeInTheDocument()
    expect(screen.getByRole('region', { name: 'Instances by state' })).toBeInTheDocument()
  })

  it('lists problems first by default', () => {
    const { cards } = renderPanel()
    expect(cards()).toEqual(['Globex support', 'Umbrella support', 'Initech support', 'Acme support'])
  })

  it('filters by a state when its count is pressed, and shows all again', async () => {
    const { user, cards } = renderPanel()
    const disabled = screen.getByRole('button', { name: /^Show only Disabled:/ })
    await user.click(disabled)
    expect(disabled).toHaveAttribute('aria-pressed', 'true')
    expect(cards()).toEqual(['Initech support'])
    expect(screen.getByText('Showing 1 of 4 instances')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Show all' }))
    expect(cards()).toHaveLength(4)
  })

  it('filters by several states at once, showing instances in any of them', async () => {
    const { user, cards } = renderPanel()
    await user.click(screen.getByRole('button', { name: /^Show only Disabled:/ }))
    await user.click(screen.getByRole('button', { name: /^Show only Failed/ }))
    expect(cards().sort()).toEqual(['Globex support', 'Initech support'])
    await user.click(screen.getByRole('button', { name: /^Show only Disabled:/ }))
    expect(cards()).toEqual(['Globex support'])
    expect(screen.getByRole('button', { name: /^Show only Disabled:/ })).toHaveAttribute('aria-pressed', 'false')
  })

  it('searches by name and gateway id, and says when nothing matches', async () => {
    const { user, cards } = renderPanel()
    await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), 'gw-ini')
    expect(cards()).toEqual(['Initech support'])
    await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), 'zzz')
    expect(screen.getByText('No instance matches')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Clear search and filters' }))
    expect(cards()).toHaveLength(4)
  })

  it("shows each instance's labels as key:value chips, and finds instances by them, several terms at once", async () => {
    const labelled = [
      instance('acme', { labels: { tenant: 'acme', region: 'eu-west' } }),
      instance('globex', { labels: { tenant: 'globex', region: 'eu-west' } }),
      instance('initech', { labels: { tenant: 'initech', region: 'us-east' } }),
    ]
    const { user, cards } = renderPanel({ instances: labelled })
    const chips = within(screen.getByRole('article', { name: 'Acme support' })).getByRole('list', { name: 'Labels' })
    expect(
      within(chips)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['tenant:acme', 'region:eu-west'])
    await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), 'region:eu-west')
    expect(cards().sort()).toEqual(['Acme support', 'Globex support'])
    await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), ' tenant:globex')
    expect(cards()).toEqual(['Globex support'])
  })

  it('goes to the search box on "/", but not while the operator types elsewhere', async () => {
    const { user } = renderPanel()
    const search = screen.getByRole('searchbox', { name: 'Search instances' })
    expect(search).toHaveAttribute('aria-keyshortcuts', '/')
    await user.keyboard('/')
    expect(search).toHaveFocus()
    expect(search).toHaveValue('')
    await user.type(search, 'a/b')
    expect(search).toHaveValue('a/b')
  })

  it('exports what it shows, filtered and sorted, as CSV and as JSON', async () => {
    const made: Array<{ text: string; type: string }> = []
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      void (blob as Blob).text().then((text) => made.push({ text, type: (blob as Blob).type }))
      return 'blob:export'
    })
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    try {
      const { user } = renderPanel()
      await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), 'globex')
      await user.click(screen.getByRole('button', { name: 'Export CSV' }))
      await user.click(screen.getByRole('button', { name: 'Export JSON' }))
      await waitFor(() => expect(made).toHaveLength(2))
      const csv = made.find((m) => m.type === 'text/csv')?.text.split('\r\n') ?? []
      expect(csv).toHaveLength(2)
      expect(csv[1]).toMatch(/^globex,Globex support,gw-globex,/)
      const json = JSON.parse(made.find((m) => m.type === 'application/json')?.text ?? '[]')
      expect(json.map((i: { id: string }) => i.id)).toEqual(['globex'])
      expect(click).toHaveBeenCalledTimes(2)
    } finally {
      create.mockRestore()
      click.mockRestore()
    }
  })

  it('starts from the view a link names, and reports each change: a new entry for filter and sort, not for typing', async () => {
    const onQueryChange = vi.fn()
    const { user, cards } = renderPanel({
      initialQuery: { q: 'support', state: [], sort: 'name', group: '', view: null },
      onQueryChange,
    })
    expect(screen.getByRole('searchbox', { name: 'Search instances' })).toHaveValue('support')
    expect(screen.getByRole('combobox', { name: 'Sort' })).toHaveValue('name')
    expect(cards()).toEqual(['Acme support', 'Globex support', 'Initech support', 'Umbrella support'])
    expect(onQueryChange).not.toHaveBeenCalled()
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort' }), 'recent')
    expect(onQueryChange).toHaveBeenLastCalledWith(
      { q: 'support', state: [], sort: 'recent', group: '', view: null },
      'push',
    )
    await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), ' glob')
    await waitFor(() =>
      expect(onQueryChange).toHaveBeenLastCalledWith(
        { q: 'support glob', state: [], sort: 'recent', group: '', view: null },
        'replace',
      ),
    )
  })

  it('opens the instance a link names, and says when the operator opens or closes one', async () => {
    const onOpenChange = vi.fn()
    const { user } = renderPanel({ openId: 'globex', onOpenChange })
    expect(screen.getByTestId('instance-details')).toHaveAttribute('data-instance', 'globex')
    await user.click(screen.getByRole('button', { name: 'Hide details (Globex support)' }))
    expect(onOpenChange).toHaveBeenLastCalledWith(null)
    await user.click(screen.getByRole('button', { name: 'Show details (Acme support)' }))
    expect(onOpenChange).toHaveBeenLastCalledWith('acme')
  })

  it('sorts by name on request', async () => {
    const { user, cards } = renderPanel()
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort' }), 'name')
    expect(cards()).toEqual(['Acme support', 'Globex support', 'Initech support', 'Umbrella support'])
  })

  it('has an empty state for a console with no instances', () => {
    renderPanel({ instances: [] })
    expect(screen.getByText('No instances are configured')).toBeInTheDocument()
    expect(screen.queryByRole('article')).toBeNull()
  })

  it("takes the operator from a banner entry to that instance's card, even when a search hides it", async () => {
    const { user, cards } = renderPanel()
    await user.type(screen.getByRole('searchbox', { name: 'Search instances' }), 'acme')
    expect(cards()).toEqual(['Acme support'])
    await user.click(screen.getByRole('button', { name: 'Globex support · Discord: failed' }))
    expect(cards()).toHaveLength(fleet.length)
    await waitFor(() => expect(screen.getByRole('article', { name: 'Globex support' })).toHaveFocus())
  })

  it('raises a banner for failed and long-retrying platforms, never for disabled ones', () => {
    renderPanel()
    const banner = screen.getByTestId('action-banner')
    expect(banner).toHaveTextContent('2 platforms need action')
    expect(banner).toHaveTextContent('Globex support · Discord: failed')
    expect(banner).toHaveTextContent('Umbrella support · Discord: retrying for a long time')
    expect(banner).not.toHaveTextContent('Initech')
  })

  it('raises no banner for a fleet that is only disabled and connected', () => {
    renderPanel({ instances: [instance('a'), instance('b', { platforms: [STATUS_BY_STATE.disabled] })] })
    expect(screen.queryByTestId('action-banner')).toBeNull()
  })

  it('says so in one line when most of the fleet cannot reach the connector, and not otherwise', () => {
    const since = '2026-11-29T11:10:00.000Z'
    const unreachable = (id: string) =>
      instance(id, {
        platforms: [platformStatus({ state: 'retrying', errorCode: 'relay_dial_failed', retryingSince: since })],
      })
    renderPanel({
      instances: [unreachable('a'), unreachable('b'), unreachable('c'), instance('d')],
    })
    const banner = screen.getByTestId('fleet-incident')
    const time = new Intl.DateTimeFormat('en', { timeStyle: 'short' }).format(Date.parse(since))
    expect(banner).toHaveTextContent(`Connector unreachable since ${time} — 3 instances affected`)
    cleanup()
    renderPanel()
    expect(screen.queryByTestId('fleet-incident')).toBeNull()
  })

  it('warns that the view may be stale while live updates are down', () => {
    renderPanel({ stale: true, lastEventAt: Date.now() - 10_000 })
    expect(screen.getByTestId('stale-banner')).toHaveTextContent('Live updates are interrupted')
  })

  it("names each card's details button for its instance, so no two share a name", () => {
    renderPanel()
    const names = screen.getAllByRole('button', { name: /^Show details/ }).map((b) => b.textContent)
    expect(new Set(names).size).toBe(fleet.length)
  })

  it('opens an instance to show its detail', async () => {
    const { user } = renderPanel()
    const card = screen.getAllByRole('article')[3] as HTMLElement
    const toggle = within(card).getByRole('button', { name: 'Show details (Acme support)' })
    expect(toggle).toHaveAttribute('aria-expanded', 'false')
    await user.click(toggle)
    expect(within(card).getByRole('button', { name: 'Hide details (Acme support)' })).toHaveAttribute(
      'aria-expanded',
      'true',
    )
    expect(within(card).getByText('detail of acme')).toBeInTheDocument()
  })

  it('says why the fleet could not load', () => {
    renderPanel({ instances: undefined, loadError: Object.assign(new Error('x'), { code: 'network' }) })
    expect(screen.getByRole('alert')).toHaveTextContent(
      'The fleet could not be loaded: the console could not be reached.',
    )
  })

  it('summarises each card, and marks an opted-out one', () => {
    renderPanel({
      instances: [
        instance('acme', { platforms: [platformStatus(), platformStatus({ platform: 'slack', state: 'retrying' })] }),
        instance('off', { optedIn: false, platforms: [STATUS_BY_STATE.disabled] }),
      ],
    })
    expect(screen.getByText('1 of 2 platforms connected')).toBeInTheDocument()
    expect(screen.getByText('Opted out of the relay')).toBeInTheDocument()
  })

  it('says where a Disabled came from: an operator by name, the connector, or maintenance', () => {
    const off = (id: string, disabledBy: ClientInstance['disabledBy']) =>
      instance(id, { optedIn: false, platforms: [STATUS_BY_STATE.disabled], disabledBy })
    renderPanel({
      instances: [
        off('acme', { source: 'operator', actor: 'alice' }),
        off('globex', { source: 'connector', actor: 'connector' }),
        off('initech', { source: 'maintenance', actor: 'maintenance:db-upgrade' }),
        // A window ending later today: its end, as a time of day.
        off('umbrella', { source: 'maintenance', actor: 'maintenance:db-upgrade', until: todayAt(23, 59) }),
      ],
    })
    const sources = screen.getAllByTestId('disabled-source').map((el) => [el.dataset.source, el.textContent])
    expect(sources.sort()).toEqual([
      ['connector', 'Revoked by the connector, outside this console'],
      ['maintenance', 'In maintenance'],
      ['maintenance', 'In maintenance until 11:59 PM'],
      ['operator', 'Opted out by alice'],
    ])
    // Every badge stays the neutral Disabled.
    for (const badge of screen.getAllByTestId('status-badge')) expect(badge).toHaveAttribute('data-variant', 'outline')
  })

  it('shows markup from a connector or a config as text, never as elements', () => {
    const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'
    const { container } = render(
      <FleetPanel
        instances={[
          instance('evil', {
            displayName: hostile,
            gatewayId: hostile,
            platforms: [{ ...STATUS_BY_STATE.fatal, label: hostile, errorMessage: hostile }],
          }),
        ]}
        loadError={null}
        stale={false}
        lastEventAt={null}
        onSetRelay={vi.fn()}
        onBulk={vi.fn()}
        relayAccess={RELAY_ALLOWED}
        renderDetail={() => null}
      />,
    )
    expect(container.querySelector('img, script, [onerror]')).toBeNull()
    expect(screen.getByRole('heading', { name: hostile })).toBeInTheDocument()
    expect((window as { pwned?: number }).pwned).toBeUndefined()
  })
})

describe('FleetPanel as a table', () => {
  const tableOf = (props: Partial<FleetPanelProps> = {}) =>
    renderPanel({ initialQuery: { q: '', state: [], sort: 'problems', group: '', view: 'table' }, ...props })
  const rowIds = () => screen.getAllByTestId('instance-row').map((r) => r.dataset.instance)

  it('shows one row per instance with its worst state, sorted as the cards, and sorts by a column header', async () => {
    const onQueryChange = vi.fn()
    const { user } = tableOf({ onQueryChange })
    await screen.findAllByTestId('instance-row')
    expect(screen.queryByRole('article')).toBeNull()
    expect(screen.getByRole('button', { name: 'Table' })).toHaveAttribute('aria-pressed', 'true')
    expect(rowIds()).toEqual(['globex', 'umbrella', 'initech', 'acme'])
    expect(screen.getAllByTestId('instance-row').map((r) => r.dataset.state)).toEqual([
      'fatal',
      'retrying',
      'disabled',
      'connected',
    ])
    await user.click(screen.getByRole('button', { name: 'Name' }))
    expect(rowIds()).toEqual(['acme', 'globex', 'initech', 'umbrella'])
    expect(screen.getByRole('columnheader', { name: /Name/ })).toHaveAttribute('aria-sort', 'ascending')
    await user.click(screen.getByRole('button', { name: 'Name' }))
    expect(rowIds()).toEqual(['umbrella', 'initech', 'globex', 'acme'])
    expect(onQueryChange).toHaveBeenLastCalledWith(expect.objectContaining({ sort: '-name' }), 'push')
  })

  it('moves between rows with j/k and the arrows, and opens the details on Enter', async () => {
    const onOpenChange = vi.fn()
    const { user } = tableOf({ onOpenChange })
    const rows = await screen.findAllByTestId('instance-row')
    rows[0]?.focus()
    await user.keyboard('j')
    await waitFor(() => expect(rows[1]).toHaveFocus())
    await user.keyboard('{ArrowDown}')
    await waitFor(() => expect(rows[2]).toHaveFocus())
    await user.keyboard('k')
    await waitFor(() => expect(rows[1]).toHaveFocus())
    await user.keyboard('{Enter}')
    const dialog = await screen.findByRole('dialog', { name: 'Umbrella support' })
    expect(within(dialog).getByTestId('instance-details')).toHaveAttribute('data-instance', 'umbrella')
    expect(within(dialog).getByText('detail of umbrella')).toBeInTheDocument()
    expect(onOpenChange).toHaveBeenLastCalledWith('umbrella')
    await user.keyboard('{Escape}')
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(onOpenChange).toHaveBeenLastCalledWith(null)
  })

  it('does not reopen, as a dialog, an instance a link opened in the cards once the operator switches to the table', async () => {
    const { user } = renderPanel({ openId: 'acme' })
    expect(screen.getByTestId('instance-details')).toHaveAttribute('data-instance', 'acme')
    await user.click(screen.getByRole('button', { name: 'Hide details (Acme support)' }))
    await user.click(screen.getByRole('button', { name: 'Table' }))
    await screen.findAllByTestId('instance-row')
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(window.localStorage.getItem('relay-console.fleet-view')).toBe('table')
  })

  it('groups by a label with counts per worst state, and folds a group away', async () => {
    const labelled = [
      instance('acme', { labels: { region: 'eu' } }),
      instance('globex', { labels: { region: 'eu' }, platforms: [STATUS_BY_STATE.fatal] }),
      instance('initech', { labels: { region: 'us' } }),
      instance('hooli'),
    ]
    const { user } = tableOf({
      instances: labelled,
      initialQuery: { q: '', state: [], sort: 'name', group: 'region', view: 'table' },
    })
    const headings = await screen.findAllByTestId('group-heading')
    expect(headings.map((h) => h.textContent)).toEqual([
      'region: eu2 instancesFailed 1Connected 1',
      'region: us1 instanceConnected 1',
      'No region label1 instanceConnected 1',
    ])
    expect(rowIds()).toEqual(['acme', 'globex', 'initech', 'hooli'])
    await user.click(headings[0] as HTMLElement)
    expect(headings[0]).toHaveAttribute('aria-expanded', 'false')
    expect(rowIds()).toEqual(['initech', 'hooli'])
  })
})

describe('bulk actions', () => {
  it('opens the maintenance form over the selection', async () => {
    const onScheduleMaintenance = vi.fn()
    const { user } = renderPanel({ onScheduleMaintenance })
    const schedule = screen.getByRole('button', { name: 'Schedule maintenance' })
    expect(schedule).toBeDisabled()
    await user.click(screen.getByRole('checkbox', { name: 'Select Acme support' }))
    await user.click(screen.getByRole('checkbox', { name: 'Select Globex support' }))
    await user.click(schedule)
    expect(onScheduleMaintenance).toHaveBeenCalledWith(['acme', 'globex'])
  })

  it('selects, confirms with the count and a sample, shows progress, then the result with failures and a retry', async () => {
    let finish: (value: unknown) => void = () => {}
    const onBulk = vi.fn(
      () =>
        new Promise((resolve) => {
          finish = resolve
        }),
    )
    const { user } = renderPanel({ onBulk: onBulk as FleetPanelProps['onBulk'] })
    expect(screen.getByRole('button', { name: 'Opt out selected' })).toBeDisabled()
    await user.click(screen.getByRole('checkbox', { name: 'Select Acme support' }))
    await user.click(screen.getByRole('checkbox', { name: 'Select Globex support' }))
    expect(screen.getByText('2 selected')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Opt out selected' }))
    const confirm = await screen.findByRole('alertdialog', { name: 'Opt out 2 instances?' })
    expect(
      within(within(confirm).getByRole('list', { name: 'Among them' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Acme support', 'Globex support'])
    await user.click(within(confirm).getByRole('button', { name: 'Opt out 2 instances' }))
    expect(onBulk).toHaveBeenCalledWith(['acme', 'globex'], false)
    expect(screen.getByRole('progressbar', { name: 'Opting out 2 instances…' })).toHaveAttribute('aria-valuenow', '0')
    finish({
      batchId: 'b1',
      results: [
        { id: 'acme', result: 'ok' },
        { id: 'globex', result: 'failed', error: { code: 'superseded', message: 'A later request asked otherwise' } },
      ],
    })
    const done = await screen.findByRole('alertdialog', { name: 'Opted out 1 of 2' })
    expect(within(done).getByText('1 failed')).toBeInTheDocument()
    expect(within(done).getByRole('list', { name: 'Failures' })).toHaveTextContent(
      'Globex support: A later request asked otherwise',
    )
    await user.click(within(done).getByRole('button', { name: 'Retry the failed one' }))
    expect(onBulk).toHaveBeenLastCalledWith(['globex'], false)
    finish({ batchId: 'b2', results: [{ id: 'globex', result: 'failed', error: { code: 'x', message: 'Still no' } }] })
    await user.click(await screen.findByRole('button', { name: 'Close' }))
    // The failed one stays selected, for another go.
    expect(screen.getByRole('checkbox', { name: 'Select Globex support' })).toBeChecked()
    expect(screen.getByRole('checkbox', { name: 'Select Acme support' })).not.toBeChecked()
  })

  it('selects everything the filter shows', async () => {
    const onBulk = vi.fn(async () => ({ batchId: 'b', results: [] }))
    const { user } = renderPanel({ onBulk })
    await user.click(screen.getByRole('button', { name: /^Show only Failed:/ }))
    await user.click(screen.getByRole('button', { name: /^Show only Disabled:/ }))
    const shown = screen.getAllByRole('article').map((a) => a.dataset.instanceCard)
    expect(shown.length).toBeGreaterThan(1)
    expect(shown.length).toBeLessThan(fleet.length)
    await user.click(screen.getByRole('button', { name: `Select all ${shown.length} shown` }))
    await user.click(screen.getByRole('button', { name: 'Opt in selected' }))
    await user.click(await screen.findByRole('button', { name: `Opt in ${shown.length} instances` }))
    expect(onBulk).toHaveBeenCalledWith(expect.arrayContaining(shown), true)
    expect((onBulk.mock.calls[0] as unknown as [string[]])[0]).toHaveLength(shown.length)
  })

  it('offers a viewer nothing to select', () => {
    renderPanel({ relayAccess: { kind: 'denied', reason: "Viewers can't change the relay" } })
    expect(screen.queryByRole('checkbox')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Opt out selected' })).toBeNull()
  })
})

describe('keeping the place', () => {
  it('keeps an opted-out card where it was under "Problems first" until focus leaves it', async () => {
    const calm = [instance('acme'), instance('bravo'), instance('charlie')]
    const onSetRelay = vi.fn(async () => ({}))
    const { user, cards, rerender } = renderPanel({ instances: calm, onSetRelay })
    expect(cards()).toEqual(['Acme support', 'Bravo support', 'Charlie support'])
    const toggle = screen.getByRole('switch', { name: 'Relay for Charlie support' })
    await user.click(toggle)
    const dialog = await screen.findByRole('alertdialog', { name: 'Opt Charlie support out of the relay?' })
    await user.click(within(dialog).getByRole('button', { name: 'Opt out' }))
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
    // The opt-out lands: Charlie is Disabled now, which sorts above the connected ones.
    rerender([
      calm[0],
      calm[1],
      instance('charlie', { optedIn: false, platforms: [STATUS_BY_STATE.disabled] }),
    ] as ClientInstance[])
    expect(cards()).toEqual(['Acme support', 'Bravo support', 'Charlie support'])
    await waitFor(() => expect(screen.getByRole('switch', { name: 'Relay for Charlie support' })).toHaveFocus())
    await user.click(screen.getByRole('searchbox', { name: 'Search instances' }))
    expect(cards()).toEqual(['Charlie support', 'Acme support', 'Bravo support'])
  })
})

/** Today at hh:mm in the test's time zone, as an RFC 3339 time. */
function todayAt(hours: number, minutes: number): string {
  const d = new Date()
  d.setHours(hours, minutes, 0, 0)
  return d.toISOString()
}
