-- The audit log: per-tenant append-only entries (the leaves of each tenant's Merkle tree),
-- each tenant's tree size, signed checkpoints and the checkpoint signing keys. See README.md.

-- Each tenant's number of leaves. append() moves it forward with a compare-and-set in the
-- same transaction as the leaves, so concurrent appenders serialise per tenant.
CREATE TABLE audit_trees (
  tenant BLOB NOT NULL PRIMARY KEY CHECK (length(tenant) = 16),
  tree_size BIGINT NOT NULL CHECK (tree_size >= 0)
);

CREATE TABLE audit_entries (
  tenant BLOB NOT NULL,
  leaf_index BIGINT NOT NULL CHECK (leaf_index >= 0),
  event_id BLOB NOT NULL CHECK (length(event_id) = 16),
  event_time_ms BIGINT NOT NULL,
  actor_kind INTEGER NOT NULL,
  actor_id BLOB NOT NULL,
  action TEXT NOT NULL,
  result INTEGER NOT NULL,
  target_type TEXT NOT NULL,
  target_id BLOB NOT NULL,
  source_address BLOB NOT NULL,
  producer TEXT NOT NULL,
  leaf_data BLOB NOT NULL,
  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  recorded_at_ms BIGINT NOT NULL,
  PRIMARY KEY (tenant, leaf_index),
  UNIQUE (tenant, event_id)
);
-- Query filters; each ends in leaf_index so a page continues in leaf order.
CREATE INDEX audit_entries_by_time ON audit_entries (tenant, event_time_ms, leaf_index);
CREATE INDEX audit_entries_by_actor ON audit_entries (tenant, actor_id, leaf_index);
CREATE INDEX audit_entries_by_action ON audit_entries (tenant, action, leaf_index);

CREATE TABLE audit_signing_keys (
  key_id TEXT NOT NULL PRIMARY KEY,
  public_key BLOB NOT NULL,
  sealed_private_key BLOB NOT NULL,
  not_before_ms BIGINT NOT NULL,
  not_after_ms BIGINT
);

CREATE TABLE audit_checkpoints (
  tenant BLOB NOT NULL,
  tree_size BIGINT NOT NULL CHECK (tree_size >= 0),
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  timestamp_ms BIGINT NOT NULL,
  key_id TEXT NOT NULL REFERENCES audit_signing_keys (key_id),
  signature BLOB NOT NULL,
  PRIMARY KEY (tenant, tree_size)
);

-- Append-only at the database level: entries and checkpoints refuse UPDATE and DELETE (and
-- TRUNCATE on PostgreSQL); a tree never shrinks and is never removed. A refusal is an
-- integrity error (kConstraint) on both backends.
-- @sqlite
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_trees_no_shrink BEFORE UPDATE ON audit_trees
WHEN NEW.tree_size < OLD.tree_size OR NEW.tenant <> OLD.tenant
BEGIN SELECT RAISE(ABORT, 'audit_trees only grow'); END;
CREATE TRIGGER audit_trees_no_delete BEFORE DELETE ON audit_trees
BEGIN SELECT RAISE(ABORT, 'audit_trees only grow'); END;
-- @postgres
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE FUNCTION audit_trees_only_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.tree_size < OLD.tree_size OR NEW.tenant <> OLD.tenant THEN
    RAISE EXCEPTION 'audit_trees only grow' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_trees_only_grow BEFORE UPDATE OR DELETE ON audit_trees
  FOR EACH ROW EXECUTE FUNCTION audit_trees_only_grow();
CREATE TRIGGER audit_trees_no_truncate BEFORE TRUNCATE ON audit_trees
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
-- @all
