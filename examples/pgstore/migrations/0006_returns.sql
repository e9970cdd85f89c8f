-- Returns (RMAs and claims): the aggregate as JSONB beside its order, status
-- and expiry; their label tracking numbers in a lookup table.
CREATE TABLE returns (
    id         text COLLATE "C" PRIMARY KEY,
    order_id   text COLLATE "C" NOT NULL,
    status     text        NOT NULL,
    version    bigint      NOT NULL,
    expires_at timestamptz,          -- NULL: none
    expires_ns smallint    NOT NULL,
    doc        jsonb       NOT NULL
);
CREATE INDEX returns_order ON returns (order_id, id);
-- ListExpiring: open returns (approved, label issued) by expiry.
CREATE INDEX returns_expiring ON returns (expires_at, expires_ns, id)
    WHERE status IN ('approved', 'label_issued') AND expires_at IS NOT NULL;

CREATE TABLE return_tracking (
    tracking_number text COLLATE "C" PRIMARY KEY,
    return_id       text COLLATE "C" NOT NULL
);
