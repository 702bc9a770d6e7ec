-- Several replicas on one database: who is live, and which replica holds each instance's relay
-- socket (../../../cluster/pg-leases.ts). Every time here is the DATABASE's clock (now()), so
-- replicas whose clocks disagree still agree on who is live and which lease has expired.

-- A replica is live while it beats: last_seen_at within the lease TTL, and not draining.
CREATE TABLE replicas (
  id text PRIMARY KEY,
  listen text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  draining boolean NOT NULL DEFAULT false
);

-- One row per instance ever leased, never deleted: a released or expired lease keeps its owner and
-- epoch, so the epoch only grows (+1 on every takeover) and a stale holder's fence {owner, epoch}
-- can never match again. Valid while expires_at > now(). Half-empty pages: a renewal rewrites every
-- row of its owner, and with room on the page it is a HOT update that touches no index (10,000
-- leases renewed in ~25 ms instead of ~130 ms on a full table).
CREATE TABLE leases (
  instance_id text PRIMARY KEY,
  owner text NOT NULL,
  epoch bigint NOT NULL CHECK (epoch > 0),
  expires_at timestamptz NOT NULL
) WITH (fillfactor = 50);
-- Renewing and releasing go by owner; instance_id in the key gives the renew a stable row order.
CREATE INDEX leases_by_owner ON leases (owner, instance_id);
