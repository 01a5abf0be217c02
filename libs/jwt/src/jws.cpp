#include "jws.hpp"

#include <cstddef>

#include "bw/crypto/base64url.hpp"
#include "bw/jwt/errors.hpp"
#include "bw/jwt/jwt.hpp"
#include "strict_json.hpp"

namespace bw::jwt::detail {
Result<JwsParts> split_compact(std::string_view token) {
  if (token.size() > kMaxTokenSize) return make_error(Errc::kTooLarge);
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return make_error(Errc::kMalformed);
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return make_error(Errc::kMalformed);
  if (token.find('.', second + 1) != std::string_view::npos) return make_error(Errc::kMalformed);

  auto header = crypto::base64url_decode(token.substr(0, first));
  auto payload = crypto::base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = crypto::base64url_decode(token.substr(second + 1));
  if (!header || !payload || !signature || header->empty() || payload->empty()) {
    return make_error(Errc::kMalformed);
  }
  return JwsParts{token.substr(0, second), std::move(header).value(),
                  std::move(payload).value(), std::move(signature).value()};
}

Result<std::string> check_header(ByteView header_json) {
  auto parsed = parse_strict_object(to_string(header_json));
  if (!parsed) return parsed.error();
  const nlohmann::json& header = parsed.value();

  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "EdDSA") {
    return make_error(Errc::kBadAlg);
  }
  // Only alg, kid and typ are allowed. This refuses jku, x5u, jwk, x5c, x5t, x5t#S256 (they
  // would let the token name its own key), crit and b64 (RFC 7797: they change how the token
  // must be processed), and every parameter we do not know.
  for (const auto& item : header.items()) {
    const std::string& name = item.key();
    if (name != "alg" && name != "kid" && name != "typ") return make_error(Errc::kForbiddenHeader);
  }
  if (const auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string()) return make_error(Errc::kBadType);
    const auto& text = typ->get_ref<const std::string&>();
    if (text != "JWT" && text != "at+jwt") return make_error(Errc::kBadType);
  }
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || !valid_kid(kid->get_ref<const std::string&>())) {
    return make_error(Errc::kInvalidKid);
  }
  return kid->get<std::string>();
}

Result<std::string> sign_compact(const SigningKey& key, std::string_view header_json,
                                 ByteView payload) {
  std::string token = crypto::base64url_encode(as_bytes(header_json));
  token += '.';
  token += crypto::base64url_encode(payload);
  auto signature = key.sign(as_bytes(token));
  if (!signature) return signature.error();
  token += '.';
  token += crypto::base64url_encode(signature.value());
  return token;
}

}  // namespace bw::jwt::detail
