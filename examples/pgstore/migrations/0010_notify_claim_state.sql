-- Notify claims record their holder and whether the message went out, so
-- that a sender finding a claim held leaves the message to its holder
-- (rather than taking it as sent), only the holder releases or marks it,
-- and a late release never frees another holder's claim. Claims made
-- before this migration were "sent or being sent"; they are kept as sent,
-- which is what they meant.
ALTER TABLE notify_claims
    ADD COLUMN token text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN sent  boolean NOT NULL DEFAULT true;
ALTER TABLE notify_claims
    ALTER COLUMN token DROP DEFAULT,
    ALTER COLUMN sent DROP DEFAULT;
