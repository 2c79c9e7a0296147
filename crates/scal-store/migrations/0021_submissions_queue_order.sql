-- The submissions queue, a page at a time, in its own order (submission time, round, ID): read
-- straight from an index, with or without a status, instead of sorting every round that shares a
-- submission time (issue #16, docs/benchmarks.md). Only additions.
CREATE INDEX submissions_status_order ON submissions (status, submitted_at, round, id);
CREATE INDEX submissions_order ON submissions (submitted_at, round, id);
