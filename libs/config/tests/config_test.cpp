#include "bw/config/config.hpp"

#include <gtest/gtest.h>

namespace bw::config {
namespace {

Schema test_schema() {
  Schema s;
  s.add({.path = "server.grpc_listen", .default_value = "127.0.0.1:7001", .help = "gRPC address"});
  s.add({.path = "server.port", .type = Type::kInt, .default_value = "80", .min = 1, .max = 65535});
  s.add({.path = "server.drain", .type = Type::kDuration, .default_value = "3s", .max = 60'000});
  s.add({.path = "tls.plaintext", .type = Type::kBool, .default_value = "false"});
  s.add({.path = "tls.mode", .default_value = "mtls", .one_of = {"mtls", "server"}});
  s.add({.path = "relay.allowed_origins", .type = Type::kStringList, .default_value = ""});
  s.add({.path = "redis.addr", .required = true});
  s.add({.path = "auth.client_secret", .default_value = "x"});
  return s;
}

Result<Values> load_text(std::string_view text, Environment env = {}) {
  return load(test_schema(), text, "test.yaml", env);
}

TEST(Config, DefaultsApplyWhenFileIsSilent) {
  auto v = load_text("redis:\n  addr: 127.0.0.1:6379\n");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->str("server.grpc_listen"), "127.0.0.1:7001");
  EXPECT_EQ(v->integer("server.port"), 80);
  EXPECT_EQ(v->duration("server.drain"), std::chrono::seconds(3));
  EXPECT_FALSE(v->boolean("tls.plaintext"));
  EXPECT_TRUE(v->list("relay.allowed_origins").empty());
  EXPECT_FALSE(v->is_set("server.port"));
  EXPECT_TRUE(v->is_set("redis.addr"));
  EXPECT_EQ(v->origin("redis.addr"), "test.yaml:2");
}

TEST(Config, ReadsEveryType) {
  auto v = load_text(
      "server:\n  port: 8443\n  drain: 250ms\ntls:\n  plaintext: true\n  mode: server\n"
      "relay:\n  allowed_origins: [https://a.example, https://b.example]\nredis:\n  addr: r:1\n");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->integer("server.port"), 8443);
  EXPECT_EQ(v->duration("server.drain"), std::chrono::milliseconds(250));
  EXPECT_TRUE(v->boolean("tls.plaintext"));
  EXPECT_EQ(v->str("tls.mode"), "server");
  EXPECT_EQ(v->list("relay.allowed_origins").size(), 2u);
}

TEST(Config, UnknownKeyIsRejectedWithItsNameAndLine) {
  auto v = load_text("redis:\n  addr: x\nserver:\n  grpc_listn: 1\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kUnknownKey);
  EXPECT_NE(v.error().message.find("server.grpc_listn"), std::string::npos) << v.error().message;
  EXPECT_NE(v.error().message.find("test.yaml:4"), std::string::npos) << v.error().message;
}

TEST(Config, UnknownSectionIsRejected) {
  auto v = load_text("redis:\n  addr: x\nmetrics:\n  port: 1\n");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("metrics.port"), std::string::npos);
}

TEST(Config, BadTypesNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"server:\n  port: eighty\n", "server.port"},        {"server:\n  port: 80.5\n", "server.port"},
      {"tls:\n  plaintext: yes\n", "tls.plaintext"},       {"server:\n  drain: 5\n", "server.drain"},
      {"relay:\n  allowed_origins: one\n", "relay.allowed_origins"},
      {"server:\n  grpc_listen: [a, b]\n", "server.grpc_listen"}};
  for (const auto& [text, key] : cases) {
    auto v = load_text(std::string("redis:\n  addr: x\n") + text);
    ASSERT_FALSE(v) << text;
    EXPECT_EQ(v.error().code, kBadType) << text;
    EXPECT_NE(v.error().message.find(key), std::string::npos) << v.error().message;
  }
}

TEST(Config, DuplicateKeysAndSectionsAreRejected) {
  auto v = load_text("redis:\n  addr: x\ntls:\n  plaintext: false\n  plaintext: true\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kDuplicate);
  EXPECT_NE(v.error().message.find("tls.plaintext"), std::string::npos);
  v = load_text("redis:\n  addr: x\ntls:\n  plaintext: false\ntls:\n  mode: server\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kDuplicate);
}

TEST(Config, ADirectoryIsNotAConfigFile) {
  auto v = load_file(test_schema(), "/tmp", {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kUnreadable);
}

TEST(Config, SecretValuesAreHiddenInRangeErrorsToo) {
  Schema s;
  s.add({.path = "auth.signing_key_bits", .type = Type::kInt, .min = 1, .max = 2});
  s.add({.path = "auth.client_secret_len", .type = Type::kInt, .min = 1, .max = 2});
  auto v = load(s, "auth:\n  client_secret_len: 987654321\n", "f", {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message.find("987654321"), std::string::npos) << v.error().message;
}

TEST(Config, SchemaRefusesKeysThatShareAnEnvironmentVariable) {
  Schema s;
  s.add({.path = "a_b.c"});
  EXPECT_THROW(s.add({.path = "a.b_c"}), std::invalid_argument);
}

TEST(Config, BoundsAndChoicesAreEnforced) {
  auto v = load_text("redis:\n  addr: x\nserver:\n  port: 70000\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kOutOfRange);
  v = load_text("redis:\n  addr: x\nserver:\n  drain: 2m\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kOutOfRange);
  v = load_text("redis:\n  addr: x\ntls:\n  mode: none\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kBadEnum);
  EXPECT_NE(v.error().message.find("mtls, server"), std::string::npos);
}

TEST(Config, MissingRequiredKeyNamesItsEnvironmentVariable) {
  auto v = load_text("");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kMissing);
  EXPECT_NE(v.error().message.find("BREAKWATER_REDIS_ADDR"), std::string::npos);
}

TEST(Config, EnvironmentOverridesFile) {
  auto v = load_text("redis:\n  addr: file\nserver:\n  port: 1\n",
                     {{"BREAKWATER_SERVER_PORT", "2"}, {"BREAKWATER_RELAY_ALLOWED_ORIGINS", "a, b,,c"},
                      {"PATH", "/bin"}, {"BREAKWATER_OTHERSERVICE_X", "ignored"}});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->integer("server.port"), 2);
  EXPECT_EQ(v->origin("server.port"), "env BREAKWATER_SERVER_PORT");
  EXPECT_EQ(v->list("relay.allowed_origins"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(v->str("redis.addr"), "file");
}

TEST(Config, EnvironmentTypoInAKnownSectionIsRejected) {
  auto v = load_text("redis:\n  addr: x\n", {{"BREAKWATER_SERVER_PROT", "2"}});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kUnknownKey);
  EXPECT_NE(v.error().message.find("BREAKWATER_SERVER_PROT"), std::string::npos);
}

TEST(Config, KubernetesServiceLinkVariablesAreNotTypos) {
  // What a Service named "breakwater-server" or "breakwater-redis" injects into every pod.
  auto v = load_text("redis:\n  addr: x\n", {{"BREAKWATER_TLS_PORT", "tcp://10.0.0.1:7410"},
                                                {"BREAKWATER_TLS_PORT_7410_TCP", "tcp://10.0.0.1:7410"},
                                                {"BREAKWATER_SERVER_SERVICE_HOST", "10.0.0.1"},
                                                {"BREAKWATER_SERVER_SERVICE_PORT_GRPC", "7410"},
                                                {"BREAKWATER_REDIS_PORT_6379_TCP_ADDR", "10.0.0.2"}});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->integer("server.port"), 80);
  auto typo = load_text("redis:\n  addr: x\n", {{"BREAKWATER_SERVER_PORTS", "1"}});
  EXPECT_FALSE(typo);
}

TEST(Config, ADeclaredKeyNamedLikeAServiceLinkIsStillRead) {
  auto v = load_text("redis:\n  addr: x\n", {{"BREAKWATER_SERVER_PORT", "8443"}});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->integer("server.port"), 8443);
}

TEST(Config, BadEnvironmentValueIsRejected) {
  auto v = load_text("redis:\n  addr: x\n", {{"BREAKWATER_SERVER_PORT", "0x50"}});
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("env BREAKWATER_SERVER_PORT"), std::string::npos);
}

TEST(Config, SyntaxErrorGivesTheLine) {
  auto v = load_text("redis:\n  addr: x\nserver: [\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kSyntax);
  EXPECT_NE(v.error().message.find("test.yaml:"), std::string::npos);
}

TEST(Config, TopLevelMustBeAMapping) {
  auto v = load_text("- a\n- b\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kSyntax);
}

TEST(Config, SecretValuesAreNotEchoedInErrors) {
  Schema s;
  s.add({.path = "auth.client_secret", .type = Type::kInt});
  auto v = load(s, "auth:\n  client_secret: hunter2-is-secret\n", "f", {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message.find("hunter2"), std::string::npos) << v.error().message;
}

TEST(Config, MissingFileIsAClearError) {
  auto v = load_file(test_schema(), "/nonexistent/breakwater.yaml", {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, kUnreadable);
  EXPECT_NE(v.error().message.find("/nonexistent/breakwater.yaml"), std::string::npos);
}

TEST(Config, EnvNamesFollowTheConvention) {
  EXPECT_EQ(env_name("server.grpc_listen"), "BREAKWATER_SERVER_GRPC_LISTEN");
}

TEST(Config, SchemaRejectsMalformedPaths) {
  Schema s;
  EXPECT_THROW(s.add({.path = "nodot"}), std::invalid_argument);
  EXPECT_THROW(s.add({.path = "a.b.c"}), std::invalid_argument);
  EXPECT_THROW(s.add({.path = "Upper.case"}), std::invalid_argument);
  s.add({.path = "a.b"});
  EXPECT_THROW(s.add({.path = "a.b"}), std::invalid_argument);
}

TEST(Duration, ParsesOneNumberAndOneUnit) {
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("1d"), std::chrono::hours(24));
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5 s"));
  EXPECT_FALSE(parse_duration("99999999999999s"));
  EXPECT_FALSE(parse_duration("999999999999d"));  // would overflow int64 milliseconds
  EXPECT_EQ(parse_duration("999999999999ms"), std::chrono::milliseconds(999999999999));
}

}  // namespace
}  // namespace bw::config
