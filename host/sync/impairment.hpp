// A link impairment shim for tests and diagnostics (sans-I/O like the rest of host/sync): datagrams go
// in with a time and come out when due, some lost, some duplicated, some held back by a delay so
// that later datagrams overtake them (reordering). Seeded, so a run can be repeated.
//
//   Impairment imp({.loss = 0.1, .reorder = 0.05, .duplicate = 0.02, .seed = 7});
//   imp.push(now, tag, bytes);                  // tag: the caller's destination (e.g. a peer byte)
//   for (auto& d : imp.take_due(now)) send(d.tag, d.bytes);
//   ... wake at imp.next_deadline() and take_due again.
//
// Per datagram, in this order: lost with probability `loss`; else sent twice with probability
// `duplicate`; each copy is held for a random delay in (0, reorder_delay] with probability `reorder`,
// else it is due at once. Datagrams due at the same time leave in the order they came in.
// The member agent applies it to every HyperSync datagram it sends (`--sync-impair`, docs/cluster.md).
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/common/status.hpp"
#include "host/sync/sync_types.hpp"

namespace conductor::sync {

struct ImpairmentConfig {
  double loss = 0.0;       // fraction 0..1 of datagrams dropped
  double reorder = 0.0;    // fraction 0..1 of (surviving) datagrams held back
  double duplicate = 0.0;  // fraction 0..1 of (surviving) datagrams sent twice
  uint64_t seed = 1;
  Duration reorder_delay = std::chrono::milliseconds{5};  // the longest hold of a reordered datagram

  bool active() const { return loss > 0 || reorder > 0 || duplicate > 0; }
  friend bool operator==(const ImpairmentConfig&, const ImpairmentConfig&) = default;
};

// "loss=0.1,reorder=0.05,duplicate=0.02,seed=7,delay=5ms": any subset, comma separated. Fractions
// 0..1 or percentages ("10%"); delay in us, ms or s (a bare number is milliseconds).
Expected<ImpairmentConfig> parse_impairment(std::string_view text);
// The same form back (for log lines).
std::string to_string(const ImpairmentConfig& c);

class Impairment {
 public:
  struct Datagram {
    uint32_t tag = 0;
    std::vector<uint8_t> bytes;
  };
  struct Counters {
    uint64_t in = 0, lost = 0, duplicated = 0, reordered = 0, out = 0;
  };

  explicit Impairment(ImpairmentConfig c) : cfg_(c), rng_(c.seed) {}

  const ImpairmentConfig& config() const { return cfg_; }
  void push(TimePoint now, uint32_t tag, std::vector<uint8_t> bytes);
  void push(TimePoint now, uint32_t tag, const uint8_t* data, size_t size) {
    push(now, tag, std::vector<uint8_t>(data, data + size));
  }
  // Every held datagram due at or before `now`, in due order (arrival order among equals).
  std::vector<Datagram> take_due(TimePoint now);
  // When the next held datagram is due; kNever when none is held.
  TimePoint next_deadline() const { return held_.empty() ? kNever : held_.begin()->first.first; }
  size_t held() const { return held_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  bool draw(double p) { return p > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p; }

  ImpairmentConfig cfg_;
  std::mt19937_64 rng_;
  uint64_t order_ = 0;
  std::map<std::pair<TimePoint, uint64_t>, Datagram> held_;  // (due, arrival) -> datagram
  Counters counters_;
};

}  // namespace conductor::sync
