-- Indexes the national-size benchmark (benches/national, docs/benchmarks.md) showed missing
-- (issue #16). Only additions, so the previous release runs on the migrated schema.
--
-- Every view of a SCAL, and every saved answer, reads or updates its reopened items by SCAL: a
-- full scan of a table that grows with every uplift (5 ms at 33,000 rows, 0.08 ms with these).
CREATE INDEX reopened_items_scal ON reopened_items (scal_id, sheet, requirement_id);
CREATE INDEX reopened_sheets_scal ON reopened_sheets (scal_id, sheet);

-- The audit log filtered by organisation and kind, newest first, walked straight from one index
-- instead of two combined and sorted (4.6 ms to 0.13 ms for a rare kind of a large organisation).
CREATE INDEX audit_log_org_kind ON audit_log (org_id, kind, seq);
