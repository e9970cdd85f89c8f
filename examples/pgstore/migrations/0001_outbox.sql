-- The outbox: every store writes its aggregate's new events here in the
-- same transaction as the aggregate. A relay reads unpublished events in
-- seq order (which keeps each aggregate's events in version order).
CREATE TABLE outbox (
    seq               bigserial   PRIMARY KEY,
    id                text        NOT NULL UNIQUE,
    type              text        NOT NULL,
    aggregate_kind    text        NOT NULL,
    aggregate_id      text        NOT NULL,
    aggregate_version bigint      NOT NULL,
    at                timestamptz NOT NULL,
    payload           jsonb,
    published_at      timestamptz,
    attempts          integer     NOT NULL DEFAULT 0,
    dead_at           timestamptz,
    last_error        text
);

-- Pending events, oldest first: the relay's hot query.
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL AND dead_at IS NULL;
-- An aggregate's history.
CREATE INDEX outbox_aggregate ON outbox (aggregate_id, seq);
