-- The console's state on PostgreSQL, shared by every replica (see ../../store.ts).

-- The one-row counter every logged change takes its rev from, in the change's own transaction: the
-- row stays locked until commit, so rev order is commit order. Never a SEQUENCE: a sequence hands
-- out numbers at call time, so a later number can commit (and be read) before an earlier one.
CREATE TABLE rev_counter (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  rev bigint NOT NULL CHECK (rev >= 0)
);
INSERT INTO rev_counter (one, rev) VALUES (true, 0);

-- Definition (from the config), intent (desired), secret, and the last statuses written (observed).
-- json, not jsonb: the text is kept as written, so statuses read back compare equal to the same
-- statuses written again, and the log hands out objects with their keys in their order.
CREATE TABLE instances (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  gateway_id text NOT NULL,
  platforms json NOT NULL,
  opted_in boolean NOT NULL DEFAULT true,
  pending text CHECK (pending IN ('opting_out', 'opting_in')),
  secret text,
  config_secret_digest text,
  statuses json NOT NULL DEFAULT '[]'
);

-- Every logged change: the whole public instance after it, and the transitions it made.
CREATE TABLE changes (
  rev bigint PRIMARY KEY,
  instance_id text NOT NULL,
  instance json NOT NULL,
  transitions json NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);

-- Each instance's history, newest kept (trimmed in batches); seq orders one change's transitions.
CREATE TABLE transitions (
  instance_id text NOT NULL,
  rev bigint NOT NULL,
  seq integer NOT NULL,
  at text NOT NULL,
  platform text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  error_code text,
  error_message text,
  PRIMARY KEY (instance_id, rev, seq)
);

CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  instance_id text NOT NULL,
  result text NOT NULL,
  detail text
);
CREATE INDEX audit_by_instance ON audit (instance_id, id);
CREATE INDEX audit_pending ON audit (id) WHERE result = 'pending';

-- Times in milliseconds since the epoch, as the store's interface has them.
CREATE TABLE secrets (
  name text PRIMARY KEY,
  value bytea NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  operator text NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  client_address text,
  user_agent text,
  revoked_at bigint
);

CREATE TABLE login_codes (
  code_hash text PRIMARY KEY,
  expires_at bigint NOT NULL
);
