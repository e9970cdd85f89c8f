-- Orphans carry the time they were received as columns, so that Sweep can
-- prune those nobody registered a tracker for (tracking.Store.PruneOrphans)
-- over an index rather than reading every document. Rows saved before this
-- migration take the time from their document, to the microsecond.
ALTER TABLE tracking_orphans
    ADD COLUMN received_at timestamptz,
    ADD COLUMN received_ns smallint;
UPDATE tracking_orphans SET received_at = (doc->>'received_at')::timestamptz, received_ns = 0;
ALTER TABLE tracking_orphans
    ALTER COLUMN received_at SET NOT NULL,
    ALTER COLUMN received_ns SET NOT NULL;
CREATE INDEX tracking_orphans_received ON tracking_orphans (received_at, received_ns);
