-- Survey answers held for review (待核实). An answer that trips a fraud signal (a burst from one
-- address, a cluster of identical answers, a location outside the community) is stored but not
-- counted: it stays out of the running tallies, and so out of the rating, until a district
-- officer accepts it (counted once) or rejects it (never counted). Answers stored before this
-- migration are counted, as they were.

-- counted | held | rejected. An accepted answer is `counted` with its decision filled in.
ALTER TABLE survey_answers ADD COLUMN status TEXT NOT NULL DEFAULT 'counted'
    CHECK (status IN ('counted', 'held', 'rejected'));
-- Why it was held: signal keys joined by commas (`burst,identical_pattern`); '' when never held.
ALTER TABLE survey_answers ADD COLUMN hold_signals TEXT NOT NULL DEFAULT '';
-- JSON array of the tally counters the answer adds when counted, so that accepting adds exactly
-- them and holding a counted answer takes exactly them away. '' for answers stored before this
-- migration: those are never moved out of the tallies.
ALTER TABLE survey_answers ADD COLUMN counters TEXT NOT NULL DEFAULT '';
ALTER TABLE survey_answers ADD COLUMN decided_by TEXT;
ALTER TABLE survey_answers ADD COLUMN decided_at BIGINT;

-- The signals' look-back when answers arrive: the same address, the same answers.
CREATE INDEX survey_answers_source ON survey_answers (round_id, source, at);
CREATE INDEX survey_answers_pattern ON survey_answers (round_id, community_code, pattern, at);
-- The 待核实 list.
CREATE INDEX survey_answers_held ON survey_answers (round_id, community_code, at)
    WHERE status = 'held';

-- How many answers each community has held and rejected, kept in the same transactions as the
-- answers' status (counted answers are the tally's `respondents`), so the results page reads a
-- primary-key range rather than the answers.
CREATE TABLE survey_review_counts (
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('held', 'rejected')),
    count          BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_code, status)
);
