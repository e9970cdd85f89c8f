-- Keyed stock movements (receipts, adjustments, counts, restocks made
-- under an idempotency key): a movement's key goes into this table in the
-- transaction that makes the movement, so a repeat (a retry, a re-run
-- after a crash, another process) finds it taken and moves nothing. The
-- ledger entries carry the key in their document; the index finds them.
CREATE TABLE inv_movement_keys (
    key text COLLATE "C" PRIMARY KEY
);
CREATE INDEX inv_ledger_key ON inv_ledger ((doc->>'key')) WHERE doc->>'key' IS NOT NULL;
