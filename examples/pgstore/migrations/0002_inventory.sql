-- Inventory: locations, items (with the SKU-wide preorder counter), levels,
-- reservations, inbound deliveries, the ledger and the sync marks.
--
-- Times that the Store compares or orders by are kept as timestamptz
-- (microseconds) plus the remaining nanoseconds (*_ns, 0..999), so that
-- ordering and "at or before now" are exact at Go's precision.

-- Change sequence numbers of levels, items and locations (Level.Seq).
CREATE SEQUENCE inv_change_seq;

CREATE TABLE inv_locations (
    id       text COLLATE "C"    PRIMARY KEY,
    priority integer NOT NULL,
    active   boolean NOT NULL,
    seq      bigint  NOT NULL,
    doc      jsonb   NOT NULL
);
CREATE INDEX inv_locations_order ON inv_locations (priority, id);
CREATE INDEX inv_locations_seq ON inv_locations (seq);

CREATE TABLE inv_items (
    sku         text COLLATE "C"    PRIMARY KEY,
    -- the per-SKU counter of units promised beyond on-hand stock: the sum
    -- over the SKU's levels of greatest(reserved - on_hand, 0)
    backordered bigint  NOT NULL DEFAULT 0 CHECK (backordered >= 0),
    -- the settings a reservation checks, beside the document: tracked,
    -- the backorder mode, the preorder limit and the per-location caps
    -- (NULL: none; a location missing from a non-NULL object takes none)
    tracked     boolean NOT NULL,
    mode        text    NOT NULL,
    lim         bigint  NOT NULL,
    location_limits jsonb,
    seq         bigint  NOT NULL,
    doc         jsonb   NOT NULL
) WITH (fillfactor = 50);
CREATE INDEX inv_items_seq ON inv_items (seq);

-- A level row with seq 0 exists only to be locked; it counts as "nothing
-- moved yet" and lists leave it out.
CREATE TABLE inv_levels (
    sku      text COLLATE "C"   NOT NULL REFERENCES inv_items (sku),
    location text COLLATE "C"   NOT NULL REFERENCES inv_locations (id),
    on_hand  bigint NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    incoming bigint NOT NULL DEFAULT 0 CHECK (incoming >= 0),
    damaged  bigint NOT NULL DEFAULT 0 CHECK (damaged >= 0),
    seq      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, location)
) WITH (fillfactor = 50);
-- No index on seq: a reservation changes reserved and seq and nothing
-- indexed, so a hot level's updates stay HOT (heap-only: no new index
-- entries, no dead versions for the primary key lookups to wade
-- through). ChangedSKUs scans the levels instead; it runs once per sync.
CREATE INDEX inv_levels_location ON inv_levels (location);

CREATE TABLE inv_reservations (
    id          text COLLATE "C"        PRIMARY KEY,
    reference   text COLLATE "C"        NOT NULL,
    status      text        NOT NULL,
    version     bigint      NOT NULL,
    expires_at  timestamptz,
    expires_ns  smallint    NOT NULL DEFAULT 0,
    doc         jsonb       NOT NULL
);
CREATE INDEX inv_reservations_reference ON inv_reservations (reference, id);
CREATE INDEX inv_reservations_open ON inv_reservations (id)
    WHERE status IN ('active', 'partially_committed');
CREATE INDEX inv_reservations_expiring ON inv_reservations (expires_at, expires_ns, id)
    WHERE status = 'active' AND expires_at IS NOT NULL;

CREATE TABLE inv_inbounds (
    id          text COLLATE "C"        PRIMARY KEY,
    sku         text COLLATE "C"        NOT NULL,
    location    text COLLATE "C"        NOT NULL,
    open        boolean     NOT NULL,
    expected_at timestamptz NOT NULL,
    expected_ns smallint    NOT NULL,
    version     bigint      NOT NULL,
    doc         jsonb       NOT NULL
);
CREATE INDEX inv_inbounds_order ON inv_inbounds (expected_at, expected_ns, id);
CREATE INDEX inv_inbounds_sku ON inv_inbounds (sku, expected_at, expected_ns, id);
CREATE INDEX inv_inbounds_location ON inv_inbounds (location, expected_at, expected_ns, id);

CREATE TABLE inv_ledger (
    seq      bigserial PRIMARY KEY,
    sku      text COLLATE "C"      NOT NULL,
    location text COLLATE "C"      NOT NULL,
    doc      jsonb     NOT NULL
);
CREATE INDEX inv_ledger_sku ON inv_ledger (sku, seq);
CREATE INDEX inv_ledger_location ON inv_ledger (location, seq);

CREATE TABLE inv_sync (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    cursor bigint  NOT NULL
);
INSERT INTO inv_sync (cursor) VALUES (0);

CREATE TABLE inv_sync_marks (
    sku     text COLLATE "C"  NOT NULL,
    channel text COLLATE "C"  NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (sku, channel)
);

-- pgstore_refuse aborts the statement that calls it (and so its implicit
-- transaction), carrying detail (JSON) in the error's DETAIL: the
-- one-statement reservation calls it when a condition refused a row, with
-- the levels as it locked them, so the adapter can name every short line
-- without a second round trip.
CREATE FUNCTION pgstore_refuse(what text, detail text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pgstore_refuse: %', what USING ERRCODE = 'P0001', DETAIL = coalesce(detail, '');
END
$$;
