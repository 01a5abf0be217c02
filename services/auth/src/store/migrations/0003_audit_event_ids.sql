-- 0003: each outbox row gets the stable 16-byte id the audit service deduplicates by
-- (Audit.Append is idempotent by event_id), chosen once when the row is written, so a
-- retried shipment or two replicas shipping the same rows never append an event twice.
-- Rows queued before this migration keep NULL; the shipper derives their id from the row.
ALTER TABLE audit_outbox ADD COLUMN event_id BLOB;
