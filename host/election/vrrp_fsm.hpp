// The VRRP router state machine of RFC 5798 §6.4 (as updated by RFC 9568 §6.4) for one virtual router:
// events and a clock in, actions out (docs/architecture.md rule 4). No sockets, no timers, no sleeps: the driver
// (conductord with real sockets and steady_clock, the SystemC model with simulated time, a unit test
// with a fake clock) calls
//
//   start(now) / shutdown(now)                          administrative Startup / Shutdown events
//   on_packet(now, ip, bytes) or on_advert(now, advert) a received advertisement
//   on_timer(now)                                       at or after next_deadline()
//
// and carries out the returned actions in order. Every call returns the actions it caused; a call that
// causes nothing returns an empty vector.
//
// States (§6.4): Initialize, Backup, Master (RFC 9568 says "Active" for Master; the timers keep the
// RFC 5798 names here: Master_Adver_Interval, Master_Down_Interval, Master_Down_Timer).
//
// Timers (§6.1, §6.2). Time is std::chrono::steady_clock::time_point and durations are microseconds,
// so the RFC's centiseconds convert exactly:
//   Advertisement_Interval = config.advert_interval_cs (what this router sends as Master)
//   Master_Adver_Interval  = the interval learned from the Master's adverts while Backup
//   Skew_Time              = ((256 - Priority) * Master_Adver_Interval) / 256, computed in µs and
//                            truncated (as keepalived's VRRP_TIMER_SKEW does)
//   Master_Down_Interval   = 3 * Master_Adver_Interval + Skew_Time
// e.g. 100 ms adverts, priority 100: Skew_Time = 60.937 ms, Master_Down_Interval = 360.937 ms.
//
// Transitions (RFC 9568 §6.4.1-3):
//   Initialize --start, priority 255--> Master (send advert, announce addresses)
//   Initialize --start--> Backup (Master_Down_Timer = Master_Down_Interval)
//   Backup --Master_Down_Timer--> Master (send advert, announce addresses)
//   Backup --advert priority 0--> Master_Down_Timer = Skew_Time
//   Backup --advert, !preempt or priority >= mine--> learn Master_Adver_Interval, restart the timer
//   Backup --advert, preempt and priority < mine--> discard (the timer runs out: preemption)
//   Master --Adver_Timer--> send advert
//   Master --advert priority 0--> send advert, restart Adver_Timer
//   Master --advert priority > mine, or equal and sender address > mine--> Backup
//   Master --advert otherwise--> discard and send an advert at once (RFC 9568 §6.4.3)
//   Master --shutdown--> send advert with priority 0, Initialize;  Backup --shutdown--> Initialize
//
// Receive checks (§7.1): on_packet runs the codec's IP- and VRRP-layer checks; then both entry points
// drop (and count) adverts for another VRID or family, adverts from this router's own address,
// every advert when this router is the address owner (priority 255; §7.1), and adverts whose
// address list differs from the configured one unless the sender is the owner (§7.1 "MAY verify").
//
// Warm state. A Backup keeps everything a Master needs (config, learned timers, who the Master is);
// the daemon keeps the data plane programmed on the standby too, so kBecomeMaster only flips which
// orchestrator forwards and announces. Nothing here allocates a resource on a transition.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "host/common/status.hpp"
#include "host/election/vrrp_codec.hpp"

namespace conductor::election {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::microseconds;

constexpr Duration centiseconds(uint32_t cs) { return Duration{int64_t{cs} * 10'000}; }

// §6.1 Skew_Time and §6.1 Master_Down_Interval for a router of `priority` that learned
// `master_adver_interval_cs`.
constexpr Duration skew_time(uint8_t priority, uint16_t master_adver_interval_cs) {
  return Duration{(int64_t{256 - priority} * master_adver_interval_cs * 10'000) / 256};
}
constexpr Duration master_down_interval(uint8_t priority, uint16_t master_adver_interval_cs) {
  return 3 * centiseconds(master_adver_interval_cs) + skew_time(priority, master_adver_interval_cs);
}

enum class State : uint8_t { kInitialize, kBackup, kMaster };
std::string_view state_name(State s);

// §6.1 parameters of one virtual router on one LAN. Defaults are the RFC's where it has them.
struct VrrpConfig {
  uint8_t vrid = 1;                   // VRID, 1..255
  uint8_t priority = 100;             // 1..254 for a backup, 255 = the address owner (§5.2.4)
  uint16_t advert_interval_cs = 100;  // Advertisement_Interval, 1..4095 centiseconds (default 1 s)
  bool preempt = true;                // Preempt_Mode (default True)
  bool accept = false;                // Accept_Mode (default False): used by the daemon, see accepts_traffic()
  Family family = Family::kIpv4;
  IpAddress primary_address;         // this router's own address on the LAN: the source of its adverts
                                     // and its side of the tie-break (IPv6: its link-local address)
  std::vector<IpAddress> addresses;  // the virtual addresses, 1..255; IPv6: the first is link-local
};

// Checks every field above; the message names the first bad one.
Status validate(const VrrpConfig& config);

enum class ActionKind : uint8_t {
  kSendAdvert,        // encode `advert` (encode_advert) from primary_address to vrrp_group(family) and send it
  kAnnounce,          // gratuitous ARP for each IPv4 address / unsolicited NA (R, O set) for each IPv6 one
  kBecomeMaster,      // start forwarding for the virtual addresses (warm: nothing new to program)
  kBecomeBackup,      // stop forwarding and answering for the virtual addresses
  kBecomeInitialize,  // the router left the protocol (shutdown)
};
std::string_view action_kind_name(ActionKind k);

enum class Reason : uint8_t {
  kStartup,          // Startup event, not the owner: Backup
  kOwnerStartup,     // Startup event, priority 255: Master at once
  kMasterDown,       // Master_Down_Timer fired
  kAdverTimer,       // Adver_Timer fired
  kHigherPriority,   // a Master heard a higher priority
  kAddressTieBreak,  // a Master heard an equal priority from a higher address
  kPriorityZero,     // a Master heard priority 0 (another Master left): answer at once
  kAssertMaster,     // a Master heard a lower priority: assert itself at once (RFC 9568 §6.4.3)
  kShutdown,         // Shutdown event
};
std::string_view reason_name(Reason r);

struct Action {
  ActionKind kind = ActionKind::kSendAdvert;
  Reason reason = Reason::kStartup;
  Advert advert;  // kSendAdvert only: the fields to send (priority 0 when leaving)

  friend bool operator==(const Action&, const Action&) = default;
};
using Actions = std::vector<Action>;

// Who the Master is, as far as this router knows.
struct MasterInfo {
  IpAddress address;  // the Master's primary address (ours when we are Master)
  uint8_t priority = 0;
  uint16_t adver_interval_cs = 0;
  TimePoint last_heard{};  // when its last accepted advert arrived (when we became Master)
};

// Counters: every dropped advert lands in exactly one of them (STYLE: every degraded mode counts).
struct VrrpStats {
  uint64_t adverts_sent = 0;
  uint64_t adverts_received = 0;  // passed every check and reached the state machine
  uint64_t priority_zero_sent = 0;
  uint64_t priority_zero_received = 0;
  uint64_t became_master = 0;
  uint64_t became_backup = 0;
  uint64_t interval_changes = 0;  // Master_Adver_Interval learned with a new value
  uint64_t preempt_discards = 0;  // Backup with Preempt_Mode dropped a lower priority
  // Drops before the state machine:
  std::array<uint64_t, kRxErrorCount> rx_errors{};  // codec: malformed or bad IP header, by reason
  uint64_t vrid_mismatch = 0;
  uint64_t family_mismatch = 0;
  uint64_t own_adverts = 0;            // our own address as the source (multicast loopback)
  uint64_t owner_discards = 0;         // we own the addresses (priority 255): §7.1 drops everything
  uint64_t address_list_mismatch = 0;  // §7.1 "MAY verify" failed and the sender is not the owner
  uint64_t not_running = 0;            // received in Initialize

  uint64_t rx_error(RxError e) const { return rx_errors[static_cast<size_t>(e)]; }
  uint64_t dropped() const;  // sum of every drop counter above
};

class VrrpRouter {
 public:
  // Fails (see validate) on a bad config. The router starts in Initialize.
  static Expected<VrrpRouter> create(VrrpConfig config);

  Actions start(TimePoint now);
  Actions shutdown(TimePoint now);
  Actions on_timer(TimePoint now);
  // A datagram as the socket layer gives it: decoded with the codec (rejects are counted), then on_advert.
  Actions on_packet(TimePoint now, const IpMeta& ip, std::span<const uint8_t> message, const RxOptions& rx = {});
  // A whole IPv4 datagram as an IPPROTO_VRRP raw socket returns it (decode_ipv4_packet; rejects are
  // counted), then on_advert.
  Actions on_ipv4_datagram(TimePoint now, std::span<const uint8_t> datagram, const RxOptions& rx = {});
  // An advert the codec already accepted (IP- and VRRP-layer checks passed).
  Actions on_advert(TimePoint now, const ReceivedAdvert& rx);

  // When on_timer must next be called (nullopt in Initialize). Calling it earlier is harmless.
  std::optional<TimePoint> next_deadline() const;

  State state() const { return state_; }
  const VrrpConfig& config() const { return config_; }
  const VrrpStats& stats() const { return stats_; }
  bool is_owner() const { return config_.priority == kPriorityOwner; }
  // Master and (the owner or Accept_Mode): the daemon delivers packets addressed to the virtual
  // addresses locally (§6.4.3); otherwise it must not.
  bool accepts_traffic() const { return state_ == State::kMaster && (is_owner() || config_.accept); }

  Duration advertisement_interval() const { return centiseconds(config_.advert_interval_cs); }
  uint16_t master_adver_interval_cs() const { return master_adver_interval_cs_; }
  Duration master_adver_interval() const { return centiseconds(master_adver_interval_cs_); }
  Duration skew_time() const { return election::skew_time(config_.priority, master_adver_interval_cs_); }
  Duration master_down_interval() const {
    return election::master_down_interval(config_.priority, master_adver_interval_cs_);
  }
  const std::optional<TimePoint>& master_down_timer() const { return master_down_timer_; }
  const std::optional<TimePoint>& adver_timer() const { return adver_timer_; }
  // The current Master as last heard (ourselves while Master); nullopt after a priority-0 advert or
  // before any advert was accepted.
  const std::optional<MasterInfo>& master() const { return master_; }

  // The advert this router sends with `priority` (its own, or 0 when leaving).
  Advert make_advert(uint8_t priority) const;

 private:
  explicit VrrpRouter(VrrpConfig config);

  void send_advert(uint8_t priority, Reason reason, Actions& out);
  void become_master(TimePoint now, Reason reason, Actions& out);
  void become_backup(TimePoint now, const ReceivedAdvert& rx, Reason reason, Actions& out);
  void learn_master(TimePoint now, const ReceivedAdvert& rx);
  bool same_addresses(const std::vector<IpAddress>& other) const;

  VrrpConfig config_;
  State state_ = State::kInitialize;
  uint16_t master_adver_interval_cs_;
  std::optional<TimePoint> adver_timer_;
  std::optional<TimePoint> master_down_timer_;
  std::optional<MasterInfo> master_;
  VrrpStats stats_;
};

}  // namespace conductor::election
