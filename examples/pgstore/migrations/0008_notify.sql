-- Notify: one progress document per order (JSONB with an optimistic
-- version and the time its pending milestones are due), the customers'
-- preferences, and the at-most-once claims of sent messages.
CREATE TABLE notify_progress (
    id      text COLLATE "C" PRIMARY KEY,
    version bigint      NOT NULL,
    due_at  timestamptz,            -- NULL: nothing due
    due_ns  smallint    NOT NULL,
    doc     jsonb       NOT NULL
);
-- Due: a walk in ID order over the documents with a due time, the time
-- read from the index itself.
CREATE INDEX notify_progress_due ON notify_progress (id) INCLUDE (due_at, due_ns)
    WHERE due_at IS NOT NULL;

CREATE TABLE notify_preferences (
    customer_id text COLLATE "C" PRIMARY KEY,
    doc         jsonb NOT NULL
);

-- At most one send per message key, across processes: a unique insert.
-- The key is stored as its SHA-256, so that keys of any bytes and any
-- length fit the unique index.
CREATE TABLE notify_claims (
    key_hash   bytea PRIMARY KEY,
    claimed_at timestamptz NOT NULL
);

-- The claims tracking kept before notify took the customer messages over;
-- nothing reads them any more.
DROP TABLE IF EXISTS notification_claims;
