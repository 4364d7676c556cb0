// The orchestrator's side of cluster membership, still without I/O: heartbeat datagrams, operator
// commands and a clock in; one ordered list of data-plane actions, each with its reason, out.
// It owns the Liveness machine (members), the SiteMonitor (sites, ActiveSite) and one Autoscaler per
// [autoscale] policy, and wires them together:
//
//   datagram --decode_heartbeat--> Liveness --member up/down--> SiteMonitor, Autoscalers
//                                      \--load-------------------------------> Autoscalers
//   on_timer: Liveness deadlines, then (every heartbeat-interval) the Autoscalers
//
// conductord's cluster service (host/conductord/cluster_service.cpp) feeds it from its UDP socket
// and event loop and carries out the actions through the Controller; tests drive it with a fake clock.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/cluster/autoscaler.hpp"
#include "host/cluster/heartbeat_wire.hpp"
#include "host/cluster/liveness.hpp"
#include "host/cluster/site_monitor.hpp"
#include "host/config/cluster_config.hpp"

namespace conductor::cluster {

struct CoreOptions {
  uint32_t rise = 2;
  uint32_t flap_limit = 3;
  Duration flap_window = std::chrono::seconds{30};
  Duration hold_down = std::chrono::seconds{3};
  bool failback = false;
  Duration sync_timeout = std::chrono::seconds{30};
  Duration drain_timeout = std::chrono::seconds{60};
};

struct CoreAction {
  enum class Kind : uint8_t {
    kMemberHealth,   // member, up: Controller::set_member_health
    kSiteOnline,     // site, up: Controller::set_site_online
    kActiveSite,     // site: the new ActiveSite
    kSetWeight,      // member, weight
    kAddMember,      // group, member
    kStartFullSync,  // member: a full HyperSync to the joining member (sync_done() when it is over)
    kRemoveMember,   // group, member
  };
  Kind kind = Kind::kMemberHealth;
  MemberId member{};
  uint8_t site = 0;
  bool up = false;
  uint16_t weight = 0;
  std::string group;
  std::string reason;
  Duration silent_for{0};  // kMemberHealth down: detection time after the last heartbeat
};
using CoreActions = std::vector<CoreAction>;
std::string_view core_action_name(CoreAction::Kind k);

class ClusterCore {
 public:
  static Expected<ClusterCore> create(const config::ClusterConfig& config, CoreOptions options, TimePoint now);

  // A UDP payload from the heartbeat socket. Rejects are counted by reason; the last one is kept.
  CoreActions on_datagram(TimePoint now, std::span<const uint8_t> bytes);
  CoreActions on_heartbeat(TimePoint now, const Heartbeat& hb);
  CoreActions on_timer(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  CoreActions set_site_admin_offline(TimePoint now, uint8_t site, bool offline);
  CoreActions on_orchestrators(TimePoint now, uint8_t site, bool alive);
  CoreActions on_sync_done(TimePoint now, MemberId id);
  // SIGHUP: new timers, members, policies, key. Kept members keep their state.
  Expected<CoreActions> reload(const config::ClusterConfig& config, TimePoint now);

  const Liveness& liveness() const { return *liveness_; }
  const SiteMonitor& sites() const { return *sites_; }
  const std::map<std::string, Autoscaler>& autoscalers() const { return autoscalers_; }
  const std::array<uint64_t, kHeartbeatRejectCount>& rejects() const { return rejects_; }
  const std::string& last_reject() const { return last_reject_; }
  uint64_t member_failovers() const { return member_failovers_; }
  std::optional<Duration> last_detection() const { return last_detection_; }

  // Text for conductorctl.
  std::string show_members(TimePoint now) const;
  std::string show_sites(TimePoint now) const;
  std::string show_autoscale(TimePoint now) const;

 private:
  ClusterCore() = default;
  void apply_liveness(TimePoint now, const LivenessEvents& ev, CoreActions& out);
  void apply_sites(const SiteActions& a, CoreActions& out);
  void apply_scale(const ScaleActions& a, CoreActions& out);
  static SiteMonitorConfig site_config(const config::ClusterConfig& c, const CoreOptions& o);
  static LivenessConfig liveness_config(const config::ClusterConfig& c, const CoreOptions& o);
  Status build_autoscalers(const config::ClusterConfig& c, TimePoint now);

  CoreOptions options_;
  sync::SipKey key_{};
  Duration tick_{std::chrono::milliseconds{50}};
  TimePoint next_tick_{};
  std::optional<Liveness> liveness_;
  std::optional<SiteMonitor> sites_;
  std::map<std::string, Autoscaler> autoscalers_;
  std::array<uint64_t, kHeartbeatRejectCount> rejects_{};
  std::string last_reject_;
  uint64_t member_failovers_ = 0;
  std::optional<Duration> last_detection_;
};

}  // namespace conductor::cluster
