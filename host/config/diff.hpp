// What changed between two configurations, and whether each change can be applied to a running
// daemon (SIGHUP reload) or needs a restart.
//
//   ConfigDiff d = diff(running, reloaded);
//   for (const Change& c : d.changes) log(c.to_string());   // "[member 0/3] weight: 100 -> 200 (live)"
//   if (d.needs_restart()) warn("some changes wait for a restart");
//   for (const std::string& g : d.rebalance) allocator(g).set_weights(reloaded.weights_of(*reloaded.group(g)));
//
// Live: weights, admin state, group membership, member addresses, auto-scaling, timers, VRRP
// timing/priority/preemption/virtual addresses, sync key/delay/flush/MTU, the hash (the flow table's
// correction layer keeps existing connections on their owners while buckets move), log level.
// Restart: the device, the control socket and metrics endpoint, the sync port, the heartbeat port,
// a site or orchestrator added or removed, an orchestrator's site, address or interface, a site's
// VRID, a group's id.
// The table that says which is which is one place: render.cpp, next to how each key is written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/config/cluster_config.hpp"

namespace conductor::config {

enum class Apply : uint8_t { kLive, kRestart };
std::string_view apply_name(Apply a);  // "live", "restart"

enum class ChangeKind : uint8_t { kAdded, kRemoved, kChanged };

enum class Subject : uint8_t {
  kCluster,
  kSite,
  kOrchestrator,
  kMember,
  kGroup,
  kAutoscale,
  kTimers,
  kSync,
  kControl,
  kDevice,
  kHash
};

struct Change {
  Subject subject = Subject::kCluster;
  ChangeKind kind = ChangeKind::kChanged;
  std::string section{};  // as in the file: "[member 0/3]", "[sync]"
  std::string key{};      // kChanged: the key ("weight"); empty for kAdded / kRemoved
  std::string before{};   // kChanged: old and new values as written in the file ("" = not set);
  std::string after{};    //   "(secret)" for the sync key
  Apply apply = Apply::kLive;
  std::optional<MemberId> member{};  // Subject::kMember
  std::string name{};                // orchestrator, group or autoscale group name; site id

  // "[member 0/3] weight: 100 -> 200 (live)", "[member 0/5] added (live)"
  std::string to_string() const;
  friend bool operator==(const Change&, const Change&) = default;
};

struct ConfigDiff {
  // Sections in to_text() order; within a kind, removed entries first, then added and changed ones
  // in the new configuration's order; keys in the order the documentation lists them.
  std::vector<Change> changes{};
  std::vector<std::string> rebalance{};  // groups whose weights_of() differ (new and removed groups excluded)

  bool empty() const { return changes.empty(); }
  bool needs_restart() const;
  std::vector<Change> live() const;
  std::vector<Change> restart() const;
};

ConfigDiff diff(const ClusterConfig& old, const ClusterConfig& now);

// What a running daemon applies on reload: `now` with every restart-only value taken from `old`
// (the device, the control socket, its group and the metrics endpoint, the sync and heartbeat
// ports, the set of sites and orchestrators, sites' VRIDs, orchestrators' site, address and
// interface, the ids of groups that exist in both). diff(old, apply_live(old, now)) has no restart
// changes.
ClusterConfig apply_live(const ClusterConfig& old, const ClusterConfig& now);

}  // namespace conductor::config
