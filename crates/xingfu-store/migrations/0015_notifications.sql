-- Notifications: an outbox in the database. A message is one row per person (the bell and the
-- message list read it); each channel beyond the app (e-mail, the deployment's SMS or WeChat
-- gateway) is one delivery row that a worker claims with a lease, sends, and marks sent only
-- while it still holds the lease, so several servers send each message once and a restart
-- loses none. Same portability rules as 0001.

CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    link         TEXT NOT NULL,
    -- What the message is about and for whom: servers that make the same reminder at the same
    -- time make one row.
    dedupe_key   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    read_at      BIGINT
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at);
-- The bell's count on every page.
CREATE INDEX notifications_unread ON notifications (recipient_id) WHERE read_at IS NULL;

CREATE TABLE notification_deliveries (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- The e-mail address or phone number when the message was made.
    address         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    UNIQUE (notification_id, channel)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at)
    WHERE state = 'pending';

-- A person's choice per kind and channel; no row means the kind's default.
CREATE TABLE notification_preferences (
    user_id TEXT NOT NULL REFERENCES users (id),
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

-- Where a person's e-mail and gateway messages go; the version guards the settings form.
CREATE TABLE notification_contacts (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    email      TEXT NOT NULL,
    phone      TEXT NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
