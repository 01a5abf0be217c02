// The plaintext bodies of session traffic (docs/protocol.md §5.4) that the agent sends.
//
// Guarantees: every body is well-formed JSON in UTF-8 (invalid bytes are replaced, never
// thrown on) and at most e2e::kMaxBody bytes, so it can always be sealed: a stream line too
// large for one OUTPUT becomes an `output_too_large` EVENT carrying its size, so the clients
// learn that something was left out instead of losing it without a trace.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "bw/e2e/protocol.hpp"

namespace bw::agent::session {

// {"session":ID,"event":EVENT,…extra}
std::string event_body(const std::string& session, const std::string& event,
                       nlohmann::json extra = nlohmann::json::object());

// The message for one stream-json line: OUTPUT {"session":ID,"stream":LINE}, or, when that
// would exceed e2e::kMaxBody, EVENT {"session":ID,"event":"output_too_large","bytes":N}.
std::pair<e2e::Kind, std::string> output_message(const std::string& session, const std::string& line);

}  // namespace bw::agent::session
