/**
 * {@link LeaseStore} on PostgreSQL (tables `replicas` and `leases`, migration 002). Each method is
 * one statement, so it is atomic on its own, and every time is the server's `now()`: replicas never
 * compare their own clocks. No advisory locks: a lease is a row, so a fleet of any size costs rows,
 * not entries in the server's shared lock table, and a paused holder's lease simply runs out.
 * @module
 */
import type { Db } from '../state/pg/connect'
import { type BeatResult, FORGET_AFTER_TTLS, type LeaseGrant, type LeaseStore, type ReplicaRow } from './lease-store'

interface BeatRow {
  renewed: [string, number][]
  live: string[]
}

interface GrantRow {
  instance_id: string
  epoch: number | string
}

interface ReplicaDbRow {
  id: string
  listen: string
  started_at: Date
  last_seen_at: Date
  owned: number
}

const toGrant = (r: GrantRow): LeaseGrant => ({ instanceId: r.instance_id, epoch: Number(r.epoch) })

/** Distinct, sorted: one row may be changed once per statement, and sorted ids lock in one order everywhere. */
const distinctSorted = (ids: readonly string[]): string[] => [...new Set(ids)].sort()

export function createPgLeaseStore(db: Db): LeaseStore {
  return {
    async beat(replica, ttlMs): Promise<BeatResult> {
      // One statement: the heartbeat, the renewal of every valid lease of the replica, and the live
      // list. Only valid leases are renewed: a released or expired one stays free for others (its
      // old owner takes it back, if at all, by acquiring it, at a new epoch). All parts read one
      // snapshot, so the list shows the replica's previous beat (none on its first).
      const [row] = await db<BeatRow[]>`
        WITH beat AS (
          INSERT INTO replicas AS r (id, listen) VALUES (${replica.id}, ${replica.listen})
          ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), listen = EXCLUDED.listen
          RETURNING r.id
        ), forgotten AS (
          -- SKIP LOCKED: two replicas forgetting the same rows at once never wait for (or deadlock on) each other.
          DELETE FROM replicas WHERE id IN (
            SELECT id FROM replicas
            WHERE last_seen_at < now() - ${ttlMs * FORGET_AFTER_TTLS}::bigint * interval '1 millisecond'
              AND id <> ${replica.id}
            FOR UPDATE SKIP LOCKED
          )
        ), renewed AS (
          UPDATE leases SET expires_at = now() + ${ttlMs}::bigint * interval '1 millisecond'
          WHERE owner = ${replica.id} AND expires_at > now()
          RETURNING instance_id, epoch
        )
        SELECT
          (SELECT count(*) FROM beat) AS beats,
          COALESCE((SELECT json_agg(json_build_array(instance_id, epoch)) FROM renewed), '[]') AS renewed,
          COALESCE((
            SELECT json_agg(id ORDER BY id) FROM replicas
            WHERE last_seen_at > now() - ${ttlMs}::bigint * interval '1 millisecond' AND NOT draining
          ), '[]') AS live`
      if (row === undefined) throw new Error('the beat statement returned no row')
      return {
        renewed: row.renewed.map(([instanceId, epoch]) => ({ instanceId, epoch: Number(epoch) })),
        live: row.live,
      }
    },

    async acquire(owner, instanceIds, ttlMs) {
      const ids = distinctSorted(instanceIds)
      if (ids.length === 0) return []
      // Only rows that look free in this statement's snapshot are tried, so a valid lease of
      // another replica is neither locked nor written. ON CONFLICT re-checks the latest version
      // of each row under its lock: of two replicas racing for one lease, exactly one wins, and a
      // lease its holder renewed meanwhile stays with it. Every takeover bumps the epoch.
      const rows = await db<GrantRow[]>`
        INSERT INTO leases AS l (instance_id, owner, epoch, expires_at)
        SELECT w.id, ${owner}, 1, now() + ${ttlMs}::bigint * interval '1 millisecond'
        FROM unnest(${ids}::text[]) AS w(id)
        LEFT JOIN leases cur ON cur.instance_id = w.id
        WHERE cur.instance_id IS NULL OR cur.expires_at <= now()
        ORDER BY w.id
        ON CONFLICT (instance_id) DO UPDATE
          SET owner = EXCLUDED.owner, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at
          WHERE l.expires_at <= now()
        RETURNING l.instance_id, l.epoch`
      return rows.map(toGrant)
    },

    async release(owner, instanceIds) {
      const ids = distinctSorted(instanceIds)
      if (ids.length === 0) return
      // Expired, not deleted: the row keeps its epoch, which only ever grows.
      await db`
        UPDATE leases SET expires_at = now()
        WHERE owner = ${owner} AND instance_id = ANY(${ids}::text[]) AND expires_at > now()`
    },

    async markDraining(replicaId) {
      await db`UPDATE replicas SET draining = true WHERE id = ${replicaId}`
    },

    async remove(replicaId) {
      await db`
        WITH gone AS (DELETE FROM replicas WHERE id = ${replicaId})
        UPDATE leases SET expires_at = now() WHERE owner = ${replicaId} AND expires_at > now()`
    },

    async replicas(ttlMs): Promise<ReplicaRow[]> {
      const rows = await db<ReplicaDbRow[]>`
        SELECT r.id, r.listen, r.started_at, r.last_seen_at,
          (SELECT count(*)::integer FROM leases l WHERE l.owner = r.id AND l.expires_at > now()) AS owned
        FROM replicas r
        WHERE r.last_seen_at > now() - ${ttlMs * FORGET_AFTER_TTLS}::bigint * interval '1 millisecond'
          AND NOT r.draining
        ORDER BY r.id`
      return rows.map((r) => ({
        id: r.id,
        listen: r.listen,
        startedAt: r.started_at.toISOString(),
        lastSeenAt: r.last_seen_at.toISOString(),
        owned: r.owned,
      }))
    },
  }
}
