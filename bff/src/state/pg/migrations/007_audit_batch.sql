-- The bulk request an audit entry was part of (POST /api/relay/bulk, docs/api.md), or null.
ALTER TABLE audit ADD COLUMN batch_id text;
