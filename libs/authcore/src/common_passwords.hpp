// The bundled common-password list as one text, newline-separated (generated source).
#pragma once

#include <string_view>

namespace bw::authcore::detail {

std::string_view common_passwords_text();

}  // namespace bw::authcore::detail
