#include "host/control/backup_map.hpp"

#include <vector>

#include "common/gen/conductor_regs.hpp"

namespace conductor::control {

BackupMap compute_backup_map(const Weights& candidates) {
  std::vector<uint8_t> live[2];
  for (const auto& [id, w] : candidates)
    if (w > 0 && id.in_range()) live[id.site].push_back(id.member);  // map order: ascending ids
  BackupMap map{};
  for (unsigned s = 0; s < 2; ++s) {
    const auto& mine = live[s];
    const auto& other = live[1 - s];
    for (size_t i = 0; i < mine.size(); ++i) {
      uint16_t e = 0;
      if (mine.size() > 1) {
        e |= static_cast<uint16_t>(mine[(i + 1) % mine.size()] << regs::BACKUP_ENTRY_LB_MEMBER_LSB);
        e |= static_cast<uint16_t>(1u << regs::BACKUP_ENTRY_LB_VALID_LSB);
      }
      if (!other.empty()) {
        uint8_t rb = other.front();
        for (uint8_t m : other)
          if (m == mine[i]) rb = m;
        e |= static_cast<uint16_t>(rb << regs::BACKUP_ENTRY_RB_MEMBER_LSB);
        e |= static_cast<uint16_t>((1u - s) << regs::BACKUP_ENTRY_RB_SITE_LSB);
        e |= static_cast<uint16_t>(1u << regs::BACKUP_ENTRY_RB_VALID_LSB);
      }
      map[s * 64 + mine[i]] = e;
    }
  }
  return map;
}

}  // namespace conductor::control
