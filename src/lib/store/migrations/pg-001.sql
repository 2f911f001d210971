-- facteur's PostgreSQL store, step 1: the IBAN history and facteur serve's tables, as
-- in the SQLite store's schema version 3. Applied by pg.c inside one transaction under
-- an advisory lock; facteur_schema holds the step reached.

-- IBANs seen per sender organization, as HMAC-SHA-256 under the key file that every
-- machine shares (never in this database), with their last four characters.
CREATE TABLE iban_history (
  domain TEXT NOT NULL,
  iban_mac BYTEA NOT NULL,
  last4 TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  times BIGINT NOT NULL DEFAULT 1,
  -- HMAC of the first message's key.
  first_message BYTEA,
  -- True once the IBAN came in a second, different message.
  other_message BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (domain, iban_mac));
CREATE INDEX iban_history_last_seen ON iban_history (last_seen);
CREATE INDEX iban_history_domain_last_seen ON iban_history (domain, last_seen);

-- The row count, so that the bound on all rows never scans the table.
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('iban_rows', 0);

-- An HMAC of a fixed text under the key: a machine given another key file is refused
-- rather than silently taking every IBAN for new. It tells nothing of the key.
CREATE TABLE key_check (mac BYTEA NOT NULL);

CREATE TABLE tests (
  token TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  client_ip TEXT);
CREATE INDEX tests_created ON tests (created);
CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  token TEXT NOT NULL,
  received BIGINT NOT NULL,
  spool TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  helo TEXT, mail_from TEXT, tls_version TEXT, tls_cipher TEXT,
  size BIGINT NOT NULL,
  checked BOOLEAN NOT NULL DEFAULT FALSE,
  score DOUBLE PRECISION, threat TEXT, view TEXT);
CREATE INDEX messages_token ON messages (token, id);
CREATE INDEX messages_spool ON messages (spool);
CREATE INDEX messages_unchecked ON messages (id) WHERE NOT checked;
CREATE TABLE reports (
  message_id BIGINT NOT NULL,
  lang TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (message_id, lang));
CREATE TABLE message_findings (message_id BIGINT NOT NULL, finding TEXT NOT NULL);
CREATE INDEX message_findings_message ON message_findings (message_id);
