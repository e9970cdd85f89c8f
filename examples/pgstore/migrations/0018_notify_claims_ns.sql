-- A claim keeps its time to the nanosecond, as the memory store does:
-- timestamptz keeps microseconds, claimed_ns the nanoseconds below them
-- (0..999). The Notifier compares a held claim's age with ClaimTimeout,
-- and a time cut short made a claim look older than it is. Claims taken
-- before this migration keep their microseconds.
ALTER TABLE notify_claims ADD COLUMN claimed_ns smallint NOT NULL DEFAULT 0;
