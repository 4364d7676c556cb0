// C++17. Plain C++ API around the sync_encoder core for tests, the RTL scoreboard and benches:
//   SyncEncoderModel        SyncEncoderCore at the RTL's build size (MaxMtu 9000)
//   register_writes(cfg)    the (offset, value) writes that program block sync_encoder with cfg
//   counters_from_regs()    reads the counter registers back into SyncEncoderCounters
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "sync_encoder/sync_encoder.hpp"

namespace conductor::sync_encoder {

inline constexpr unsigned kRtlMaxMtu = regs::SYNC_ENCODER_MAX_MTU;  // rtl/sync_encoder's MaxMtu default
using SyncEncoderModel = SyncEncoderCore<kRtlMaxMtu>;

// Offsets are local to the block (the kernel's own s_axi_control port).
inline std::vector<std::pair<uint32_t, uint32_t>> register_writes(const SyncEncoderConfig& c) {
  using namespace regs;
  auto u32 = [](const std::array<uint8_t, 16>& k, unsigned at) {
    return uint32_t{k[at]} | uint32_t{k[at + 1]} << 8 | uint32_t{k[at + 2]} << 16 | uint32_t{k[at + 3]} << 24;
  };
  std::vector<std::pair<uint32_t, uint32_t>> w = {
      {SYNC_ENCODER_CTRL_OFFSET, c.key_number & 3u},
      {SYNC_ENCODER_CLUSTER_OFFSET, c.cluster_id},
      {SYNC_ENCODER_SOURCE_OFFSET, c.source & 0x7Fu},
      {SYNC_ENCODER_EPOCH_OFFSET, c.epoch},
      {SYNC_ENCODER_MTU_OFFSET, c.mtu & 0xFFFFu},
      {SYNC_ENCODER_FLUSH_CYCLES_OFFSET, c.flush_cycles},
      {SYNC_ENCODER_KEY0_OFFSET, u32(c.key, 0)},
      {SYNC_ENCODER_KEY1_OFFSET, u32(c.key, 4)},
      {SYNC_ENCODER_KEY2_OFFSET, u32(c.key, 8)},
      {SYNC_ENCODER_KEY3_OFFSET, u32(c.key, 12)},
      {SYNC_ENCODER_SRC_MAC_LO_OFFSET, static_cast<uint32_t>(c.src_mac)},
      {SYNC_ENCODER_SRC_MAC_HI_OFFSET, static_cast<uint32_t>(c.src_mac >> 32) & 0xFFFFu},
      {SYNC_ENCODER_SRC_IP_OFFSET, c.src_ip},
      {SYNC_ENCODER_UDP_PORTS_OFFSET, uint32_t{c.src_port} | uint32_t{c.dst_port} << 16},
      {SYNC_ENCODER_IP_OPTS_OFFSET, uint32_t{c.ttl} | uint32_t{c.dscp & 0x3Fu} << 8},
      {SYNC_ENCODER_DELAY_DEFAULT_OFFSET, c.delay_default},
  };
  const uint32_t dest_stride = SYNC_ENCODER_DEST1_MEMBER_OFFSET - SYNC_ENCODER_DEST0_MEMBER_OFFSET;
  for (unsigned i = 0; i < kDestSlots; ++i) {
    const auto& d = c.dest[i];
    const uint32_t at = SYNC_ENCODER_DEST0_MEMBER_OFFSET + i * dest_stride;
    w.push_back({at, d.member | (d.valid ? 1u << SYNC_ENCODER_DEST0_MEMBER_VALID_LSB : 0u)});
    w.push_back({at + 4, static_cast<uint32_t>(d.mac)});
    w.push_back({at + 8, static_cast<uint32_t>(d.mac >> 32) & 0xFFFFu});
    w.push_back({at + 12, d.ip});
  }
  for (unsigned i = 0; i < kDelayClasses; ++i) {
    const auto& d = c.delay[i];
    w.push_back(
        {SYNC_ENCODER_DELAY_PORT0_OFFSET + 4 * i, d.port | uint32_t{d.proto} << SYNC_ENCODER_DELAY_PORT0_PROTO_LSB |
                                                      (d.valid ? 1u << SYNC_ENCODER_DELAY_PORT0_VALID_LSB : 0u)});
    w.push_back({SYNC_ENCODER_DELAY_TICKS0_OFFSET + 4 * i, d.ticks});
  }
  return w;
}

inline SyncEncoderCounters counters_from_regs(const std::function<uint32_t(uint32_t)>& read) {
  using namespace regs;
  SyncEncoderCounters c;
  c.frames = read(SYNC_ENCODER_FRAMES_OFFSET);
  c.frame_bytes = read(SYNC_ENCODER_FRAME_BYTES_OFFSET);
  c.records = read(SYNC_ENCODER_RECORDS_OFFSET);
  c.record_bytes = read(SYNC_ENCODER_RECORD_BYTES_OFFSET);
  c.young = read(SYNC_ENCODER_YOUNG_OFFSET);
  c.young_bytes = read(SYNC_ENCODER_YOUNG_BYTES_OFFSET);
  c.no_route = read(SYNC_ENCODER_NO_ROUTE_OFFSET);
  c.invalid = read(SYNC_ENCODER_INVALID_OFFSET);
  c.close_timer = read(SYNC_ENCODER_CLOSE_TIMER_OFFSET);
  c.close_full = read(SYNC_ENCODER_CLOSE_FULL_OFFSET);
  c.close_dest = read(SYNC_ENCODER_CLOSE_DEST_OFFSET);
  for (unsigned i = 0; i < kDestSlots; ++i) c.seq[i] = read(SYNC_ENCODER_SEQ0_OFFSET + 4 * i);
  return c;
}

inline bool operator==(const SyncEncoderCounters& a, const SyncEncoderCounters& b) {
  return a.frames == b.frames && a.frame_bytes == b.frame_bytes && a.records == b.records &&
         a.record_bytes == b.record_bytes && a.young == b.young && a.young_bytes == b.young_bytes &&
         a.no_route == b.no_route && a.invalid == b.invalid && a.close_timer == b.close_timer &&
         a.close_full == b.close_full && a.close_dest == b.close_dest && a.seq == b.seq;
}

}  // namespace conductor::sync_encoder
