// `conductor sim --events FILE`: a scripted list of cluster changes applied before given frames.
//   # comment                      (also after an event)
//   at N weights [S/]ID:W,...      merge these weights into the current ones (0 releases the member)
//   at N member-down S/M           MEMBER_UP bit cleared: its connections fail over
//   at N member-up S/M
//   at N site-down S               SITE_UP bit cleared: the site's connections go to remote backups
//   at N site-up S
//   at N orchestrator-failover     (--standby) the traffic moves to the standby core from frame N
// N is the 0-based index of the frame the change comes before. Events are applied in file order
// among equal N; N must not decrease. Errors name FILE:LINE.
// Each event is one call of the Controller (host/control/controller.hpp), which writes the
// registers it changes, as conductord does for `conductorctl member down|up`, weight changes and
// site failures.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/alloc/bucket_allocator.hpp"
#include "host/common/status.hpp"
#include "host/control/controller.hpp"

namespace conductor {

struct SimEvent {
  enum class Kind { kWeights, kMemberDown, kMemberUp, kSiteDown, kSiteUp, kOrchestratorFailover };
  uint64_t at = 0;  // before frame `at`
  Kind kind = Kind::kWeights;
  std::map<MemberId, uint16_t> weights;  // kWeights
  MemberId member{};                     // kMemberDown / kMemberUp
  uint8_t site = 0;                      // kSiteDown / kSiteUp
  int line = 0;                          // where in the file
};

const char* sim_event_name(SimEvent::Kind k);

// Parses the text of an events file; `name` is used in error messages ("name:line: why").
Expected<std::vector<SimEvent>> parse_sim_events(const std::string& text, const std::string& name);
// Reads and parses FILE.
Expected<std::vector<SimEvent>> load_sim_events(const std::string& path);

// The event as a Controller call: weights -> set_member_weights (one recomputation for the whole
// list), member-down|up -> set_member_admin, site-down|up -> set_site_online. An
// orchestrator-failover is not the Controller's (the run moves the traffic): nothing is written.
Status apply_sim_event(const SimEvent& e, control::Controller& controller);

}  // namespace conductor
