-- Every quantity of a level stays within 2^62 units, as in the memory
-- store: beyond it a write is refused instead of letting a sum over
-- levels wrap an int64. The transaction paths check it in Go and name the
-- level; this constraint stops the one-statement and batch reservations,
-- which then go the transaction path. NOT VALID: rows written before are
-- not scanned, every new write is checked.
ALTER TABLE inv_levels ADD CONSTRAINT inv_levels_bound CHECK (
    on_hand <= 4611686018427387904 AND reserved <= 4611686018427387904
    AND incoming <= 4611686018427387904 AND damaged <= 4611686018427387904) NOT VALID;
