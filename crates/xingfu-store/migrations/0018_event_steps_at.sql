-- Reporters hear of their reports' steps: the notification sweep reads the steps of the last
-- day, which without this index would scan every step ever taken.
CREATE INDEX event_steps_at ON event_steps (at);
