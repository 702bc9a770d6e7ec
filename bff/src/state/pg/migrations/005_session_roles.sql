-- Named operators (docs/operators.md): each session keeps its operator's role and how it was
-- opened. Sessions from before were all the operator token's.
ALTER TABLE sessions ADD COLUMN role text NOT NULL DEFAULT 'admin';
ALTER TABLE sessions ADD COLUMN via text NOT NULL DEFAULT 'token';
CREATE INDEX sessions_by_operator ON sessions (operator);
