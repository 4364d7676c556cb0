// Member liveness: heartbeats and a clock in, member up/down events out (docs/architecture.md rule 4). No
// sockets, no timers: the driver (conductord's cluster service, a test with a fake clock) calls
//
//   on_heartbeat(now, hb)   for every heartbeat the wire decoder accepted
//   on_timer(now)           at or after next_deadline() (calling it earlier is harmless)
//
// and carries out the returned events in order.
//
// Rules (docs/cluster.md, "Member liveness"):
// - Every configured member starts Unknown. Unknown becomes Up at its first heartbeat, or Down when
//   nothing is heard for `timeout` after start (a member that never came up is reported down).
// - Up becomes Down when no heartbeat was accepted for `timeout` (detected at last_heard + timeout
//   when on_timer is called at next_deadline()), or at once on a heartbeat with the LEAVING flag (a
//   clean shutdown of the agent).
// - Down becomes Up after `rise` heartbeats in a row, each within `timeout` of the previous one.
// - Flap damping: a member that went down `flap_limit` times within `flap_window` is damped: it must
//   then also be heard without a gap for `hold_down` before it is marked Up again. Damping ends when
//   a whole `flap_window` passes without a down.
// - Order: within one incarnation only a sequence above the last accepted one is taken (duplicates
//   and reordered datagrams are counted as stale and dropped); a new incarnation (agent restart)
//   resets the sequence. A gap in sequence numbers counts the lost reports.
// - Heartbeats from members that are not in the configuration are dropped and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/cluster/heartbeat_wire.hpp"

namespace conductor::cluster {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::microseconds;

struct LivenessConfig {
  Duration interval = std::chrono::milliseconds{50};  // [timers] heartbeat-interval (informative)
  Duration timeout = std::chrono::milliseconds{150};  // [timers] heartbeat-timeout
  uint32_t rise = 2;                                  // heartbeats in a row to come back up
  uint32_t flap_limit = 3;                            // downs within flap_window that damp a member
  Duration flap_window = std::chrono::seconds{30};
  Duration hold_down = std::chrono::seconds{3};  // damped: heard without a gap this long first
};
Status validate(const LivenessConfig& c);

enum class Health : uint8_t { kUnknown, kUp, kDown };
std::string_view health_name(Health h);

struct LivenessEvent {
  MemberId member{};
  Health health = Health::kUnknown;  // the new state: kUp or kDown
  std::string reason;                // e.g. "no heartbeat for 150.2 ms (timeout 150 ms)"
  Duration silent_for{0};            // kDown: time since the last accepted heartbeat (or since start)
  friend bool operator==(const LivenessEvent&, const LivenessEvent&) = default;
};
using LivenessEvents = std::vector<LivenessEvent>;

struct MemberLiveness {
  Health health = Health::kUnknown;
  TimePoint since{};  // when it entered `health`
  std::optional<TimePoint> last_heard{};
  uint32_t incarnation = 0;
  uint32_t sequence = 0;
  bool heard = false;    // a heartbeat was accepted in this incarnation
  Load load{};           // from the last accepted heartbeat
  uint64_t reports = 0;  // accepted heartbeats
  uint64_t lost = 0;     // sequence gaps
  uint64_t downs = 0;
  uint64_t ups = 0;
  uint32_t streak = 0;  // heartbeats in a row while not Up
  TimePoint streak_start{};
  std::deque<TimePoint> recent_downs{};  // within flap_window
  bool damped = false;
};

struct LivenessStats {
  uint64_t accepted = 0;
  uint64_t stale = 0;           // sequence not above the last accepted one
  uint64_t unknown_member = 0;  // not in the configuration
  uint64_t restarts = 0;        // new incarnations after the first
  uint64_t lost = 0;            // reports missing in sequence gaps
};

class Liveness {
 public:
  static Expected<Liveness> create(LivenessConfig config, const std::vector<MemberId>& members, TimePoint now);

  LivenessEvents on_heartbeat(TimePoint now, const Heartbeat& hb);
  LivenessEvents on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  // Reload: new timers and member set. Members that stay keep their state; new ones start Unknown
  // at `now`; removed ones are forgotten.
  Status reconfigure(LivenessConfig config, const std::vector<MemberId>& members, TimePoint now);

  const LivenessConfig& config() const { return config_; }
  const std::map<MemberId, MemberLiveness>& members() const { return members_; }
  const MemberLiveness* member(MemberId id) const;
  Health health(MemberId id) const;
  const LivenessStats& stats() const { return stats_; }

 private:
  Liveness(LivenessConfig c) : config_(c) {}
  void go_down(TimePoint now, MemberId id, MemberLiveness& m, std::string reason, LivenessEvents& out);
  void go_up(TimePoint now, MemberId id, MemberLiveness& m, std::string reason, LivenessEvents& out);

  LivenessConfig config_;
  std::map<MemberId, MemberLiveness> members_;
  LivenessStats stats_;
};

// "150.2 ms"
std::string format_ms(Duration d);

}  // namespace conductor::cluster
