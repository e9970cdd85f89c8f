-- Tracking: trackers (the aggregate as JSONB beside its key, status and
-- poll schedule), orphan events, and notification claims.
CREATE TABLE trackers (
    carrier         text COLLATE "C" NOT NULL,
    tracking_number text COLLATE "C" NOT NULL,
    open            boolean     NOT NULL,
    next_poll_at    timestamptz,            -- NULL: due at once
    next_poll_ns    smallint    NOT NULL,
    version         bigint      NOT NULL,
    doc             jsonb       NOT NULL,
    PRIMARY KEY (carrier, tracking_number)
);
-- The sweep's and the poller's keyset walks over open trackers.
CREATE INDEX trackers_open ON trackers (carrier, tracking_number) WHERE open;
CREATE INDEX trackers_poll ON trackers (next_poll_at, next_poll_ns) WHERE open;

CREATE TABLE tracking_orphans (
    carrier         text COLLATE "C" NOT NULL,
    tracking_number text COLLATE "C" NOT NULL,
    event_id        text COLLATE "C" NOT NULL,
    event_at        timestamptz NOT NULL,
    event_ns        smallint    NOT NULL,
    status_rank     integer     NOT NULL,
    doc             jsonb       NOT NULL,
    PRIMARY KEY (carrier, tracking_number, event_id)
);
CREATE INDEX tracking_orphans_order ON tracking_orphans
    (carrier, tracking_number, event_at, event_ns, status_rank, event_id);

-- At most one send per notification key, across processes: a unique insert.
CREATE TABLE notification_claims (
    key        text COLLATE "C" PRIMARY KEY,
    claimed_at timestamptz NOT NULL
);
