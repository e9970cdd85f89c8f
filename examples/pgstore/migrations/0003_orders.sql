-- Orders: the aggregate as a JSONB document, beside the columns its
-- lookups, lists and reports need. Money is NUMERIC plus the ISO 4217
-- code; CreatedAt is timestamptz plus the nanoseconds below the
-- microsecond (created_ns), so that the keyset order is Go's exactly.
CREATE TABLE orders (
    id              text COLLATE "C" PRIMARY KEY,
    number          text COLLATE "C" UNIQUE,          -- NULL: none
    idempotency_key text COLLATE "C" UNIQUE,          -- NULL: none
    customer_id     text COLLATE "C" NOT NULL,
    status          text        NOT NULL,
    currency        text        NOT NULL,
    grand_total     numeric     NOT NULL,
    version         bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    created_ns      smallint    NOT NULL,
    updated_at      timestamptz NOT NULL,
    doc             jsonb       NOT NULL
);
-- ListByCustomer and ListByStatus: keyset pages in (created_at, id) order.
CREATE INDEX orders_customer ON orders (customer_id, created_at, created_ns, id);
CREATE INDEX orders_status ON orders (status, created_at, created_ns, id);

-- Order numbers shared by every process (DB.OrderNumbers).
CREATE SEQUENCE order_numbers START 1001;
