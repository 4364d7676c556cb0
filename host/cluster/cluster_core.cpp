#include "host/cluster/cluster_core.hpp"

#include <cstdio>

namespace conductor::cluster {

namespace {

std::string id_text(MemberId id) { return std::to_string(id.site) + "/" + std::to_string(id.member); }

std::string ago(TimePoint now, TimePoint t) {
  return format_ms(std::chrono::duration_cast<Duration>(now - t)) + " ago";
}

}  // namespace

std::string_view core_action_name(CoreAction::Kind k) {
  switch (k) {
    case CoreAction::Kind::kMemberHealth:
      return "member-health";
    case CoreAction::Kind::kSiteOnline:
      return "site-online";
    case CoreAction::Kind::kActiveSite:
      return "active-site";
    case CoreAction::Kind::kSetWeight:
      return "set-weight";
    case CoreAction::Kind::kAddMember:
      return "add-member";
    case CoreAction::Kind::kStartFullSync:
      return "start-full-sync";
    case CoreAction::Kind::kRemoveMember:
      return "remove-member";
  }
  return "?";
}

LivenessConfig ClusterCore::liveness_config(const config::ClusterConfig& c, const CoreOptions& o) {
  return LivenessConfig{.interval = c.timers.heartbeat_interval,
                        .timeout = c.timers.heartbeat_timeout,
                        .rise = o.rise,
                        .flap_limit = o.flap_limit,
                        .flap_window = o.flap_window,
                        .hold_down = o.hold_down};
}

SiteMonitorConfig ClusterCore::site_config(const config::ClusterConfig& c, const CoreOptions& o) {
  SiteMonitorConfig s{.preferred_active = c.cluster.active_site, .failback = o.failback};
  for (const auto& site : c.sites) s.sites.push_back(site.id);
  for (const auto& m : c.members) s.members[m.id] = m.id.site;
  return s;
}

Status ClusterCore::build_autoscalers(const config::ClusterConfig& c, TimePoint now) {
  std::map<std::string, Autoscaler> next;
  for (const auto& p : c.autoscale) {
    const config::SecurityGroup* g = c.group(p.group);
    if (!g) return make_error(Errc::kInvalidArgument, "autoscale " + p.group + ": no such security group");
    AutoscaleOptions o{.sync_timeout = options_.sync_timeout, .drain_timeout = options_.drain_timeout};
    for (const auto& m : c.members) o.weights[m.id] = m.weight;
    auto it = autoscalers_.find(p.group);
    if (it != autoscalers_.end()) {
      if (auto s = it->second.reconfigure(p, o); !s) return s;
      next.emplace(p.group, std::move(it->second));
    } else {
      auto a = Autoscaler::create(p, g->members, o, now);
      if (!a) return a.error();
      // Members the liveness machine already knows are up.
      if (liveness_)
        for (const auto& [id, m] : liveness_->members())
          if (m.health == Health::kUp) a->on_member_health(now, id, true);
      next.emplace(p.group, std::move(*a));
    }
  }
  autoscalers_ = std::move(next);
  return ok_status();
}

Expected<ClusterCore> ClusterCore::create(const config::ClusterConfig& c, CoreOptions options, TimePoint now) {
  ClusterCore core;
  core.options_ = options;
  core.key_ = c.sync.key;
  core.tick_ = c.timers.heartbeat_interval;
  core.next_tick_ = now + core.tick_;
  std::vector<MemberId> ids;
  for (const auto& m : c.members) ids.push_back(m.id);
  auto l = Liveness::create(liveness_config(c, options), ids, now);
  if (!l) return l.error();
  core.liveness_.emplace(std::move(*l));
  core.sites_.emplace(site_config(c, options), now);
  if (auto s = core.build_autoscalers(c, now); !s) return s.error();
  return core;
}

Expected<CoreActions> ClusterCore::reload(const config::ClusterConfig& c, TimePoint now) {
  std::vector<MemberId> ids;
  for (const auto& m : c.members) ids.push_back(m.id);
  if (auto s = liveness_->reconfigure(liveness_config(c, options_), ids, now); !s) return s.error();
  if (auto s = build_autoscalers(c, now); !s) return s.error();
  key_ = c.sync.key;
  tick_ = c.timers.heartbeat_interval;
  CoreActions out;
  apply_sites(sites_->reconfigure(now, site_config(c, options_)), out);
  return out;
}

void ClusterCore::apply_sites(const SiteActions& a, CoreActions& out) {
  for (const auto& x : a) {
    CoreAction c;
    c.kind = x.kind == SiteAction::Kind::kSetSiteOnline ? CoreAction::Kind::kSiteOnline : CoreAction::Kind::kActiveSite;
    c.site = x.site;
    c.up = x.online;
    c.reason = x.reason;
    out.push_back(std::move(c));
  }
}

void ClusterCore::apply_scale(const ScaleActions& a, CoreActions& out) {
  for (const auto& x : a) {
    CoreAction c;
    switch (x.kind) {
      case ScaleAction::Kind::kSetWeight:
        c.kind = CoreAction::Kind::kSetWeight;
        break;
      case ScaleAction::Kind::kAddMember:
        c.kind = CoreAction::Kind::kAddMember;
        break;
      case ScaleAction::Kind::kStartFullSync:
        c.kind = CoreAction::Kind::kStartFullSync;
        break;
      case ScaleAction::Kind::kRemoveMember:
        c.kind = CoreAction::Kind::kRemoveMember;
        break;
    }
    c.member = x.member;
    c.site = x.member.site;
    c.weight = x.weight;
    c.group = x.group;
    c.reason = x.reason;
    out.push_back(std::move(c));
  }
}

void ClusterCore::apply_liveness(TimePoint now, const LivenessEvents& ev, CoreActions& out) {
  for (const auto& e : ev) {
    CoreAction c;
    c.kind = CoreAction::Kind::kMemberHealth;
    c.member = e.member;
    c.site = e.member.site;
    c.up = e.health == Health::kUp;
    c.reason = e.reason;
    c.silent_for = e.silent_for;
    if (!c.up) {
      ++member_failovers_;
      last_detection_ = e.silent_for;
    }
    out.push_back(std::move(c));
    apply_sites(sites_->on_member_health(now, e.member, e.health), out);
    for (auto& [g, a] : autoscalers_) apply_scale(a.on_member_health(now, e.member, c.up), out);
  }
}

CoreActions ClusterCore::on_datagram(TimePoint now, std::span<const uint8_t> bytes) {
  auto d = decode_heartbeat(bytes, key_);
  if (!d) {
    ++rejects_[static_cast<size_t>(d.error().reason)];
    last_reject_ = d.error().message;
    return {};
  }
  return on_heartbeat(now, *d);
}

CoreActions ClusterCore::on_heartbeat(TimePoint now, const Heartbeat& hb) {
  CoreActions out;
  const uint64_t before = liveness_->stats().accepted;
  auto ev = liveness_->on_heartbeat(now, hb);
  if (liveness_->stats().accepted != before)
    for (auto& [g, a] : autoscalers_) a.on_report(now, hb.member, hb.load);
  apply_liveness(now, ev, out);
  return out;
}

CoreActions ClusterCore::on_timer(TimePoint now) {
  CoreActions out;
  apply_liveness(now, liveness_->on_timer(now), out);
  if (now >= next_tick_) {
    for (auto& [g, a] : autoscalers_) apply_scale(a.on_timer(now), out);
    next_tick_ += tick_;
    if (next_tick_ <= now) next_tick_ = now + tick_;
  }
  return out;
}

std::optional<TimePoint> ClusterCore::next_deadline() const {
  std::optional<TimePoint> d = liveness_->next_deadline();
  if (!autoscalers_.empty() && (!d || next_tick_ < *d)) d = next_tick_;
  return d;
}

CoreActions ClusterCore::set_site_admin_offline(TimePoint now, uint8_t site, bool offline) {
  CoreActions out;
  apply_sites(sites_->set_admin_offline(now, site, offline), out);
  return out;
}

CoreActions ClusterCore::on_orchestrators(TimePoint now, uint8_t site, bool alive) {
  CoreActions out;
  apply_sites(sites_->on_orchestrators(now, site, alive), out);
  return out;
}

CoreActions ClusterCore::on_sync_done(TimePoint now, MemberId id) {
  CoreActions out;
  for (auto& [g, a] : autoscalers_) apply_scale(a.on_sync_done(now, id), out);
  return out;
}

std::string ClusterCore::show_members(TimePoint now) const {
  std::string s =
      "member  health   since        last heard   cpu      connections  throughput(bps)  reports  lost  downs\n";
  char buf[256];
  for (const auto& [id, m] : liveness_->members()) {
    std::snprintf(buf, sizeof buf, "%-7s %-8s %-12s %-12s %6.2f%%  %-12u %-16llu %-8llu %-5llu %llu%s\n",
                  id_text(id).c_str(), std::string(health_name(m.health)).c_str(),
                  format_ms(std::chrono::duration_cast<Duration>(now - m.since)).c_str(),
                  m.last_heard ? format_ms(std::chrono::duration_cast<Duration>(now - *m.last_heard)).c_str() : "never",
                  m.load.cpu_percent(), m.load.connections, static_cast<unsigned long long>(m.load.bps),
                  static_cast<unsigned long long>(m.reports), static_cast<unsigned long long>(m.lost),
                  static_cast<unsigned long long>(m.downs), m.damped ? " damped" : "");
    s += buf;
  }
  const auto& st = liveness_->stats();
  s += "heartbeats: " + std::to_string(st.accepted) + " accepted, " + std::to_string(st.stale) + " stale, " +
       std::to_string(st.unknown_member) + " from unknown members, " + std::to_string(st.restarts) + " restarts";
  uint64_t rejected = 0;
  for (auto r : rejects_) rejected += r;
  s += ", " + std::to_string(rejected) + " rejected";
  if (!last_reject_.empty()) s += " (last: " + last_reject_ + ")";
  if (last_detection_) s += "\nlast failure detected " + format_ms(*last_detection_) + " after its last heartbeat";
  return s + "\n";
}

std::string ClusterCore::show_sites(TimePoint now) const {
  std::string s = "active site: " + std::to_string(sites_->active_site()) + " (" +
                  std::to_string(sites_->active_site_changes()) + " changes)\n";
  for (const auto& [id, st] : sites_->sites()) {
    s += "site " + std::to_string(id) + ": " + (st.online ? "online" : "offline") + " since " + ago(now, st.since) +
         ", members up " + std::to_string(st.members_up) + ", down " + std::to_string(st.members_down) + ", unknown " +
         std::to_string(st.members_unknown) + (st.admin_offline ? ", operator offline" : "") + ", losses " +
         std::to_string(st.losses) + "; " + st.reason + "\n";
  }
  return s;
}

std::string ClusterCore::show_autoscale(TimePoint now) const {
  if (autoscalers_.empty()) return "no [autoscale] policy\n";
  std::string s;
  for (const auto& [g, a] : autoscalers_) s += a.describe(now) + "\n";
  return s;
}

}  // namespace conductor::cluster
