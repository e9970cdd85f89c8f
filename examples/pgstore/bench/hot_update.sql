-- The database's own limit for a hot SKU: one conditional UPDATE of one row
-- per transaction, the least a reservation can do. BenchmarkReserveHotSKU
-- runs it with pgbench (same client count) beside the adapter's figures:
--   pgbench -n -c 8 -j 2 -T 5 -f bench/hot_update.sql
-- on a table made by the benchmark (see bench_test.go):
--   CREATE TABLE pgbench_hot (id int PRIMARY KEY, on_hand bigint, reserved bigint)
UPDATE pgbench_hot SET reserved = reserved + 1 WHERE id = 1 AND reserved + 1 <= on_hand;
