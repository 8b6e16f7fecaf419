-- Official documents (公示, 命名决定, certificates, 整改通知书, 通报, score reports): one row per
-- issued PDF, kept in the file store under file_key. What a document says is fingerprinted
-- (content_sha256: its data and its templates), so asking again for an unchanged document
-- returns the same PDF and serial; a changed one is issued anew and the old row points at it
-- (superseded_by). The PDF's own hash (pdf_sha256) is what /verify/{serial} checks a file
-- against, and the audit row at audit_seq records the issue in the chain. Same portability
-- rules as 0001.

CREATE TABLE documents (
    serial          TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    round_id        TEXT NOT NULL REFERENCES rounds (id),
    -- The community a per-community document is about; '' for a level's documents.
    community_code  TEXT NOT NULL,
    -- The region whose body issued it (a district or city for 公示 and 命名).
    issuer_region   TEXT NOT NULL,
    title           TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    -- The 文号 (命名决定, 通报), else ''.
    number          TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    pdf_sha256      TEXT NOT NULL,
    pdf_bytes       BIGINT NOT NULL,
    pages           BIGINT NOT NULL,
    file_key        TEXT NOT NULL,
    issued_by       TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    audit_seq       BIGINT NOT NULL,
    superseded_by   TEXT,
    UNIQUE (kind, round_id, community_code, issuer_region, content_sha256)
);
-- The current document of a kind for a round, community and issuer.
CREATE INDEX documents_current ON documents (round_id, kind, community_code, issuer_region)
    WHERE superseded_by IS NULL;
-- 文号 numbering: how many numbered documents an issuer put out in a year.
CREATE INDEX documents_numbered ON documents (issuer_region, kind, issued_at);
