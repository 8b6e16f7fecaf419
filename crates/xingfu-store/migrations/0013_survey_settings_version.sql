-- The survey settings form is versioned like the other forms that edit stored rows (0008): a
-- save from a page read before someone else's is refused.
ALTER TABLE survey_settings ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
