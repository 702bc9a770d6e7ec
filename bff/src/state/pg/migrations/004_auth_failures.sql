-- Failed sign-ins and bearers by client, shared by every replica, so spreading guesses over the
-- replicas of a cluster gains nothing: each counts every replica's failures.
CREATE TABLE auth_failures (
  key text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX auth_failures_by_key ON auth_failures (key, at);
CREATE INDEX auth_failures_by_time ON auth_failures (at);
