-- Multiplies the benchmark world (benches/national/run) in SQL: the demo world plus one real
-- 500-requirement SCAL (the "bench SCAL", set up through the API) become :n SCALs.
--
-- psql variables:
--   bench_scal   the bench SCAL's ID (Acme's, issued and answered through the API)
--   n            SCALs wanted in all, the bench SCAL included (5 small, 2000 large)
--   acme_clones  how many of the copies belong to Acme (the same in both sizes, so the SCALs the
--                benchmark touches are the same); the rest go to synthetic suppliers
--   orgs         synthetic supplier organisations (copies are spread over them round robin)
--
-- Each copy k (1 .. n-1) gets: a product, its enquiry (issued), the SCAL with the bench SCAL's
-- sheets (same template versions) and every answer (500 on the BENCH sheet), its onboarding case,
-- 10 evidence files and 20 links (also given to the bench SCAL itself), a first round (returned,
-- or accepted for every third synthetic copy, which then had an uplift reopening with 50 changed
-- requirements, all confirmed), a second round waiting for NHS England for every tenth copy
-- (half of those taken by the demo reviewer), and the audit entries of all that: one
-- `answer.saved` per answer plus the enquiry, issue, evidence, submission and decision entries,
-- in random time order over the past year. Audit hashes do not verify (seq is unique and
-- increasing, and audit_head is moved to the end, so the app appends after them).
--
-- Rows are what the store writes: UUID text IDs, BIGINT microseconds, 0/1 flags.

\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';

BEGIN;

CREATE TEMP TABLE ref ON COMMIT DROP AS
SELECT s.id AS scal_id,
       p.id AS product_id,
       p.org_id AS acme_org,
       u.id AS acme_admin,
       u.email AS acme_email,
       u.password_hash AS pw,
       (SELECT id FROM users WHERE email = 'reviewer@nhse.example') AS reviewer_id,
       (SELECT email FROM users WHERE email = 'reviewer@nhse.example') AS reviewer_email,
       (SELECT id FROM organisations WHERE kind = 'nhse' ORDER BY created_at LIMIT 1) AS nhse_org,
       (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us,
       (SELECT id FROM enquiries WHERE scal_id = s.id) AS enquiry_id
FROM scals s
JOIN products p ON p.id = s.product_id
JOIN users u ON u.email = 'admin@acme.example'
WHERE s.id = :'bench_scal';

DO $$ BEGIN
  IF (SELECT count(*) FROM ref) <> 1 OR (SELECT enquiry_id FROM ref) IS NULL THEN
    RAISE EXCEPTION 'bench SCAL or its enquiry not found';
  END IF;
END $$;

-- Synthetic supplier organisations, each with a supplier_admin (Acme's password hash).
CREATE TEMP TABLE syn_org ON COMMIT DROP AS
SELECT i, gen_random_uuid()::text AS org_id, gen_random_uuid()::text AS user_id,
       'admin@nsupplier' || i || '.example' AS email
FROM generate_series(1, CASE WHEN :n - 1 > :acme_clones THEN :orgs ELSE 0 END) AS i;

INSERT INTO organisations (id, ods_code, name, kind, created_at)
SELECT org_id, 'N' || lpad(i::text, 4, '0'), 'National Supplier ' || i, 'supplier', r.now_us - 400 * 86400000000
FROM syn_org, ref r;

INSERT INTO users (id, org_id, email, name, role, password_hash, active, created_at)
SELECT user_id, org_id, email, 'Supplier Admin ' || i, 'supplier_admin', r.pw, 1, r.now_us - 400 * 86400000000
FROM syn_org, ref r;

-- The copies.
CREATE TEMP TABLE clone ON COMMIT DROP AS
SELECT k,
       CASE WHEN k <= :acme_clones THEN r.acme_org ELSE o.org_id END AS org_id,
       CASE WHEN k <= :acme_clones THEN r.acme_admin ELSE o.user_id END AS user_id,
       CASE WHEN k <= :acme_clones THEN r.acme_email ELSE o.email END AS email,
       gen_random_uuid()::text AS product_id,
       gen_random_uuid()::text AS scal_id,
       gen_random_uuid()::text AS enquiry_id,
       r.now_us - 360 * 86400000000 + k::bigint * 1000000 AS created_at,
       -- synthetic copies: every third was accepted and uplifted since; every tenth is waiting
       (k > :acme_clones AND k % 3 = 0) AS accepted,
       (k > :acme_clones AND k % 10 = 0) AS waiting
FROM generate_series(1, :n - 1) AS k
CROSS JOIN ref r
LEFT JOIN syn_org o ON o.i = ((k - :acme_clones - 1) % GREATEST(:orgs, 1)) + 1 AND k > :acme_clones;

INSERT INTO products (id, org_id, name, version, description, medical_device_class, created_at, updated_at)
SELECT product_id, org_id, 'National product ' || k, '1.0', 'A product in the national benchmark.', NULL,
       created_at, created_at
FROM clone;

INSERT INTO scals (id, product_id, created_at, information_review)
SELECT scal_id, product_id, created_at + 86400000000, 0 FROM clone;

INSERT INTO enquiries (id, org_id, product_id, services, details, status, created_by, created_at, issued_by,
                       issued_at, scal_id, use_cases)
SELECT c.enquiry_id, c.org_id, c.product_id, e.services, e.details, 'issued', c.email, c.created_at,
       e.issued_by, c.created_at + 86400000000, c.scal_id, e.use_cases
FROM clone c CROSS JOIN ref r JOIN enquiries e ON e.id = r.enquiry_id;

CREATE TEMP TABLE sheet_map ON COMMIT DROP AS
SELECT c.k, s.id AS old_id, gen_random_uuid()::text AS new_id, s.name, s.service_code
FROM clone c CROSS JOIN ref r JOIN scal_sheets s ON s.scal_id = r.scal_id;

INSERT INTO scal_sheets (id, scal_id, template_version_id, name, position, service_code)
SELECT m.new_id, c.scal_id, s.template_version_id, s.name, s.position, s.service_code
FROM sheet_map m JOIN clone c USING (k) JOIN scal_sheets s ON s.id = m.old_id;

INSERT INTO onboarding_cases (id, scal_id, service_code, use_case, created_at, updated_at, updated_by)
SELECT gen_random_uuid()::text, c.scal_id, oc.service_code, oc.use_case, c.created_at + 86400000000,
       c.created_at + 86400000000, oc.updated_by
FROM clone c CROSS JOIN ref r JOIN onboarding_cases oc ON oc.scal_id = r.scal_id;

-- Every answer of the bench SCAL, for every copy: (n - 1) x 500 rows.
INSERT INTO answers (scal_sheet_id, requirement_id, response, justification, mitigation, target_date, updated_at,
                     updated_by, imported_from)
SELECT m.new_id, a.requirement_id, a.response, a.justification, a.mitigation, a.target_date,
       c.created_at + 2 * 86400000000 + (abs(hashtext(a.requirement_id)) % 86400)::bigint * 1000000, c.email, NULL
FROM sheet_map m JOIN clone c USING (k) JOIN answers a ON a.scal_sheet_id = m.old_id;

-- Evidence: 10 files and 20 links for every SCAL, the bench SCAL (k = 0) included.
CREATE TEMP TABLE all_scal ON COMMIT DROP AS
SELECT 0 AS k, r.acme_org AS org_id, r.acme_admin AS user_id, r.acme_email AS email, r.scal_id,
       r.now_us - 30 * 86400000000 AS created_at,
       (SELECT id FROM scal_sheets WHERE scal_id = r.scal_id AND service_code = 'BENCH') AS bench_sheet
FROM ref r
UNION ALL
SELECT c.k, c.org_id, c.user_id, c.email, c.scal_id, c.created_at, m.new_id
FROM clone c JOIN sheet_map m ON m.k = c.k AND m.service_code = 'BENCH';

CREATE TEMP TABLE ev ON COMMIT DROP AS
SELECT a.k, j, gen_random_uuid()::text AS id, a.org_id, a.email, a.scal_id, a.bench_sheet,
       a.created_at + 3 * 86400000000 + j * 60000000 AS at
FROM all_scal a CROSS JOIN generate_series(0, 9) AS j;

INSERT INTO evidence (id, org_id, file_name, content_type, size, sha256, storage_key, uploaded_by, uploaded_at)
SELECT id, org_id, 'evidence-' || k || '-' || j || '.pdf', 'application/pdf', 200000 + j * 1000,
       md5(id) || md5(id || 'x'), 'national/' || id, email, at
FROM ev;

CREATE TEMP TABLE ln ON COMMIT DROP AS
SELECT e.k, e.id AS evidence_id, e.bench_sheet, 'BENCH-' || lpad((l * 25 + 1 + e.j)::text, 4, '0') AS requirement_id,
       e.email, e.org_id, e.scal_id, e.at + 60000000 AS at
FROM ev e CROSS JOIN generate_series(0, 1) AS l2
CROSS JOIN LATERAL (SELECT e.j * 2 + l2 AS l) x;

INSERT INTO evidence_links (evidence_id, scal_sheet_id, requirement_id, linked_by, linked_at)
SELECT evidence_id, bench_sheet, requirement_id, email, at FROM ln;

-- Rounds: the first (returned, or accepted), and a second waiting for every tenth copy.
CREATE TEMP TABLE rounds ON COMMIT DROP AS
SELECT c.k, c.org_id, c.email, c.scal_id, c.product_id, 1 AS round, gen_random_uuid()::text AS id,
       CASE WHEN c.accepted THEN 'accepted' ELSE 'returned' END AS status,
       c.created_at + 20 * 86400000000 AS at
FROM clone c
UNION ALL
SELECT c.k, c.org_id, c.email, c.scal_id, c.product_id, 2, gen_random_uuid()::text, 'submitted',
       r.now_us - (c.k % 40) * 86400000000 - 3600000000
FROM clone c CROSS JOIN ref r WHERE c.waiting;

INSERT INTO submissions (id, scal_id, round, status, snapshot, sha256, submitted_by, submitted_at, decided_by,
                         decided_at, decision_summary)
SELECT o.id, o.scal_id, o.round, o.status,
       '{"scal_id":"' || o.scal_id || '","product_id":"' || o.product_id || '","product":"National product ' || o.k ||
       ' 1.0","round":' || o.round || ',"sheets":[{"name":"BENCH","requirements":[' ||
       rtrim(repeat('{"id":"BENCH-0001","level":"MUST","text":"The consuming system MUST record the outcome of the message in the audit trail","answer":"Yes","justification":"Implemented and tested","rag":"green","evidence":[]},', 500), ',') ||
       ']}],"cases":[]}',
       md5(o.id) || md5(o.id || 's'), o.email, o.at,
       CASE WHEN o.status = 'submitted' THEN NULL ELSE r.reviewer_email END,
       CASE WHEN o.status = 'submitted' THEN NULL ELSE o.at + 5 * 86400000000 END,
       CASE WHEN o.status = 'returned' THEN 'Please add evidence for the red items.'
            WHEN o.status = 'accepted' THEN 'Accepted.' END
FROM rounds o CROSS JOIN ref r;

INSERT INTO review_assignments (submission_id, reviewer_id, assigned_by, assigned_at)
SELECT o.id, r.reviewer_id, r.reviewer_email, o.at + 3600000000
FROM rounds o CROSS JOIN ref r WHERE o.status = 'submitted' AND o.k % 20 = 0;

-- One uplift of the BENCH template, some months ago, for every accepted copy: 50 changed
-- requirements each, all confirmed since.
CREATE TEMP TABLE reo ON COMMIT DROP AS
SELECT c.k, c.scal_id, c.email, gen_random_uuid()::text AS id, c.created_at + 60 * 86400000000 AS at
FROM clone c WHERE c.accepted;

INSERT INTO reopenings (id, scal_id, kind, reason, after_round, due_date, details, created_by, created_at)
SELECT o.id, o.scal_id, 'uplift', 'New version of the BENCH template', 1, NULL, '{}', r.reviewer_email, o.at
FROM reo o CROSS JOIN ref r;

INSERT INTO reopened_items (reopening_id, scal_id, sheet, requirement_id, what, confirmed_at, confirmed_by)
SELECT o.id, o.scal_id, m.name, 'BENCH-' || lpad((q * 10 + 1)::text, 4, '0'), 'The wording changed',
       o.at + 10 * 86400000000, o.email
FROM reo o JOIN sheet_map m ON m.k = o.k AND m.service_code = 'BENCH' CROSS JOIN generate_series(0, 49) AS q;

-- The audit entries of all of the above, in random time order, then numbered after the head.
CREATE TEMP TABLE stage (at bigint, actor_user_id text, actor_label text, org_id text, kind text,
                         entity_id text, before_json text, after_json text) ON COMMIT DROP;

INSERT INTO stage
SELECT c.created_at + 2 * 86400000000 + (random() * 300 * 86400000000)::bigint, c.user_id, c.email, c.org_id,
       'answer.saved', c.scal_id, NULL,
       json_build_object('sheet', m.name, 'requirement_id', a.requirement_id,
                         'answer', json_build_object('answer', a.response, 'justification', a.justification,
                                                     'mitigation', NULL, 'target_date', NULL),
                         'rag', 'green')::text
FROM sheet_map m JOIN clone c USING (k) JOIN answers a ON a.scal_sheet_id = m.new_id;

INSERT INTO stage
SELECT c.created_at, c.user_id, c.email, c.org_id, 'enquiry.created', c.enquiry_id, NULL,
       json_build_object('product_id', c.product_id, 'services', json_build_array('BENCH'))::text
FROM clone c
UNION ALL
SELECT c.created_at + 86400000000, r.reviewer_id, r.reviewer_email, c.org_id, 'scal.issued', c.scal_id, NULL,
       json_build_object('enquiry_id', c.enquiry_id, 'services', json_build_array('BENCH'))::text
FROM clone c CROSS JOIN ref r
UNION ALL
SELECT e.at, a.user_id, e.email, e.org_id, 'evidence.uploaded', e.id, NULL,
       json_build_object('file_name', 'evidence-' || e.k || '-' || e.j || '.pdf', 'size', 200000 + e.j * 1000)::text
FROM ev e JOIN all_scal a ON a.k = e.k WHERE e.k > 0
UNION ALL
SELECT l.at, a.user_id, l.email, l.org_id, 'evidence.linked', l.evidence_id, NULL,
       json_build_object('scal_id', l.scal_id, 'requirement_id', l.requirement_id)::text
FROM ln l JOIN all_scal a ON a.k = l.k WHERE l.k > 0
UNION ALL
SELECT o.at, c.user_id, o.email, o.org_id, 'scal.submitted', o.id, NULL,
       json_build_object('scal_id', o.scal_id, 'round', o.round, 'sha256', md5(o.id) || md5(o.id || 's'),
                         'verdicts_carried', 0)::text
FROM rounds o JOIN clone c ON c.k = o.k
UNION ALL
SELECT o.at + 5 * 86400000000, r.reviewer_id, r.reviewer_email, o.org_id, 'submission.' || o.status, o.id, NULL,
       json_build_object('round', o.round)::text
FROM rounds o CROSS JOIN ref r WHERE o.status <> 'submitted';

-- Nothing seeded is newer than an hour ago (what the benchmark itself appends is newest).
UPDATE stage SET at = LEAST(at, (SELECT now_us FROM ref) - 3600000000);

CREATE TEMP TABLE numbered ON COMMIT DROP AS
SELECT (SELECT seq FROM audit_head WHERE id = 1) + row_number() OVER (ORDER BY at) AS seq, s.*
FROM stage s;

INSERT INTO audit_log (seq, at, actor_user_id, actor_label, org_id, kind, entity_id, before_json, after_json,
                       prev_hash, hash)
SELECT seq, at, actor_user_id, actor_label, org_id, kind, entity_id, before_json, after_json,
       md5((seq - 1)::text) || md5((seq - 1)::text || 'h'), md5(seq::text) || md5(seq::text || 'h')
FROM numbered ORDER BY seq;

UPDATE audit_head SET seq = m.seq, hash = md5(m.seq::text) || md5(m.seq::text || 'h')
FROM (SELECT max(seq) AS seq FROM numbered) m
WHERE id = 1 AND m.seq IS NOT NULL;

COMMIT;

SELECT (SELECT count(*) FROM scals) AS scals, (SELECT count(*) FROM answers) AS answers,
       (SELECT count(*) FROM audit_log) AS audit_entries, (SELECT count(*) FROM evidence_links) AS evidence_links,
       (SELECT count(*) FROM submissions) AS submissions,
       (SELECT count(*) FROM submissions WHERE status = 'submitted') AS waiting,
       (SELECT count(*) FROM reopened_items) AS reopened_items,
       pg_size_pretty(pg_database_size(current_database())) AS size;
