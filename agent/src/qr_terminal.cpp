// Terminal QR codes (qr_terminal.hpp).
#include "qr_terminal.hpp"

#include <qrencode.h>

#include <memory>
#include <string>

namespace bw::agent {

Result<std::string> render_qr(std::string_view text) {
  const std::string s(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_L, QR_MODE_8, 1),
                                                     QRcode_free);
  if (!qr) return Error{330, "the link is too long for a QR code"};
  const int n = qr->width, quiet = 2, size = n + 2 * quiet;
  auto dark = [&](int x, int y) {
    x -= quiet;
    y -= quiet;
    return x >= 0 && y >= 0 && x < n && y < n && (qr->data[y * n + x] & 1);
  };
  // Light modules are printed as full blocks, dark ones as spaces (inverted for terminals).
  std::string out;
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      const bool top = !dark(x, y), bottom = y + 1 < size ? !dark(x, y + 1) : false;
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += "\n";
  }
  return out;
}

}  // namespace bw::agent
