// Test support for Project Wycheproof files: loading from $BW_VECTORS_DIR (a missing folder
// or file is a test failure, never a skip), hex fields, and a tally that proves every case
// ran: a suite passes only if the number of cases run equals the file's numberOfTests and
// every one of them came out as expected.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <utility>

#include "bw/bytes.hpp"

namespace bw::crypto::testing {

// The parsed file $BW_VECTORS_DIR/wycheproof/<file_name>; on any problem records a GoogleTest
// failure and returns a null json (callers ASSERT on it).
nlohmann::json load_wycheproof(const std::string& file_name);

// The bytes of a hex string field (a GoogleTest failure if it is not hex).
Bytes hex_field(const nlohmann::json& test_case, const char* field);

// True if the case lists flag among its "flags".
bool has_flag(const nlohmann::json& test_case, const std::string& flag);

class CaseTally {
 public:
  explicit CaseTally(std::string suite) : suite_(std::move(suite)) {}

  // Records one executed case; a case not as expected is reported with its tcId and comment.
  void record(const nlohmann::json& test_case, bool as_expected, const std::string& detail = "");
  // Checks run == the file's numberOfTests and all as expected, and prints the counts.
  void finish(const nlohmann::json& file) const;

  std::size_t run() const { return run_; }

 private:
  std::string suite_;
  std::size_t run_ = 0;
  std::size_t as_expected_ = 0;
};

}  // namespace bw::crypto::testing
