-- One migration history for SQLite and PostgreSQL: only types both read the same way through
-- sqlx's Any driver (TEXT, BIGINT); times are Unix milliseconds, flags 0/1, JSON as TEXT.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY CHECK (length(code) = 12),  -- national statistical division code
    name        TEXT NOT NULL CHECK (length(name) > 0),
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'district', 'street', 'community')),
    parent      TEXT,
    urban_rural TEXT                   -- NBS urban/rural class code (111 …), when known
);
CREATE INDEX regions_parent ON regions (parent);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,       -- argon2id PHC string
    role          TEXT NOT NULL,
    region_code   TEXT NOT NULL REFERENCES regions (code),
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,       -- SHA-256 of the cookie token; the token itself is never stored
    user_id    TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    username  TEXT NOT NULL,
    at        BIGINT NOT NULL,
    succeeded BIGINT NOT NULL
);
CREATE INDEX login_attempts_user_at ON login_attempts (username, at);
