-- What a replica taking an instance over needs to finish or settle the operation in flight.

-- The audit entry of the operation an instance's pending intent asks for; null when nothing is
-- pending. No foreign key: audit is trimmed to its newest entries without touching instances (a
-- cascade would lock instance rows outside the rev counter's lock, see ../store-tx.ts).
ALTER TABLE instances ADD COLUMN pending_entry bigint;

-- Why a settled entry failed, as an API error code (`connector_unreachable`); null otherwise.
ALTER TABLE audit ADD COLUMN error_code text;

-- Settling one instance's pending entries needs no new index: audit_pending (001) holds only the
-- entries still pending, a handful, and the instance is picked among them.
