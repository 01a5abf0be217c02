// See wycheproof.hpp.
#include "wycheproof.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "bw/crypto/hex.hpp"

namespace bw::crypto::testing {

nlohmann::json load_wycheproof(const std::string& file_name) {
  const char* dir = std::getenv("BW_VECTORS_DIR");
  if (dir == nullptr || *dir == '\0') {
    ADD_FAILURE() << "BW_VECTORS_DIR is not set: the Wycheproof vectors cannot be found "
                     "(run through ctest, or export BW_VECTORS_DIR=/path/to/shared/vectors)";
    return nullptr;
  }
  const std::string path = std::string(dir) + "/wycheproof/" + file_name;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open Wycheproof file " << path;
    return nullptr;
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("testGroups") || !doc.contains("numberOfTests")) {
    ADD_FAILURE() << "not a Wycheproof test file: " << path;
    return nullptr;
  }
  return doc;
}

Bytes hex_field(const nlohmann::json& test_case, const char* field) {
  auto bytes = hex_decode(test_case.at(field).get<std::string>());
  if (!bytes) {
    ADD_FAILURE() << "tcId " << test_case.value("tcId", -1) << ": field " << field
                  << " is not hex";
    return {};
  }
  return std::move(bytes).value();
}

bool has_flag(const nlohmann::json& test_case, const std::string& flag) {
  if (!test_case.contains("flags")) return false;
  for (const auto& f : test_case["flags"]) {
    if (f.get<std::string>() == flag) return true;
  }
  return false;
}

void CaseTally::record(const nlohmann::json& test_case, bool as_expected,
                       const std::string& detail) {
  ++run_;
  if (as_expected) {
    ++as_expected_;
    return;
  }
  ADD_FAILURE() << suite_ << " tcId " << test_case.value("tcId", -1) << " ("
                << test_case.value("result", std::string("?")) << ", "
                << test_case.value("comment", std::string()) << "): " << detail;
}

void CaseTally::finish(const nlohmann::json& file) const {
  const auto declared = file.at("numberOfTests").get<std::size_t>();
  std::cout << "wycheproof " << suite_ << ": " << run_ << " cases run, " << as_expected_
            << " as expected (file declares " << declared << ")\n";
  EXPECT_EQ(run_, declared) << suite_ << ": a case not run is a case failed";
  EXPECT_EQ(as_expected_, run_) << suite_ << ": some cases did not come out as expected";
}

}  // namespace bw::crypto::testing
