/**
 * The lease fence of status writes (several replicas, table `leases` of migration 002): an update
 * that carries `fence: { owner, epoch }` is written only while that lease is still the instance's.
 * @module
 */
import type { StatusUpdate } from '../store'
import type { TxDb } from './connect'

/**
 * The updates of a batch that may be written: those without a fence, and those whose fence names
 * the instance's lease as it is now (same owner, same epoch, not expired), in the order given.
 *
 * Call it holding the rev counter's lock, in the transaction that then writes the updates. Every
 * status write queues on that lock, so the answer holds until commit where it matters: a lease
 * taken over after this check cannot have its new owner's statuses written before ours (they
 * wait for our commit and land after, so they win), and a takeover committed before the check is
 * seen by it (read committed: the statement's snapshot is taken after the lock was granted). The
 * lease rows are not locked: the beat and takeovers (cluster/pg-leases.ts) write them in other
 * orders, and a share lock on thousands of them would make those wait, and could deadlock.
 *
 * Expiry is judged by the database's clock when the statement arrives (`statement_timestamp()`),
 * not `now()`: that is when the transaction began, before it waited for the counter's lock, and a
 * lease may run out during that wait.
 */
export async function fenceStatusUpdates(q: TxDb, updates: readonly StatusUpdate[]): Promise<StatusUpdate[]> {
  const fenced = updates.flatMap((u, n) => (u.fence == null ? [] : [{ n, id: u.id, ...u.fence }]))
  if (fenced.length === 0) return [...updates]
  // The refused ones are answered (usually none, so little comes back). epoch as numeric: a fence
  // with a fractional or huge epoch matches no lease, rather than failing the whole batch.
  const refused = await q<{ n: number }[]>`
    SELECT f.n FROM json_to_recordset(${JSON.stringify(fenced)}::text::json)
      AS f(n integer, id text, owner text, epoch numeric)
    WHERE NOT EXISTS (
      SELECT FROM leases l
      WHERE l.instance_id = f.id AND l.owner = f.owner AND l.epoch = f.epoch AND l.expires_at > statement_timestamp()
    )`
  if (refused.length === 0) return [...updates]
  const out = new Set(refused.map((r) => r.n))
  return updates.filter((_, n) => !out.has(n))
}
