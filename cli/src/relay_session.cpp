#include "relay_session.hpp"

namespace bw::cli {

std::string relay_url(const std::string& address) {
  if (address.rfind("wss://", 0) == 0) return address;
  return "wss://" + address + "/v1/connect";
}

Result<std::unique_ptr<relayclient::ClientStream>> open_relay(const std::string& relay_address, const std::string& ca_file,
                                                              const std::string& access_token, const e2e::Id& device,
                                                              std::uint64_t resume_ms, std::uint64_t resume_seq) {
  relayclient::ClientStreamOptions o;
  o.url = relay_url(relay_address);
  o.ca_file = ca_file;
  breakwater::relay::v1::ClientHello h;
  h.set_access_token(access_token);
  h.set_device(std::string(device.begin(), device.end()));
  h.set_protocol_version(1);
  h.mutable_resume_after()->set_ms(resume_ms);
  h.mutable_resume_after()->set_seq(resume_seq);
  h.set_client_version("breakwater-cli");
  auto s = relayclient::ClientStream::open(o, h);
  if (!s) return Error{s.error().code, "cannot connect to the relay at " + relay_address + ": " + s.error().message};
  return s;
}

}  // namespace bw::cli
