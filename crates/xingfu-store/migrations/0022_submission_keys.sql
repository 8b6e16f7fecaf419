-- Forms sent with an Idempotency-Key: a phone resending what it queued without signal, or a
-- send whose answer was lost on a weak connection. The first request with a key claims it;
-- `outcome` is where that request sent the browser (the page of the saved item), and every
-- repeat is sent there instead of saving the item again. NULL while the first is being handled.
CREATE TABLE submission_keys (
    key TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    path TEXT NOT NULL,
    outcome TEXT,
    claimed_at BIGINT NOT NULL
);
