-- Who opted an instance out (an operator, the connector, a maintenance window), kept while it is
-- out, so every replica can say where a Disabled came from (docs/dashboard.md).
ALTER TABLE instances ADD COLUMN disabled_by json;
