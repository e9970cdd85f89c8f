-- Relays in several processes share the outbox: each takes a lease on the
-- aggregates whose events it reads, so one aggregate's events go out
-- through one relay at a time, in order. A lease lapses at its until (a
-- relay that crashed), and a relay that stops drops its own.
CREATE TABLE outbox_leases (
    aggregate_id text        PRIMARY KEY,
    owner        text        NOT NULL,
    until        timestamptz NOT NULL
);
CREATE INDEX outbox_leases_owner ON outbox_leases (owner);
