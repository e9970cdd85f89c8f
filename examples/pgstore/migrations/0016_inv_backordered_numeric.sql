-- A SKU's backorder counter sums its levels' backorders, each up to 2^62
-- units (see 0013), so with more than two levels it outgrows a bigint
-- where the memory store (which sums none for SKUs that allow backorders)
-- reserves on: the counter becomes numeric. Readers that need it as an
-- int64 (only a preorder SKU's, bounded by its limit, matters) read it as
-- at most 2^62.
ALTER TABLE inv_items ALTER COLUMN backordered TYPE numeric;
