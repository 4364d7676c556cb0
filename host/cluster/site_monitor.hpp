// Site state and ActiveSite selection: member health, operator drills and orchestrator reports in,
// site online/offline and ActiveSite actions out (docs/architecture.md rule 4; docs/cluster.md, "Sites").
//
// - A site is offline when an operator took it offline (`site offline N`), or its orchestrators are
//   reported gone, or it has members and every one of them is Down (none Up, none still Unknown).
//   Otherwise it is online; a site that was offline comes back when the operator's offline is
//   cleared and at least one of its members is Up (or it has none) and its orchestrators are not
//   reported gone.
// - ActiveSite: the configured [cluster] active-site while it is online. When the ActiveSite goes
//   offline and another site is online, that site becomes ActiveSite. When the preferred site comes
//   back, ActiveSite moves back to it only with `failback` (default off: no automatic flap back; an
//   operator moves it with `site offline` on the current one, or a reload). With no site online the
//   ActiveSite stays where it is (and says so).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/cluster/liveness.hpp"

namespace conductor::cluster {

struct SiteMonitorConfig {
  std::vector<uint8_t> sites{};           // configured site ids
  std::map<MemberId, uint8_t> members{};  // every configured member (its site is MemberId::site)
  uint8_t preferred_active = 0;           // [cluster] active-site
  bool failback = false;                  // move ActiveSite back to the preferred site when it returns
};

struct SiteAction {
  enum class Kind : uint8_t { kSetSiteOnline, kSetActiveSite };
  Kind kind = Kind::kSetSiteOnline;
  uint8_t site = 0;
  bool online = true;  // kSetSiteOnline
  std::string reason;
  friend bool operator==(const SiteAction&, const SiteAction&) = default;
};
using SiteActions = std::vector<SiteAction>;

struct SiteStatus {
  bool online = true;
  bool admin_offline = false;
  bool orchestrators_gone = false;
  uint32_t members_up = 0;
  uint32_t members_down = 0;
  uint32_t members_unknown = 0;
  TimePoint since{};
  std::string reason = "start";
  uint64_t losses = 0;
};

class SiteMonitor {
 public:
  SiteMonitor(SiteMonitorConfig config, TimePoint now);

  SiteActions on_member_health(TimePoint now, MemberId id, Health h);
  SiteActions set_admin_offline(TimePoint now, uint8_t site, bool offline);
  SiteActions on_orchestrators(TimePoint now, uint8_t site, bool alive);
  // Reload: member set, preferred site and failback; member health of kept members is kept.
  SiteActions reconfigure(TimePoint now, SiteMonitorConfig config);

  uint8_t active_site() const { return active_; }
  const std::map<uint8_t, SiteStatus>& sites() const { return sites_; }
  uint64_t active_site_changes() const { return active_changes_; }

 private:
  SiteActions evaluate(TimePoint now, const std::string& cause);

  SiteMonitorConfig config_;
  std::map<MemberId, Health> health_;
  std::map<uint8_t, SiteStatus> sites_;
  uint8_t active_ = 0;
  uint64_t active_changes_ = 0;
};

}  // namespace conductor::cluster
