import { act, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { RELAY_ALLOWED, type RelayAccess } from '../../../lib/relay-access'
import { RelaySwitch } from './relay-switch'

function deferred() {
  let resolve!: (value?: unknown) => void
  let reject!: (error: unknown) => void
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function setup(optedIn = true, access: RelayAccess = RELAY_ALLOWED) {
  const onSetRelay = vi.fn<(optedIn: boolean) => Promise<unknown>>()
  const user = userEvent.setup()
  const view = render(
    <RelaySwitch name="Acme support" optedIn={optedIn} pending={null} access={access} onSetRelay={onSetRelay} />,
  )
  const toggle = () => screen.getByRole('switch', { name: 'Relay for Acme support' })
  return { onSetRelay, user, toggle, view }
}

/** The dialog closed with nothing sent: the switch still on, and focused again. */
async function expectSprungBack(toggle: () => HTMLElement, onSetRelay: ReturnType<typeof setup>['onSetRelay']) {
  await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
  expect(toggle()).toHaveAttribute('aria-checked', 'true')
  expect(toggle()).toHaveFocus()
  expect(onSetRelay).not.toHaveBeenCalled()
}

describe('RelaySwitch', () => {
  it('is a switch named "Relay for {name}" showing the desired state', () => {
    const { toggle } = setup()
    expect(toggle()).toHaveAttribute('aria-checked', 'true')
  })

  it("shows a viewer the state read-only, with the reason it can't be changed, and sends nothing", async () => {
    const reason = "Viewers can't change the relay"
    const { user, toggle, onSetRelay } = setup(true, { kind: 'denied', reason })
    expect(toggle()).toBeDisabled()
    expect(toggle()).toHaveAttribute('aria-checked', 'true')
    expect(toggle()).toHaveAccessibleDescription(reason)
    expect(screen.getByTestId('relay-read-only')).toHaveTextContent(reason)
    await user.click(toggle())
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(onSetRelay).not.toHaveBeenCalled()
  })

  it('waits, disabled and silent, while the role is not known yet', async () => {
    const { user, toggle, onSetRelay } = setup(false, { kind: 'checking' })
    expect(toggle()).toBeDisabled()
    expect(screen.queryByTestId('relay-read-only')).toBeNull()
    await user.click(toggle())
    expect(onSetRelay).not.toHaveBeenCalled()
  })

  it('asks before opting out: Cancel focused, the consequence stated', async () => {
    const { user, toggle } = setup()
    await user.click(toggle())
    const dialog = await screen.findByRole('alertdialog', { name: 'Opt Acme support out of the relay?' })
    expect(dialog).toHaveTextContent(/revokes this instance's relay credentials/)
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus()
    expect(screen.getByRole('button', { name: 'Opt out' })).toBeInTheDocument()
  })

  it('springs back on Cancel, and gives focus back to the switch', async () => {
    const { user, toggle, onSetRelay } = setup()
    await user.click(toggle())
    await user.click(await screen.findByRole('button', { name: 'Cancel' }))
    await expectSprungBack(toggle, onSetRelay)
  })

  it('springs back on Esc too', async () => {
    const { user, toggle, onSetRelay } = setup()
    toggle().focus()
    await user.keyboard(' ')
    await screen.findByRole('alertdialog')
    await user.keyboard('{Escape}')
    await expectSprungBack(toggle, onSetRelay)
  })

  it('stays open with progress until the opt-out settles, then closes', async () => {
    const { user, toggle, onSetRelay } = setup()
    const request = deferred()
    onSetRelay.mockReturnValue(request.promise)
    await user.click(toggle())
    await user.click(await screen.findByRole('button', { name: 'Opt out' }))
    expect(onSetRelay).toHaveBeenCalledWith(false)
    const working = screen.getByRole('button', { name: 'Opting out…' })
    expect(working).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled()
    expect(screen.getByRole('alertdialog')).toBeInTheDocument()
    // The switch shows the server's state, not a guess (it sits behind the modal: hidden from the a11y tree).
    expect(screen.getByRole('switch', { name: 'Relay for Acme support', hidden: true })).toHaveAttribute(
      'aria-checked',
      'true',
    )
    await act(async () => request.resolve())
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
    expect(toggle()).toHaveFocus()
  })

  it('says a kept opt-out stays saved: Close cancels nothing, and "Try again now" only asks sooner', async () => {
    const { user, toggle, onSetRelay } = setup()
    onSetRelay.mockRejectedValueOnce(Object.assign(new Error('502'), { code: 'connector_unreachable' }))
    await user.click(toggle())
    await user.click(await screen.findByRole('button', { name: 'Opt out' }))
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent(
      'Could not opt out: the connector could not be reached. Your choice is saved and will be applied when it is back.',
    )
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Closing this does not cancel it')
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull()
    expect(screen.getByRole('button', { name: 'Close' })).toBeEnabled()
    onSetRelay.mockResolvedValueOnce(undefined)
    await user.click(screen.getByRole('button', { name: 'Try again now' }))
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
    expect(onSetRelay).toHaveBeenCalledTimes(2)
  })

  it('offers Cancel and Try again when the opt-out will not happen on its own (superseded)', async () => {
    const { user, toggle, onSetRelay } = setup()
    onSetRelay.mockRejectedValueOnce(Object.assign(new Error('409'), { code: 'superseded' }))
    await user.click(toggle())
    await user.click(await screen.findByRole('button', { name: 'Opt out' }))
    await screen.findByRole('alert')
    expect(screen.getByRole('alertdialog')).not.toHaveTextContent('Closing this does not cancel it')
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeEnabled()
    expect(screen.getByRole('button', { name: 'Try again' })).toBeEnabled()
  })

  it('opts in at once, without a dialog', async () => {
    const { user, toggle, onSetRelay } = setup(false)
    onSetRelay.mockResolvedValue(undefined)
    await user.click(toggle())
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(onSetRelay).toHaveBeenCalledWith(true)
  })

  it('keeps the switch focusable while an opt-in runs (busy, not disabled), and takes no second press', async () => {
    const { user, toggle, onSetRelay } = setup(false)
    const request = deferred()
    onSetRelay.mockReturnValue(request.promise)
    toggle().focus()
    await user.keyboard(' ')
    expect(onSetRelay).toHaveBeenCalledWith(true)
    expect(toggle()).toBeEnabled()
    expect(toggle()).toHaveAttribute('aria-disabled', 'true')
    expect(toggle()).toHaveFocus()
    await user.keyboard(' ')
    expect(onSetRelay).toHaveBeenCalledTimes(1)
    await act(async () => request.resolve())
    expect(toggle()).not.toHaveAttribute('aria-disabled')
    expect(toggle()).toHaveFocus()
  })

  it('shows a failed opt-in next to the switch with a retry', async () => {
    const { user, toggle, onSetRelay } = setup(false)
    onSetRelay.mockRejectedValueOnce(Object.assign(new Error('x'), { code: 'identity_token_missing' }))
    await user.click(toggle())
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not opt in: the console has no identity token to provision instances with.',
    )
    onSetRelay.mockResolvedValueOnce(undefined)
    await user.click(screen.getByRole('button', { name: 'Retry' }))
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull())
  })

  it('says what is pending', () => {
    render(<RelaySwitch name="Acme" optedIn={false} pending="opting_out" access={RELAY_ALLOWED} onSetRelay={vi.fn()} />)
    expect(screen.getByText('Opting out…')).toBeInTheDocument()
  })
})
