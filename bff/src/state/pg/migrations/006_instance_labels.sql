-- Labels from the config (docs/configuration.md, instances[].labels), kept as the config wrote them (json,
-- not jsonb, so their order is the same as SQLite's).
ALTER TABLE instances ADD COLUMN labels json NOT NULL DEFAULT '{}';
