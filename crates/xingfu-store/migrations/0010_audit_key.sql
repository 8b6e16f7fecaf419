-- The audit chain is keyed from here on: each new row names the key its HMAC-SHA256 was made with.
-- Rows already stored keep NULL here and their plain SHA-256 hashes, and still verify as before.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
