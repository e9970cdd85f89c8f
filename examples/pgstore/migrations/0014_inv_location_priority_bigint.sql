-- Location.Priority is a Go int (64 bits): the column holds every value
-- the memory store keeps, math.MinInt64 and math.MaxInt64 included.
ALTER TABLE inv_locations ALTER COLUMN priority TYPE bigint;
