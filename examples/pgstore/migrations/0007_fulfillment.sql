-- Fulfillment: allocations, fulfillment orders and shipments (each the
-- aggregate as JSONB beside its order and creation time), the shipments'
-- tracking numbers (normalized "carrier/NUMBER" keys), and orphan tracking
-- updates.
CREATE TABLE fulfillment_allocations (
    id      text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL,
    doc     jsonb  NOT NULL
);

CREATE TABLE fulfillment_orders (
    id         text COLLATE "C" PRIMARY KEY,
    order_id   text COLLATE "C" NOT NULL,
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    created_ns smallint    NOT NULL,
    doc        jsonb       NOT NULL
);
CREATE INDEX fulfillment_orders_order ON fulfillment_orders (order_id, created_at, created_ns, id);

CREATE TABLE shipments (
    id         text COLLATE "C" PRIMARY KEY,
    order_id   text COLLATE "C" NOT NULL,
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    created_ns smallint    NOT NULL,
    doc        jsonb       NOT NULL
);
CREATE INDEX shipments_order ON shipments (order_id, created_at, created_ns, id);

CREATE TABLE shipment_tracking (
    key         text COLLATE "C" PRIMARY KEY,   -- tracking.NewKey(carrier, number).String()
    shipment_id text COLLATE "C" NOT NULL
);

CREATE TABLE fulfillment_orphans (
    seq bigserial PRIMARY KEY,
    doc jsonb     NOT NULL
);
