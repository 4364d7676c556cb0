// The fuzz_sync_report input format, shared by the fuzz target and the seed corpus generator: one
// mode byte, then a UDP payload. Mode bit 0 re-signs the payload's last 8 bytes with the fuzz key
// (when it is at least 24 bytes), so mutations reach the checks behind the tag.
#pragma once

#include <cstdint>
#include <vector>

#include "host/cluster/sync_report_wire.hpp"
#include "tests/cluster/heartbeat_fuzz_input.hpp"  // fuzz_key, kModeResign

namespace conductor::cluster::fuzz {

inline void resign_sync_report(std::vector<uint8_t>& b, const sync::SipKey& key) {
  if (b.size() < kSyncReportMinBytes) return;
  const size_t at = b.size() - kSyncReportTagBytes;
  const auto tag = sync::siphash24_bytes(key, b.data(), at);
  for (size_t i = 0; i < kSyncReportTagBytes; ++i) b[at + i] = tag[i];
}

}  // namespace conductor::cluster::fuzz
