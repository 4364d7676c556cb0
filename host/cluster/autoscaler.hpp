// Auto-scaling of one security group: load reports, member health and a clock in, ordered actions
// out, each with its reason (docs/architecture.md rule 4; docs/cluster.md, "Auto-scaling").
//
// Policy ([autoscale GROUP], host/config): loads are averaged over the group's members that are
// alive and have reported. The group is HIGH when the average CPU is above scale-out-cpu or (when
// set) the average throughput is above scale-out-throughput; it is LOW when the CPU is below
// scale-in-cpu and (when set) the throughput is below scale-in-throughput. Between the two
// thresholds it is neither: that gap is the hysteresis. Conditions are sampled at on_timer():
//
//   scale out  when HIGH held at every sample for scale-out-after, size < max-members and a spare is
//              alive: the first alive spare of the pool (in preference order) joins:
//                set weight 0 -> add to group -> start full sync ... sync done (or sync_timeout)
//                -> set its configured weight
//   scale in   when LOW held for scale-in-after and size > min-members: the member that joined last
//              from the pool (else the group's last member) is drained:
//                set weight 0 ... its reported connections reach 0 (a report after the drain began)
//                or drain_timeout, or it dies -> remove from group (back to the pool)
//
// At most one operation runs at a time, no decision is taken while one runs, and no decision is
// taken within `cooldown` of the previous decision. A decision resets both hold timers (the group
// changed, so its average will). With `enabled = false` nothing is decided. Every decision keeps
// its reason (for logs and `show autoscale`); a HIGH/LOW that cannot act (at max, no spare alive,
// at min) is recorded as `blocked` with its reason, without an action.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/cluster/liveness.hpp"
#include "host/config/cluster_config.hpp"

namespace conductor::cluster {

struct AutoscaleOptions {
  Duration sync_timeout = std::chrono::seconds{30};   // full sync of a joining spare
  Duration drain_timeout = std::chrono::seconds{60};  // a draining member's connections to reach 0
  std::map<MemberId, uint16_t> weights{};             // weight a member gets when it joins (default 100)
};

struct ScaleAction {
  enum class Kind : uint8_t { kSetWeight, kAddMember, kStartFullSync, kRemoveMember };
  Kind kind = Kind::kSetWeight;
  std::string group;
  MemberId member{};
  uint16_t weight = 0;  // kSetWeight
  std::string reason;
  friend bool operator==(const ScaleAction&, const ScaleAction&) = default;
};
using ScaleActions = std::vector<ScaleAction>;
std::string_view scale_action_name(ScaleAction::Kind k);

struct ScaleDecision {
  enum class Kind : uint8_t { kScaleOut, kScaleIn };
  Kind kind = Kind::kScaleOut;
  TimePoint at{};
  MemberId member{};
  uint32_t size_before = 0;
  uint32_t size_after = 0;
  std::string reason;
};
std::string_view decision_name(ScaleDecision::Kind k);

struct GroupLoad {
  uint32_t reporting = 0;  // alive members with a report
  double cpu_percent = 0;
  double bps = 0;
  bool high = false;
  bool low = false;
};

class Autoscaler {
 public:
  enum class Phase : uint8_t { kIdle, kSyncing, kDraining };

  // `members`: the group's members now. Fails if the policy is inconsistent with them.
  static Expected<Autoscaler> create(config::Autoscale policy, std::vector<MemberId> members, AutoscaleOptions options,
                                     TimePoint now);

  void on_report(TimePoint now, MemberId id, const Load& load);
  ScaleActions on_member_health(TimePoint now, MemberId id, bool alive);
  ScaleActions on_sync_done(TimePoint now, MemberId id);
  ScaleActions on_timer(TimePoint now);

  // Reload: a new policy and options; membership, phase and history are kept.
  Status reconfigure(config::Autoscale policy, AutoscaleOptions options);

  const std::string& group() const { return policy_.group; }
  const config::Autoscale& policy() const { return policy_; }
  const std::vector<MemberId>& members() const { return members_; }
  Phase phase() const { return phase_; }
  std::optional<MemberId> phase_member() const { return phase_member_; }
  const GroupLoad& last_load() const { return load_; }
  std::optional<TimePoint> high_since() const { return high_since_; }
  std::optional<TimePoint> low_since() const { return low_since_; }
  std::optional<TimePoint> last_decision() const { return last_decision_; }
  const std::deque<ScaleDecision>& decisions() const { return decisions_; }
  const std::string& blocked() const { return blocked_; }
  uint64_t scale_outs() const { return scale_outs_; }
  uint64_t scale_ins() const { return scale_ins_; }
  // One-paragraph state for `show autoscale`.
  std::string describe(TimePoint now) const;

 private:
  Autoscaler(config::Autoscale p, std::vector<MemberId> m, AutoscaleOptions o)
      : policy_(std::move(p)), members_(std::move(m)), options_(std::move(o)) {}
  bool alive(MemberId id) const { return alive_.count(id) > 0; }
  bool in_group(MemberId id) const;
  uint16_t weight_of(MemberId id) const;
  ScaleAction act(ScaleAction::Kind k, MemberId m, uint16_t w, std::string reason) const;
  void finish_scale_in(TimePoint now, std::string reason, ScaleActions& out);
  void record(TimePoint now, ScaleDecision::Kind k, MemberId m, uint32_t before, uint32_t after, std::string reason);

  config::Autoscale policy_;
  std::vector<MemberId> members_;
  AutoscaleOptions options_;
  std::set<MemberId> alive_;
  struct Report {
    TimePoint at;
    Load load;
  };
  std::map<MemberId, Report> reports_;
  std::vector<MemberId> joined_;  // members that came from the pool, in join order
  Phase phase_ = Phase::kIdle;
  std::optional<MemberId> phase_member_;
  TimePoint phase_start_{};
  GroupLoad load_{};
  std::optional<TimePoint> high_since_, low_since_, last_decision_;
  std::deque<ScaleDecision> decisions_;
  std::string blocked_;
  uint64_t scale_outs_ = 0, scale_ins_ = 0;
};

}  // namespace conductor::cluster
