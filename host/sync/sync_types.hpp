// Shared pieces of HyperSync's reliable delivery (sender.hpp, session.hpp, backup_store.hpp): the clock
// types (the same convention as host/election: steady_clock time points, microsecond durations, so the
// daemon passes the real clock and tests a fake one), a hash for FlowKey, and the interface the UDP
// transport drives (udp_transport.hpp). Host only (C++20).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "host/sync/codec.hpp"

namespace conductor::sync {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::microseconds;
inline constexpr TimePoint kNever = TimePoint::max();

struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the key's fields
    auto mix = [&h](uint8_t b) { h = (h ^ b) * 0x100000001b3ull; };
    const size_t n = k.is_ipv6 ? 16 : 4;
    for (size_t i = 0; i < n; ++i) mix(k.a_addr[i]), mix(k.b_addr[i]);
    mix(static_cast<uint8_t>(k.a_port >> 8)), mix(static_cast<uint8_t>(k.a_port));
    mix(static_cast<uint8_t>(k.b_port >> 8)), mix(static_cast<uint8_t>(k.b_port));
    mix(k.proto), mix(k.sg_id), mix(k.is_ipv6 ? 1 : 0);
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// Total order on keys (snapshots are sorted so two of them compare element by element).
inline bool key_less(const FlowKey& x, const FlowKey& y) {
  if (x.is_ipv6 != y.is_ipv6) return x.is_ipv6 < y.is_ipv6;
  if (x.a_addr != y.a_addr) return x.a_addr < y.a_addr;
  if (x.b_addr != y.b_addr) return x.b_addr < y.b_addr;
  if (x.a_port != y.a_port) return x.a_port < y.a_port;
  if (x.b_port != y.b_port) return x.b_port < y.b_port;
  if (x.proto != y.proto) return x.proto < y.proto;
  return x.sg_id < y.sg_id;
}

// What a sync endpoint (Sender or Session) offers its driver: frames in, a clock in, frames out.
//   on_frame(now, bytes)  a UDP payload arrived from the peer
//   on_timer(now)         called at or after next_deadline()
//   take_output()         the UDP payloads to send to the peer, in order (the queue is emptied)
class SyncEndpoint {
 public:
  virtual ~SyncEndpoint() = default;
  virtual void on_frame(TimePoint now, const uint8_t* data, size_t size) = 0;
  virtual void on_timer(TimePoint now) = 0;
  virtual TimePoint next_deadline() const = 0;
  virtual std::vector<std::vector<uint8_t>> take_output() = 0;
};

}  // namespace conductor::sync
