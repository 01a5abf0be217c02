// The relay's Redis names (DESIGN §4): one hash tag per device, so that every key and the
// channel a single atomic step touches live in one Redis Cluster slot.
//
//   bw:{d:<device hex>}:mbox             the device's mailbox (a stream)
//   bw:{d:<device hex>}:n:<nonce hex>    a nonce seen for the device (replay window)
//   bw:{d:<device hex>}:cut              highest offset dropped by the age bound
//   bw:{d:<device hex>}:owner            the connection that currently holds the device
//   bw:{d:<device hex>}:ch               the device's sharded pub/sub channel
//
// Hex is lowercase, 32 digits per 16-byte id. Pure: no Redis, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bw::relay::redis {

using DeviceId = std::array<std::uint8_t, 16>;
using Nonce = std::array<std::uint8_t, 16>;

// Lowercase hex of a 16-byte id.
std::string id_hex(const std::array<std::uint8_t, 16>& id);
// The id of exactly 32 lowercase hex digits; nullopt otherwise.
std::optional<std::array<std::uint8_t, 16>> parse_id_hex(std::string_view text);

std::string mailbox_key(const DeviceId& device);
std::string nonce_key(const DeviceId& device, const Nonce& nonce);
std::string cut_key(const DeviceId& device);
std::string owner_key(const DeviceId& device);
std::string device_channel(const DeviceId& device);

// The device of a channel named by device_channel(); nullopt for any other text.
std::optional<DeviceId> parse_device_channel(std::string_view channel);

// Pod and connection ids stored in Redis and sent on channels: 1–64 characters from
// [A-Za-z0-9._:/-] (no spaces, so they cannot break the text formats around them).
bool is_valid_token(std::string_view token);

}  // namespace bw::relay::redis
