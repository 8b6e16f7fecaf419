-- 退回: an approver may send a computed result back for scoring with 审批意见 (required text).
-- The latest note is kept on the entry for the community to read; every one is also in the
-- audit trail with the send-back.
ALTER TABLE entries ADD COLUMN return_note TEXT;
