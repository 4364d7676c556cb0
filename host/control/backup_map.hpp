// The backup map (steer.BACKUP, docs/architecture.md "Correction layer"): which local backup (same
// site) and remote backup (other site) the connections owned by each member get. One rule, programmed
// by the Controller (controller.hpp) for conductord and `conductor sim` alike:
//   - only members with a non-zero weight in `candidates` take part (the caller passes the members
//     that can serve: configured weight, admin up, alive, site online);
//   - local backup of member m = the next candidate of m's site after m by member id, cyclically
//     (none when m is its site's only candidate);
//   - remote backup of m = the candidate with m's member id in the other site if there is one, else
//     the other site's candidate with the smallest id (none when the other site has no candidate);
//   - members that are not candidates get an empty entry (0).
// So the load of a failed member lands on one neighbour in its site, spread evenly over a site
// whose members fail one after another, and a whole site maps onto the other site member by member.
#pragma once

#include <array>
#include <cstdint>

#include "host/alloc/bucket_allocator.hpp"

namespace conductor::control {

// 128 BACKUP_ENTRY words, index site*64 + member.
using BackupMap = std::array<uint16_t, 128>;

BackupMap compute_backup_map(const Weights& candidates);

}  // namespace conductor::control
