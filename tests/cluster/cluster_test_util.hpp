// Shared helpers of the cluster tests: a fake clock and a fixed key.
#pragma once

#include <chrono>

#include "host/cluster/heartbeat_wire.hpp"
#include "host/cluster/liveness.hpp"

namespace conductor::cluster::test {

using namespace std::chrono_literals;

inline sync::SipKey test_key() {
  sync::SipKey k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0x10 + i);
  return k;
}

struct FakeClock {
  TimePoint t = TimePoint{} + std::chrono::hours{1};
  TimePoint now() const { return t; }
  TimePoint advance(Duration d) { return t += d; }
};

inline Heartbeat beat(MemberId id, uint32_t seq, uint32_t incarnation = 7, Load load = {}) {
  return Heartbeat{.member = id, .flags = 0, .incarnation = incarnation, .sequence = seq, .load = load};
}

}  // namespace conductor::cluster::test
