-- 待办: what waits for someone is read by index, a bounded list per person, never by reading
-- every row. Live events (deadline not null) by the level and state they wait at, and by
-- their handler; open follow-ups by due date; volunteers still signed in to an activity.
CREATE INDEX events_waiting ON events (level, state, community_code, deadline)
    WHERE deadline IS NOT NULL;
CREATE INDEX events_assignee ON events (assignee, deadline) WHERE deadline IS NOT NULL;
CREATE INDEX visit_follow_ups_open ON visit_follow_ups (due) WHERE done_at IS NULL;
CREATE INDEX volunteer_sign_ins_open ON volunteer_sign_ins (activity_id)
    WHERE signed_out_at IS NULL;

-- 兑换发放: a resident who exchanges points online collects the item at the community's
-- station. One row per such redemption, written with it; staff mark it handed out. A
-- redemption made at the counter by staff is handed over there and then, and has no row.
CREATE TABLE mall_handouts (
    ledger_key     TEXT PRIMARY KEY REFERENCES points_ledger (key),
    community_code TEXT NOT NULL REFERENCES regions (code),
    volunteer_id   TEXT NOT NULL REFERENCES volunteers (id),
    item_id        TEXT NOT NULL REFERENCES mall_items (id),
    quantity       BIGINT NOT NULL,
    redeemed_at    BIGINT NOT NULL,
    handed_out_at  BIGINT,
    handed_out_by  TEXT
);
CREATE INDEX mall_handouts_waiting ON mall_handouts (community_code, redeemed_at)
    WHERE handed_out_at IS NULL;
