-- facteur's PostgreSQL store, step 2: the reports receivers send (facteur reports), as
-- in the SQLite store's schema version 4 (src/lib/store/feedback.c). Flags and counts are
-- integers in both, so that feedback.c's SQL runs unchanged on either.

-- One row per report, unique per (kind, organization, report id): a report read twice,
-- or by two machines at once, is stored once (RFC 9990 §2.1).
CREATE TABLE feedback_reports (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  org TEXT NOT NULL,
  report_id TEXT NOT NULL,
  domain TEXT NOT NULL,
  begin_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  received BIGINT NOT NULL,
  email TEXT, policy TEXT, rfc9990 INTEGER NOT NULL DEFAULT 0,
  -- The report as received, compressed (zlib).
  raw BYTEA, raw_size BIGINT NOT NULL DEFAULT 0,
  UNIQUE (kind, org, report_id));
CREATE INDEX feedback_reports_domain ON feedback_reports (domain, kind, end_time);
CREATE TABLE feedback_records (
  report BIGINT NOT NULL,
  source_ip TEXT NOT NULL,
  count BIGINT NOT NULL,
  disposition TEXT, dkim TEXT, spf TEXT, reason TEXT, reason_comment TEXT,
  header_from TEXT, envelope_from TEXT, envelope_to TEXT,
  dkim_domain TEXT, dkim_selector TEXT, dkim_result TEXT, dkim_signatures INTEGER,
  dkim_broken INTEGER NOT NULL DEFAULT 0,
  spf_domain TEXT, spf_result TEXT);
CREATE INDEX feedback_records_report ON feedback_records (report);
CREATE TABLE feedback_tlsrpt (
  report BIGINT NOT NULL,
  policy_type TEXT, policy_domain TEXT NOT NULL,
  successful BIGINT NOT NULL, failed BIGINT NOT NULL,
  -- NULL for the policy's summary row; else one failure-details entry.
  result_type TEXT, sending_mta_ip TEXT, receiving_mx_hostname TEXT,
  receiving_ip TEXT);
CREATE INDEX feedback_tlsrpt_domain ON feedback_tlsrpt (policy_domain);
CREATE TABLE feedback_failures (
  report BIGINT PRIMARY KEY,
  feedback_type TEXT, auth_failure TEXT, source_ip TEXT, arrival BIGINT,
  original_mail_from TEXT, dkim_domain TEXT, dkim_selector TEXT,
  delivery_result TEXT, identity_alignment TEXT, authentication_results TEXT,
  headers TEXT);
