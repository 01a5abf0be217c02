// A QR code for a terminal (libqrencode): two module rows per text line with Unicode half
// blocks, light modules drawn as blocks and dark ones as the terminal's background, so it
// reads on the usual dark terminal (a quiet zone of 2 modules). Pure apart from the library.
#pragma once

#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::agent {

// Error 330 if the text cannot be encoded (too long for a QR code).
Result<std::string> render_qr(std::string_view text);

}  // namespace bw::agent
