-- 0006: drop the (column, recorded_at) indexes of 0001 that 0002 superseded.
-- The audit API pages in commit order: a filtered page is one range scan of the filter's
-- (column, transaction_id, global_position) index, and a time range starts from the
-- (recorded_at, transaction_id) index (0002). No statement the services run uses these four any more
-- (`npm run bench:audit-query` prints the plans), yet every append paid for them: about 6 µs of
-- the ~40 µs a row costs to insert. decision had no commit-order index: its two values split the
-- log in halves, so a page of one decision is found by the commit-order scan and a filter.
DROP INDEX IF EXISTS audit_events_type_recorded_at_idx;
DROP INDEX IF EXISTS audit_events_subject_recorded_at_idx;
DROP INDEX IF EXISTS audit_events_tool_name_recorded_at_idx;
DROP INDEX IF EXISTS audit_events_decision_recorded_at_idx;
