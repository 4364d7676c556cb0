#include "host/cluster/site_monitor.hpp"

namespace conductor::cluster {

SiteMonitor::SiteMonitor(SiteMonitorConfig config, TimePoint now) : config_(std::move(config)) {
  for (uint8_t s : config_.sites) sites_[s].since = now;
  for (const auto& [id, site] : config_.members) {
    health_[id] = Health::kUnknown;
    sites_[site].since = now;
  }
  active_ = config_.preferred_active;
  if (!sites_.empty() && !sites_.count(active_)) active_ = sites_.begin()->first;
  evaluate(now, "start");
}

SiteActions SiteMonitor::reconfigure(TimePoint now, SiteMonitorConfig config) {
  std::map<MemberId, Health> next;
  for (const auto& [id, site] : config.members) {
    auto it = health_.find(id);
    next[id] = it == health_.end() ? Health::kUnknown : it->second;
    if (!sites_.count(site)) sites_[site].since = now;
  }
  for (uint8_t s : config.sites)
    if (!sites_.count(s)) sites_[s].since = now;
  health_ = std::move(next);
  config_ = std::move(config);
  return evaluate(now, "reload");
}

SiteActions SiteMonitor::on_member_health(TimePoint now, MemberId id, Health h) {
  auto it = health_.find(id);
  if (it == health_.end() || it->second == h) return {};
  it->second = h;
  return evaluate(
      now, "member " + std::to_string(id.site) + "/" + std::to_string(id.member) + " " + std::string(health_name(h)));
}

SiteActions SiteMonitor::set_admin_offline(TimePoint now, uint8_t site, bool offline) {
  auto& s = sites_[site];
  if (s.admin_offline == offline) return {};
  s.admin_offline = offline;
  return evaluate(now, offline ? "operator: site offline" : "operator: site online");
}

SiteActions SiteMonitor::on_orchestrators(TimePoint now, uint8_t site, bool alive) {
  auto& s = sites_[site];
  if (s.orchestrators_gone == !alive) return {};
  s.orchestrators_gone = !alive;
  return evaluate(now, alive ? "orchestrators of the site reported back" : "orchestrators of the site gone");
}

SiteActions SiteMonitor::evaluate(TimePoint now, const std::string& cause) {
  SiteActions out;
  for (auto& [site, s] : sites_) {
    s.members_up = s.members_down = s.members_unknown = 0;
    for (const auto& [id, h] : health_) {
      if (id.site != site) continue;
      if (h == Health::kUp)
        ++s.members_up;
      else if (h == Health::kDown)
        ++s.members_down;
      else
        ++s.members_unknown;
    }
    const uint32_t total = s.members_up + s.members_down + s.members_unknown;
    std::string why;
    bool online = true;
    if (s.admin_offline) {
      online = false;
      why = "operator took the site offline";
    } else if (s.orchestrators_gone) {
      online = false;
      why = "its orchestrators are gone";
    } else if (total > 0 && s.members_down == total) {
      online = false;
      why = "all " + std::to_string(total) + " members are down";
    } else if (!s.online) {
      // Coming back needs a member actually up (not merely unknown).
      online = total == 0 || s.members_up > 0;
      why = online ? std::to_string(s.members_up) + " of " + std::to_string(total) + " members up" : "";
    }
    if (online != s.online) {
      s.online = online;
      s.since = now;
      s.reason = why + " (" + cause + ")";
      if (!online) ++s.losses;
      out.push_back(SiteAction{SiteAction::Kind::kSetSiteOnline, site, online, s.reason});
    }
  }
  if (sites_.empty()) return out;
  // ActiveSite.
  auto online = [&](uint8_t site) {
    auto it = sites_.find(site);
    return it != sites_.end() && it->second.online;
  };
  std::optional<uint8_t> next;
  std::string why;
  if (!online(active_)) {
    if (online(config_.preferred_active)) {
      next = config_.preferred_active;
    } else {
      for (const auto& [site, s] : sites_)
        if (s.online) {
          next = site;
          break;
        }
    }
    why = "site " + std::to_string(active_) + " is offline";
  } else if (config_.failback && active_ != config_.preferred_active && online(config_.preferred_active)) {
    next = config_.preferred_active;
    why = "failback: preferred site " + std::to_string(config_.preferred_active) + " is online again";
  }
  if (next && *next != active_) {
    active_ = *next;
    ++active_changes_;
    out.push_back(SiteAction{SiteAction::Kind::kSetActiveSite, active_, true, why + " (" + cause + ")"});
  }
  return out;
}

}  // namespace conductor::cluster
