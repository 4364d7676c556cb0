#include "host/cluster/autoscaler.hpp"

#include <algorithm>
#include <cstdio>

namespace conductor::cluster {

namespace {

constexpr size_t kHistory = 64;

std::string id_text(MemberId id) { return std::to_string(id.site) + "/" + std::to_string(id.member); }

std::string secs(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1e6);
  return buf;
}

std::string rate(double bps) {
  char buf[32];
  if (bps >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2f Gbps", bps / 1e9);
  else if (bps >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f Mbps", bps / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f bps", bps);
  return buf;
}

std::string pct(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", p);
  return buf;
}

Duration since(TimePoint now, TimePoint t) { return std::chrono::duration_cast<Duration>(now - t); }

}  // namespace

std::string_view scale_action_name(ScaleAction::Kind k) {
  switch (k) {
    case ScaleAction::Kind::kSetWeight:
      return "set-weight";
    case ScaleAction::Kind::kAddMember:
      return "add-member";
    case ScaleAction::Kind::kStartFullSync:
      return "start-full-sync";
    case ScaleAction::Kind::kRemoveMember:
      return "remove-member";
  }
  return "?";
}

std::string_view decision_name(ScaleDecision::Kind k) {
  return k == ScaleDecision::Kind::kScaleOut ? "scale-out" : "scale-in";
}

Expected<Autoscaler> Autoscaler::create(config::Autoscale policy, std::vector<MemberId> members,
                                        AutoscaleOptions options, TimePoint now) {
  (void)now;
  Autoscaler a(std::move(policy), std::move(members), std::move(options));
  if (auto s = a.reconfigure(a.policy_, a.options_); !s) return s.error();
  return a;
}

Status Autoscaler::reconfigure(config::Autoscale policy, AutoscaleOptions options) {
  const std::string g = "autoscale " + policy.group + ": ";
  if (policy.min_members < 1 || policy.min_members > policy.max_members)
    return make_error(Errc::kInvalidArgument, g + "min-members " + std::to_string(policy.min_members) +
                                                  " must be in 1..max-members " + std::to_string(policy.max_members));
  if (policy.scale_in_cpu_percent >= policy.scale_out_cpu_percent)
    return make_error(Errc::kInvalidArgument, g + "scale-in-cpu must be below scale-out-cpu");
  if (policy.scale_out_bps.has_value() != policy.scale_in_bps.has_value())
    return make_error(Errc::kInvalidArgument, g + "throughput thresholds come in pairs");
  if (policy.scale_out_bps && *policy.scale_in_bps >= *policy.scale_out_bps)
    return make_error(Errc::kInvalidArgument, g + "scale-in-throughput must be below scale-out-throughput");
  for (MemberId s : policy.spares)
    if (std::find(members_.begin(), members_.end(), s) != members_.end() &&
        std::find(joined_.begin(), joined_.end(), s) == joined_.end())
      return make_error(Errc::kInvalidArgument, g + "spare " + id_text(s) + " is already a member of the group");
  policy_ = std::move(policy);
  options_ = std::move(options);
  return ok_status();
}

bool Autoscaler::in_group(MemberId id) const {
  return std::find(members_.begin(), members_.end(), id) != members_.end();
}

uint16_t Autoscaler::weight_of(MemberId id) const {
  auto it = options_.weights.find(id);
  return it == options_.weights.end() ? 100 : it->second;
}

ScaleAction Autoscaler::act(ScaleAction::Kind k, MemberId m, uint16_t w, std::string reason) const {
  return ScaleAction{k, policy_.group, m, w, std::move(reason)};
}

void Autoscaler::record(TimePoint now, ScaleDecision::Kind k, MemberId m, uint32_t before, uint32_t after,
                        std::string reason) {
  decisions_.push_back(ScaleDecision{k, now, m, before, after, std::move(reason)});
  while (decisions_.size() > kHistory) decisions_.pop_front();
  last_decision_ = now;
  high_since_.reset();
  low_since_.reset();
  blocked_.clear();
  (k == ScaleDecision::Kind::kScaleOut ? scale_outs_ : scale_ins_)++;
}

void Autoscaler::on_report(TimePoint now, MemberId id, const Load& load) { reports_[id] = Report{now, load}; }

ScaleActions Autoscaler::on_member_health(TimePoint now, MemberId id, bool up) {
  ScaleActions out;
  if (up) {
    alive_.insert(id);
    return out;
  }
  alive_.erase(id);
  reports_.erase(id);
  if (phase_member_ && *phase_member_ == id) {
    if (phase_ == Phase::kDraining) {
      finish_scale_in(now, "draining member " + id_text(id) + " is down: its backups hold its connections", out);
    } else if (phase_ == Phase::kSyncing) {
      // It never got weight; take it out again.
      members_.erase(std::find(members_.begin(), members_.end(), id));
      joined_.erase(std::remove(joined_.begin(), joined_.end(), id), joined_.end());
      out.push_back(act(ScaleAction::Kind::kRemoveMember, id, 0,
                        "joining member " + id_text(id) + " went down during its full sync: back to the pool"));
      phase_ = Phase::kIdle;
      phase_member_.reset();
    }
  }
  return out;
}

ScaleActions Autoscaler::on_sync_done(TimePoint now, MemberId id) {
  ScaleActions out;
  if (phase_ != Phase::kSyncing || !phase_member_ || *phase_member_ != id) return out;
  out.push_back(
      act(ScaleAction::Kind::kSetWeight, id, weight_of(id),
          "full sync of " + id_text(id) + " done after " + secs(since(now, phase_start_)) + ": takes new connections"));
  phase_ = Phase::kIdle;
  phase_member_.reset();
  return out;
}

void Autoscaler::finish_scale_in(TimePoint now, std::string reason, ScaleActions& out) {
  (void)now;
  const MemberId id = *phase_member_;
  members_.erase(std::find(members_.begin(), members_.end(), id));
  joined_.erase(std::remove(joined_.begin(), joined_.end(), id), joined_.end());
  out.push_back(act(ScaleAction::Kind::kRemoveMember, id, 0, std::move(reason)));
  phase_ = Phase::kIdle;
  phase_member_.reset();
}

ScaleActions Autoscaler::on_timer(TimePoint now) {
  ScaleActions out;
  // 1. A running operation.
  if (phase_ == Phase::kSyncing && since(now, phase_start_) >= options_.sync_timeout) {
    const MemberId id = *phase_member_;
    out.push_back(act(ScaleAction::Kind::kSetWeight, id, weight_of(id),
                      "full sync of " + id_text(id) + " not confirmed within " + secs(options_.sync_timeout) +
                          ": takes new connections anyway (it holds no backup state yet)"));
    phase_ = Phase::kIdle;
    phase_member_.reset();
  } else if (phase_ == Phase::kDraining) {
    const MemberId id = *phase_member_;
    auto r = reports_.find(id);
    if (r != reports_.end() && r->second.at > phase_start_ && r->second.load.connections == 0) {
      finish_scale_in(now, "drained: " + id_text(id) + " reports 0 connections after " + secs(since(now, phase_start_)),
                      out);
    } else if (since(now, phase_start_) >= options_.drain_timeout) {
      const uint32_t left = r != reports_.end() ? r->second.load.connections : 0;
      finish_scale_in(now,
                      "drain timeout " + secs(options_.drain_timeout) + ": " + std::to_string(left) +
                          " connections left on " + id_text(id) + " go to their backups",
                      out);
    }
  }

  // 2. The group's load.
  GroupLoad l;
  double cpu = 0, bps = 0;
  for (MemberId m : members_) {
    if (!alive(m) || (phase_member_ && *phase_member_ == m)) continue;
    auto r = reports_.find(m);
    if (r == reports_.end()) continue;
    ++l.reporting;
    cpu += r->second.load.cpu_percent();
    bps += static_cast<double>(r->second.load.bps);
  }
  if (l.reporting == 0) {
    load_ = l;
    high_since_.reset();
    low_since_.reset();
    return out;
  }
  l.cpu_percent = cpu / l.reporting;
  l.bps = bps / l.reporting;
  const bool cpu_high = l.cpu_percent > policy_.scale_out_cpu_percent;
  const bool bps_high = policy_.scale_out_bps && l.bps > static_cast<double>(*policy_.scale_out_bps);
  l.high = cpu_high || bps_high;
  l.low = l.cpu_percent < policy_.scale_in_cpu_percent &&
          (!policy_.scale_in_bps || l.bps < static_cast<double>(*policy_.scale_in_bps));
  load_ = l;
  if (l.high) {
    if (!high_since_) high_since_ = now;
  } else
    high_since_.reset();
  if (l.low) {
    if (!low_since_) low_since_ = now;
  } else
    low_since_.reset();

  // 3. A decision.
  if (!policy_.enabled || phase_ != Phase::kIdle) return out;
  if (last_decision_ && since(now, *last_decision_) < policy_.cooldown) return out;
  const uint32_t size = static_cast<uint32_t>(members_.size());
  auto load_text = [&] {
    std::string t = "cpu " + pct(l.cpu_percent);
    if (policy_.scale_out_bps) t += ", throughput " + rate(l.bps);
    return t + " (average of " + std::to_string(l.reporting) + " members)";
  };
  if (high_since_ && since(now, *high_since_) >= policy_.scale_out_after) {
    std::string why = load_text() + " above ";
    why += cpu_high ? "scale-out-cpu " + std::to_string(policy_.scale_out_cpu_percent) + "%"
                    : "scale-out-throughput " + rate(static_cast<double>(*policy_.scale_out_bps));
    why += " for " + secs(since(now, *high_since_));
    if (size >= policy_.max_members) {
      blocked_ = why + ", but the group is at max-members " + std::to_string(policy_.max_members);
      return out;
    }
    std::optional<MemberId> spare;
    for (MemberId s : policy_.spares)
      if (!in_group(s) && alive(s)) {
        spare = s;
        break;
      }
    if (!spare) {
      blocked_ = why + ", but no spare of the pool is alive";
      return out;
    }
    const MemberId s = *spare;
    const std::string reason = "scale-out: " + why + ": spare " + id_text(s) + " joins (" + std::to_string(size) +
                               " -> " + std::to_string(size + 1) + " members, max " +
                               std::to_string(policy_.max_members) + ")";
    record(now, ScaleDecision::Kind::kScaleOut, s, size, size + 1, reason);
    members_.push_back(s);
    joined_.push_back(s);
    phase_ = Phase::kSyncing;
    phase_member_ = s;
    phase_start_ = now;
    out.push_back(act(ScaleAction::Kind::kSetWeight, s, 0, reason + "; weight 0 until its full sync is done"));
    out.push_back(act(ScaleAction::Kind::kAddMember, s, 0, reason));
    out.push_back(act(ScaleAction::Kind::kStartFullSync, s, 0, reason + "; full sync before it gets weight"));
    return out;
  }
  if (low_since_ && since(now, *low_since_) >= policy_.scale_in_after) {
    std::string why = load_text() + " below scale-in-cpu " + std::to_string(policy_.scale_in_cpu_percent) + "%";
    if (policy_.scale_in_bps) why += " and scale-in-throughput " + rate(static_cast<double>(*policy_.scale_in_bps));
    why += " for " + secs(since(now, *low_since_));
    if (size <= policy_.min_members) {
      blocked_ = why + ", but the group is at min-members " + std::to_string(policy_.min_members);
      return out;
    }
    const MemberId v = !joined_.empty() ? joined_.back() : members_.back();
    const std::string reason = "scale-in: " + why + ": " + id_text(v) + " drains and leaves (" + std::to_string(size) +
                               " -> " + std::to_string(size - 1) + " members, min " +
                               std::to_string(policy_.min_members) + ")";
    record(now, ScaleDecision::Kind::kScaleIn, v, size, size - 1, reason);
    phase_ = Phase::kDraining;
    phase_member_ = v;
    phase_start_ = now;
    out.push_back(act(ScaleAction::Kind::kSetWeight, v, 0, reason + "; weight 0, no new connections"));
    return out;
  }
  return out;
}

std::string Autoscaler::describe(TimePoint now) const {
  std::string s = "group " + policy_.group + ": " + (policy_.enabled ? "enabled" : "disabled") + ", " +
                  std::to_string(members_.size()) + " members (min " + std::to_string(policy_.min_members) + ", max " +
                  std::to_string(policy_.max_members) + ")";
  s += "\n  members:";
  for (MemberId m : members_) {
    s += ' ';
    s += id_text(m);
  }
  s += "\n  spares:";
  for (MemberId m : policy_.spares) {
    s += ' ';
    s += id_text(m);
    s += in_group(m) ? "(in group)" : alive(m) ? "(alive)" : "(not alive)";
  }
  s += "\n  thresholds: scale-out cpu > " + std::to_string(policy_.scale_out_cpu_percent) + "%";
  if (policy_.scale_out_bps) s += " or throughput > " + rate(static_cast<double>(*policy_.scale_out_bps));
  s += " for " + secs(policy_.scale_out_after) + "; scale-in cpu < " + std::to_string(policy_.scale_in_cpu_percent) +
       "%";
  if (policy_.scale_in_bps) s += " and throughput < " + rate(static_cast<double>(*policy_.scale_in_bps));
  s += " for " + secs(policy_.scale_in_after) + "; cooldown " + secs(policy_.cooldown);
  s += "\n  load: ";
  if (load_.reporting == 0)
    s += "no reports";
  else
    s += "cpu " + pct(load_.cpu_percent) + ", throughput " + rate(load_.bps) + " over " +
         std::to_string(load_.reporting) + " members" +
         (load_.high  ? " (HIGH"
          : load_.low ? " (LOW"
                      : " (between");
  if (load_.reporting) {
    if (high_since_) s += " for " + secs(since(now, *high_since_));
    if (low_since_) s += " for " + secs(since(now, *low_since_));
    s += ")";
  }
  s += "\n  phase: ";
  s += phase_ == Phase::kIdle ? "idle" : phase_ == Phase::kSyncing ? "syncing " : "draining ";
  if (phase_member_) s += id_text(*phase_member_) + " for " + secs(since(now, phase_start_));
  if (last_decision_) {
    const Duration d = since(now, *last_decision_);
    s += "\n  cooldown: " + (d < policy_.cooldown ? secs(policy_.cooldown - d) + " left" : std::string("over"));
  }
  if (!blocked_.empty()) s += "\n  blocked: " + blocked_;
  s += "\n  decisions: " + std::to_string(scale_outs_) + " out, " + std::to_string(scale_ins_) + " in";
  for (const auto& d : decisions_)
    s += "\n    -" + secs(since(now, d.at)) + " " + std::string(decision_name(d.kind)) + " " + id_text(d.member) +
         ": " + d.reason;
  return s;
}

}  // namespace conductor::cluster
