-- Technical conformance testing. A service says whether NHS England witness-tests a product's
-- connection to it (open-access APIs do not); every service in the catalogue so far is assured
-- through onboarding, so it needs testing until an administrator says otherwise.
ALTER TABLE services ADD COLUMN testing_required BIGINT NOT NULL DEFAULT 1;

-- The latest witness-test result of one test case (an ID from the requirements' "test cases"
-- cells) of one onboarding case. A new result replaces the row; every result is in the audit
-- log. Whether testing is complete is derived (`scal_domain::testing::incomplete`), never stored.
CREATE TABLE test_results (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES onboarding_cases (id),
    test_case_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    remedial_action TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (case_id, test_case_id)
);

-- The supplier's evidence files a result cites, in the order given. A cited file cannot be
-- deleted (`scal_app::evidence::delete` refuses it).
CREATE TABLE test_result_evidence (
    result_id TEXT NOT NULL REFERENCES test_results (id),
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    seq BIGINT NOT NULL,
    PRIMARY KEY (result_id, evidence_id)
);

CREATE INDEX test_result_evidence_file ON test_result_evidence (evidence_id);
