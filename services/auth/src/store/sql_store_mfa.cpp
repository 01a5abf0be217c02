// SqlStore: invitations, TOTP secrets, recovery codes and the audit outbox.
//
// Single use is a conditional UPDATE each time: an invitation `WHERE used_at IS NULL`, a
// TOTP step `WHERE last_used_step IS NULL OR last_used_step < step` (which also refuses
// an older step than one already used), a recovery code `WHERE used_at IS NULL`.
#include "store/sql_store.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "bw/time_ordered_id.hpp"

namespace bw::auth::store {

Status SqlStore::create_invitation(const Invitation& i) {
  if (i.role == Role::kOwner) return make_error(Errc::kInvalid, "an invitation cannot grant owner");
  const Value p[] = {v(i.tenant_id), v(i.id), v(i.token_hash), v(i.email), v(role_name(i.role)),
                     v(i.invited_by), v(i.created_at), v(i.expires_at)};
  auto r = execute("INSERT INTO invitations (tenant_id, id, token_hash, email, role, invited_by, created_at, "
                   "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Result<Invitation> SqlStore::find_invitation(const Id& tenant_id, ByteView token_hash, TimeMs now) {
  const Value p[] = {v(tenant_id), v(token_hash), v(now)};
  auto rows = query("SELECT id, email, role, invited_by, created_at, expires_at FROM invitations "
                    "WHERE tenant_id = ? AND token_hash = ? AND used_at IS NULL AND expires_at > ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "invitation not found");
  const Row& r = rows->front();
  return Invitation{tenant_id, id_at(r, 0), Bytes(token_hash.begin(), token_hash.end()), r.text(1),
                    parse_role(r.text(2)).value_or(Role::kViewer), id_at(r, 3), r.int64(4), r.int64(5)};
}

Result<User> SqlStore::accept_invitation(const Id& tenant_id, ByteView token_hash, User user, TimeMs now) {
  return in_transaction<User>(*db_, [&](Connection& c) -> Result<User> {
    const Value key[] = {v(tenant_id), v(token_hash), v(now)};
    auto rows = c.query("SELECT id, email, role FROM invitations WHERE tenant_id = ? AND token_hash = ? "
                        "AND used_at IS NULL AND expires_at > ?", key);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(Errc::kNotFound, "invitation not found");
    const Row& r = rows->front();
    const Value use[] = {v(now), v(tenant_id), v(id_at(r, 0))};
    auto changed = c.execute("UPDATE invitations SET used_at = ? WHERE tenant_id = ? AND id = ? AND used_at IS NULL", use);
    if (auto s = expect_one(changed, "invitation"); !s) return s.error();
    user.tenant_id = tenant_id;
    user.email = r.text(1);
    user.role = parse_role(r.text(2)).value_or(Role::kViewer);
    if (auto s = insert_user(c, user); !s) return s.error();
    return user;
  });
}

Status SqlStore::put_totp_secret(const Id& tenant_id, const Id& user_id, ByteView sealed_secret, TimeMs now) {
  const Value p[] = {v(tenant_id), v(user_id), v(sealed_secret), v(now)};
  auto changed = execute("INSERT INTO totp_secrets (tenant_id, user_id, sealed_secret, enabled, created_at) "
                         "VALUES (?, ?, ?, 0, ?) ON CONFLICT (tenant_id, user_id) DO UPDATE SET "
                         "sealed_secret = excluded.sealed_secret, created_at = excluded.created_at, "
                         "last_used_step = NULL WHERE totp_secrets.enabled = 0", p);
  if (!changed) return changed.error();
  if (*changed == 0) return make_error(Errc::kConflict, "TOTP already enabled");
  return {};
}

Result<TotpSecret> SqlStore::get_totp_secret(const Id& tenant_id, const Id& user_id) {
  const Value p[] = {v(tenant_id), v(user_id)};
  auto rows = query("SELECT sealed_secret, enabled, last_used_step FROM totp_secrets "
                    "WHERE tenant_id = ? AND user_id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "TOTP secret not found");
  const Row& r = rows->front();
  return TotpSecret{r.bytes(0), r.flag(1), r.is_null(2) ? std::nullopt : std::optional<std::int64_t>(r.int64(2))};
}

Status SqlStore::enable_totp(const Id& tenant_id, const Id& user_id, ByteView expected_sealed) {
  if (expected_sealed.empty()) {
    const Value p[] = {v(tenant_id), v(user_id)};
    return expect_one(execute("UPDATE totp_secrets SET enabled = 1 WHERE tenant_id = ? AND user_id = ?", p),
                      "TOTP secret");
  }
  const Value p[] = {v(tenant_id), v(user_id), v(expected_sealed)};
  auto changed = execute("UPDATE totp_secrets SET enabled = 1 WHERE tenant_id = ? AND user_id = ? "
                         "AND sealed_secret = ? AND enabled = 0", p);
  if (!changed) return changed.error();
  if (*changed != 1) return make_error(Errc::kConflict, "the enrolment changed meanwhile");
  return {};
}

Status SqlStore::delete_totp(const Id& tenant_id, const Id& user_id) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    const Value p[] = {v(tenant_id), v(user_id)};
    auto codes = c.execute("DELETE FROM recovery_codes WHERE tenant_id = ? AND user_id = ?", p);
    if (!codes) return codes.error();
    return expect_one(c.execute("DELETE FROM totp_secrets WHERE tenant_id = ? AND user_id = ?", p), "TOTP secret");
  });
}

Result<bool> SqlStore::use_totp_step(const Id& tenant_id, const Id& user_id, std::int64_t step) {
  const Value p[] = {v(step), v(tenant_id), v(user_id), v(step)};
  auto changed = execute("UPDATE totp_secrets SET last_used_step = ? WHERE tenant_id = ? AND user_id = ? "
                         "AND (last_used_step IS NULL OR last_used_step < ?)", p);
  if (!changed) return changed.error();
  return *changed == 1;
}

Status SqlStore::replace_recovery_codes(const Id& tenant_id, const Id& user_id, const std::vector<Bytes>& code_hashes,
                                        TimeMs now) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    const Value key[] = {v(tenant_id), v(user_id)};
    if (auto d = c.execute("DELETE FROM recovery_codes WHERE tenant_id = ? AND user_id = ?", key); !d) return d.error();
    for (const Bytes& h : code_hashes) {
      const Value p[] = {v(tenant_id), v(user_id), v(h), v(now)};
      auto r = c.execute("INSERT INTO recovery_codes (tenant_id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?)", p);
      if (!r) return r.error();
    }
    return {};
  });
}

Result<bool> SqlStore::use_recovery_code(const Id& tenant_id, const Id& user_id, ByteView code_hash, TimeMs now) {
  const Value p[] = {v(now), v(tenant_id), v(user_id), v(code_hash)};
  auto changed = execute("UPDATE recovery_codes SET used_at = ? WHERE tenant_id = ? AND user_id = ? "
                         "AND code_hash = ? AND used_at IS NULL", p);
  if (!changed) return changed.error();
  return *changed == 1;
}

Result<bool> SqlStore::append_audit_event(const Id& tenant_id, std::string_view kind, ByteView payload, TimeMs now,
                                          std::int64_t max_events) {
  return in_transaction<bool>(*db_, [&](Connection& c) -> Result<bool> {
    // The PostgreSQL advisory lock serialises appenders so seq stays unique and the bound
    // holds across replicas; SQLite's BEGIN IMMEDIATE already does.
    if (c.dialect() == Dialect::kPostgres) {
      if (auto s = c.exec_script("SELECT pg_advisory_xact_lock(7410002)"); !s) return s.error();
    }
    auto rows = c.query("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM audit_outbox", {});
    if (!rows) return rows.error();
    if (rows->front().int64(0) >= max_events) return false;
    // Time-ordered (UUIDv7 layout), so the audit service's event-id index grows at its end.
    std::uint8_t random[10];
    if (RAND_bytes(random, sizeof random) != 1) return make_error(Errc::kInternal, "no randomness for the event id");
    const auto event_id = time_ordered_id(static_cast<std::uint64_t>(std::max<TimeMs>(0, now)), random);
    const Value p[] = {rows->front().int64(1) + 1, v(tenant_id), v(kind), v(payload), v(now),
                       v(ByteView(event_id.data(), event_id.size()))};
    auto r = c.execute(
        "INSERT INTO audit_outbox (seq, tenant_id, kind, payload, created_at, event_id) VALUES (?, ?, ?, ?, ?, ?)", p);
    if (!r) return r.error();
    return true;
  });
}

Result<std::vector<AuditEvent>> SqlStore::peek_audit_events(int limit) {
  const Value p[] = {std::int64_t{limit}};
  auto rows = query(
      "SELECT seq, event_id, tenant_id, kind, payload, created_at FROM audit_outbox ORDER BY seq LIMIT ?", p);
  if (!rows) return rows.error();
  std::vector<AuditEvent> out;
  for (const Row& r : *rows) {
    out.push_back(AuditEvent{r.int64(0), r.bytes(1), id_at(r, 2), r.text(3), r.bytes(4), r.int64(5)});
  }
  return out;
}

Status SqlStore::ack_audit_events(std::int64_t up_to_seq) {
  const Value p[] = {up_to_seq};
  auto r = execute("DELETE FROM audit_outbox WHERE seq <= ?", p);
  if (!r) return r.error();
  return {};
}

Status SqlStore::ack_audit_events(const std::vector<AuditEvent>& shipped) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    for (const auto& e : shipped) {
      Result<std::int64_t> r = std::int64_t{0};
      if (e.event_id.empty()) {  // a row from before migration 0003: matched by seq and time
        const Value p[] = {e.seq, e.created_at};
        r = c.execute("DELETE FROM audit_outbox WHERE seq = ? AND event_id IS NULL AND created_at = ?", p);
      } else {
        const Value p[] = {e.seq, v(ByteView(e.event_id))};
        r = c.execute("DELETE FROM audit_outbox WHERE seq = ? AND event_id = ?", p);
      }
      if (!r) return r.error();
    }
    return {};
  });
}

Result<std::int64_t> SqlStore::purge_expired(TimeMs cutoff) {
  return in_transaction<std::int64_t>(*db_, [&](Connection& c) -> Result<std::int64_t> {
    static constexpr std::string_view kPurges[] = {
        "DELETE FROM pairing_offers WHERE claimed_at IS NULL AND expires_at < ?",
        "DELETE FROM device_grants WHERE expires_at < ?",
        "DELETE FROM invitations WHERE expires_at < ?",
        "DELETE FROM refresh_tokens WHERE idle_expires_at < ? OR family_id IN "
        "(SELECT id FROM refresh_families WHERE refresh_families.tenant_id = refresh_tokens.tenant_id "
        "AND absolute_expires_at < ?)",
        "DELETE FROM refresh_families WHERE absolute_expires_at < ? AND NOT EXISTS (SELECT 1 FROM refresh_tokens t "
        "WHERE t.tenant_id = refresh_families.tenant_id AND t.family_id = refresh_families.id)",
    };
    std::int64_t total = 0;
    for (std::string_view sql : kPurges) {
      const bool two = sql.find("OR family_id") != std::string_view::npos;
      const Value p[] = {cutoff, cutoff};
      auto n = c.execute(sql, std::span<const Value>(p, two ? 2 : 1));
      if (!n) return n.error();
      total += *n;
    }
    return total;
  });
}

}  // namespace bw::auth::store
