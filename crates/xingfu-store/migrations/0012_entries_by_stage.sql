-- Work queues (results awaiting approval, publication, naming) read a round's entries at a few
-- stages inside the user's area; this index answers them without reading the rest of the round.
CREATE INDEX entries_stage ON entries (round_id, stage, community_code);
