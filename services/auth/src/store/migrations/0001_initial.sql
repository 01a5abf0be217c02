-- 0001: the auth service's first schema (DESIGN §2, §3; issue 4).
-- Portable SQL for SQLite and PostgreSQL. The one dialect difference: the type word BLOB
-- becomes BYTEA on PostgreSQL (migrations.cpp). Ids are random 16-byte values; times are
-- integer milliseconds since the Unix epoch; booleans are 0/1 integers. Every table that
-- belongs to a tenant carries tenant_id, and child rows reference (tenant_id, id) so a row
-- can never point at another tenant's row.

CREATE TABLE tenants (
  id            BLOB    NOT NULL PRIMARY KEY,
  slug          TEXT    NOT NULL UNIQUE,
  name          TEXT    NOT NULL,
  mfa_required  INTEGER NOT NULL DEFAULT 0 CHECK (mfa_required IN (0, 1)),
  created_at    BIGINT  NOT NULL
);

CREATE TABLE users (
  tenant_id      BLOB    NOT NULL REFERENCES tenants (id),
  id             BLOB    NOT NULL,
  login          TEXT    NOT NULL,
  email          TEXT    NOT NULL,
  role           TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  password_phc   TEXT    NOT NULL,
  revoke_epoch   BIGINT  NOT NULL DEFAULT 0,
  created_at     BIGINT  NOT NULL,
  disabled_at    BIGINT,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id),
  UNIQUE (tenant_id, login),
  UNIQUE (tenant_id, email)
);

CREATE TABLE invitations (
  tenant_id    BLOB   NOT NULL REFERENCES tenants (id),
  id           BLOB   NOT NULL,
  token_hash   BLOB   NOT NULL UNIQUE,
  email        TEXT   NOT NULL,
  role         TEXT   NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  invited_by   BLOB   NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  used_at      BIGINT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, invited_by) REFERENCES users (tenant_id, id)
);

-- A refresh family is one sign-in session: its absolute expiry bounds every token in it.
CREATE TABLE refresh_families (
  tenant_id            BLOB   NOT NULL,
  id                   BLOB   NOT NULL,
  user_id              BLOB   NOT NULL,
  created_at           BIGINT NOT NULL,
  absolute_expires_at  BIGINT NOT NULL,
  revoked_at           BIGINT,
  revoke_reason        TEXT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX refresh_families_user ON refresh_families (tenant_id, user_id);

CREATE TABLE refresh_tokens (
  token_hash       BLOB   NOT NULL PRIMARY KEY,
  tenant_id        BLOB   NOT NULL,
  family_id        BLOB   NOT NULL,
  parent_hash      BLOB,
  issued_at        BIGINT NOT NULL,
  idle_expires_at  BIGINT NOT NULL,
  rotated_at       BIGINT,
  FOREIGN KEY (tenant_id, family_id) REFERENCES refresh_families (tenant_id, id)
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);

CREATE TABLE devices (
  tenant_id    BLOB   NOT NULL,
  id           BLOB   NOT NULL,
  user_id      BLOB   NOT NULL,
  kind         TEXT   NOT NULL CHECK (kind IN ('agent', 'client')),
  name         TEXT   NOT NULL,
  public_key   BLOB,
  created_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX devices_user ON devices (tenant_id, user_id);

CREATE TABLE device_tokens (
  token_hash   BLOB   NOT NULL PRIMARY KEY,
  tenant_id    BLOB   NOT NULL,
  user_id      BLOB   NOT NULL,
  device_id    BLOB   NOT NULL,
  created_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);
CREATE INDEX device_tokens_device ON device_tokens (tenant_id, device_id);

-- RFC 8628. Created before anyone signs in, so tenant_id/user_id stay NULL until a user
-- approves; the grant is then bound to that tenant and user.
CREATE TABLE device_grants (
  device_code_hash  BLOB    NOT NULL PRIMARY KEY,
  user_code         TEXT    NOT NULL UNIQUE,
  device_name       TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  tenant_id         BLOB,
  user_id           BLOB,
  created_at        BIGINT  NOT NULL,
  expires_at        BIGINT  NOT NULL,
  interval_ms       BIGINT  NOT NULL,
  last_polled_at    BIGINT,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE pairing_offers (
  tenant_id        BLOB    NOT NULL,
  id               BLOB    NOT NULL,
  agent_device_id  BLOB    NOT NULL,
  role             TEXT    NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  code_hash        BLOB    NOT NULL,
  created_at       BIGINT  NOT NULL,
  expires_at       BIGINT  NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER NOT NULL,
  claimed_at       BIGINT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_device_id) REFERENCES devices (tenant_id, id)
);

-- A pairing keeps its offer's id (the pairing_id in the QR code and transcript).
CREATE TABLE pairings (
  tenant_id          BLOB   NOT NULL,
  id                 BLOB   NOT NULL,
  agent_device_id    BLOB   NOT NULL,
  client_device_id   BLOB   NOT NULL,
  client_user_id     BLOB   NOT NULL,
  role               TEXT   NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  client_public_key  BLOB   NOT NULL,
  created_at         BIGINT NOT NULL,
  revoked_at         BIGINT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, id) REFERENCES pairing_offers (tenant_id, id),
  FOREIGN KEY (tenant_id, agent_device_id) REFERENCES devices (tenant_id, id),
  FOREIGN KEY (tenant_id, client_device_id) REFERENCES devices (tenant_id, id),
  FOREIGN KEY (tenant_id, client_user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX pairings_agent ON pairings (tenant_id, agent_device_id);
CREATE INDEX pairings_client ON pairings (tenant_id, client_device_id);

CREATE TABLE totp_secrets (
  tenant_id        BLOB    NOT NULL,
  user_id          BLOB    NOT NULL,
  sealed_secret    BLOB    NOT NULL,
  enabled          INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  last_used_step   BIGINT,
  created_at       BIGINT  NOT NULL,
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE recovery_codes (
  tenant_id   BLOB   NOT NULL,
  user_id     BLOB   NOT NULL,
  code_hash   BLOB   NOT NULL,
  created_at  BIGINT NOT NULL,
  used_at     BIGINT,
  PRIMARY KEY (tenant_id, user_id, code_hash),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

-- The service's own JWT signing keys: global, not per tenant.
CREATE TABLE signing_keys (
  kid                 TEXT   NOT NULL PRIMARY KEY,
  sealed_private_key  BLOB   NOT NULL,
  public_key          BLOB   NOT NULL,
  state               TEXT   NOT NULL CHECK (state IN ('current', 'previous', 'retired')),
  created_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state) WHERE state = 'current';

-- Events not yet delivered to the audit service; the writer bounds its size.
CREATE TABLE audit_outbox (
  seq         BIGINT NOT NULL PRIMARY KEY,
  tenant_id   BLOB   NOT NULL,
  kind        TEXT   NOT NULL,
  payload     BLOB   NOT NULL,
  created_at  BIGINT NOT NULL
);
