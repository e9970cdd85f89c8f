-- An orphan tracking update is recorded once per news: the relay delivers
-- events at least once, and the same event (carrier, tracking number and
-- event ID) delivered again adds nothing, as in the memory store. Updates
-- without an event ID are kept as they come. Copies recorded before are
-- dropped (the first one stays).
DELETE FROM fulfillment_orphans o USING fulfillment_orphans p
WHERE (o.doc->>'event_id') <> '' AND p.seq < o.seq
  AND p.doc->>'carrier' = o.doc->>'carrier'
  AND p.doc->>'tracking_number' = o.doc->>'tracking_number'
  AND p.doc->>'event_id' = o.doc->>'event_id';

CREATE UNIQUE INDEX fulfillment_orphans_news ON fulfillment_orphans
    ((doc->>'carrier'), (doc->>'tracking_number'), (doc->>'event_id'))
    WHERE (doc->>'event_id') <> '';
