// C++17. Plain C++ API around the sync_decoder core for tests, the RTL scoreboard and benches:
//   SyncDecoderModel        SyncDecoderCore at the RTL's build size (MaxMtu 9000)
//   register_writes(cfg)    the (offset, value) writes that program block sync_decoder with cfg
//   counters_from_regs()    reads the counter registers back into SyncDecoderCounters
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "sync_decoder/sync_decoder.hpp"

namespace conductor::sync_decoder {

inline constexpr unsigned kRtlMaxMtu = regs::SYNC_DECODER_MAX_MTU;  // rtl/sync_decoder's MaxMtu default
using SyncDecoderModel = SyncDecoderCore<kRtlMaxMtu>;

// Offsets are local to the block (the kernel's own s_axi_control port).
inline std::vector<std::pair<uint32_t, uint32_t>> register_writes(const SyncDecoderConfig& c) {
  using namespace regs;
  auto u32 = [](const std::array<uint8_t, 16>& k, unsigned at) {
    return uint32_t{k[at]} | uint32_t{k[at + 1]} << 8 | uint32_t{k[at + 2]} << 16 | uint32_t{k[at + 3]} << 24;
  };
  std::vector<std::pair<uint32_t, uint32_t>> w = {
      {SYNC_DECODER_CLUSTER_OFFSET, c.cluster_id},
      {SYNC_DECODER_SELF_OFFSET, c.self & 0x7Fu},
  };
  for (unsigned i = 0; i < 4; ++i) w.push_back({SYNC_DECODER_MEMBERS0_OFFSET + 4 * i, c.members[i]});
  const uint32_t stride = SYNC_DECODER_KEY1_CTRL_OFFSET - SYNC_DECODER_KEY0_CTRL_OFFSET;
  for (unsigned s = 0; s < kKeySlots; ++s) {
    const uint32_t at = SYNC_DECODER_KEY0_CTRL_OFFSET + s * stride;
    w.push_back({at, c.keys[s].valid ? 1u << SYNC_DECODER_KEY0_CTRL_VALID_LSB : 0u});
    for (unsigned i = 0; i < 4; ++i) w.push_back({at + 4 + 4 * i, u32(c.keys[s].key, 4 * i)});
  }
  return w;
}

inline SyncDecoderCounters counters_from_regs(const std::function<uint32_t(uint32_t)>& read) {
  using namespace regs;
  SyncDecoderCounters c;
  c.frames = read(SYNC_DECODER_FRAMES_OFFSET);
  c.records = read(SYNC_DECODER_RECORDS_OFFSET);
  c.skipped = read(SYNC_DECODER_SKIPPED_OFFSET);
  c.control = read(SYNC_DECODER_CONTROL_OFFSET);
  c.ops = read(SYNC_DECODER_OPS_OFFSET);
  c.not_sync = read(SYNC_DECODER_NOT_SYNC_OFFSET);
  for (unsigned i = 0; i < kRejects; ++i) c.rejects[i] = read(SYNC_DECODER_TRUNCATED_OFFSET + 4 * i);
  return c;
}
static_assert(regs::SYNC_DECODER_RECORD_COUNT_MISMATCH_OFFSET ==
                  regs::SYNC_DECODER_TRUNCATED_OFFSET + 4 * (kRejects - 1),
              "reject counters are consecutive, in the order of Reject");

}  // namespace conductor::sync_decoder
