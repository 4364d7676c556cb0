// The fuzz_heartbeat input format, shared by the fuzz target and the seed corpus generator: one mode
// byte, then a UDP payload. Mode bit 0 re-signs the payload's tag with the fuzz key (when it is at
// least 40 bytes), so mutations reach the checks behind the tag.
#pragma once

#include <cstdint>
#include <vector>

#include "host/cluster/heartbeat_wire.hpp"

namespace conductor::cluster::fuzz {

inline constexpr uint8_t kModeResign = 1;

inline sync::SipKey fuzz_key() {
  sync::SipKey k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0xA0 ^ (i * 7));
  return k;
}

inline void resign(std::vector<uint8_t>& b, const sync::SipKey& key) {
  if (b.size() < kHeartbeatBytes) return;
  const auto tag = sync::siphash24_bytes(key, b.data(), kHeartbeatTagOffset);
  for (size_t i = 0; i < 8; ++i) b[kHeartbeatTagOffset + i] = tag[i];
}

}  // namespace conductor::cluster::fuzz
