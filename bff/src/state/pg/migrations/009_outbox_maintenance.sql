-- Notifications waiting to be sent, and the delivery log (docs/notifications.md): written in the
-- transaction of the change that raised them, claimed by one replica at a time.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL,
  type text NOT NULL,
  webhook text NOT NULL,
  instance_id text,
  platform text,
  subject text NOT NULL,
  draft json NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  due_at bigint NOT NULL,
  claimed_by text,
  claimed_until bigint,
  delivered_at bigint,
  last_status integer,
  last_error text
);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_by_subject ON outbox (webhook, subject, state);

-- Whether the connector is unreachable (one connector.unreachable per outage, across replicas).
CREATE TABLE console_flags (
  key text PRIMARY KEY,
  value boolean NOT NULL
);

-- Maintenance windows (docs/api.md, "Maintenance windows"): moved from state to state by one
-- replica, under a conditional update.
CREATE TABLE maintenance (
  id text PRIMARY KEY,
  name text NOT NULL,
  ids json,
  selector json,
  starts_at bigint NOT NULL,
  ends_at bigint NOT NULL,
  state text NOT NULL,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  started_at bigint,
  ended_at bigint,
  opted_out json NOT NULL DEFAULT '[]'
);
