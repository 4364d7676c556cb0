#include "host/device/soft_device.hpp"

#include <string_view>

#include "common/gen/conductor_regs.hpp"
#include "dist_hash/dist_hash.hpp"

#ifndef CONDUCTOR_BUILD_HASH
#define CONDUCTOR_BUILD_HASH 0u
#endif

namespace conductor::device {

using namespace conductor::regs;

namespace {

// The core's blocks, and the sync_decoder (a kernel beside the core on a board: it receives the peer's
// sync frames). The soft device has no sync receive path yet: the decoder's registers hold what is
// written, its counters read 0.
bool served(std::string_view block) { return in_core(block) || block == "sync_decoder"; }

const BlockInfo* find_block(uint32_t addr) {
  for (const BlockInfo& b : kBlocks)
    if (addr >= b.base && addr < b.base + b.size && served(b.name)) return &b;
  return nullptr;
}

const RegInfo* find_register(uint32_t addr) {
  if (!find_block(addr)) return nullptr;
  for (const RegInfo& r : kRegisters)
    if (r.addr == addr) return &r;
  return nullptr;
}

const WindowInfo* find_window(uint32_t addr) {
  if (!find_block(addr)) return nullptr;
  for (const WindowInfo& w : kWindows)
    if (addr >= w.addr && addr < w.addr + w.size) return &w;
  return nullptr;
}

uint32_t writable_mask(const RegInfo& r) {
  if (!r.fields) return 0xFFFFFFFFu;
  uint32_t m = 0;
  for (size_t i = 0; i < r.num_fields; ++i) m |= field_mask(r.fields[i].lsb, r.fields[i].width);
  return m;
}

uint32_t strobe_mask(uint8_t strb) {
  uint32_t m = 0;
  for (int j = 0; j < 4; ++j)
    if (strb & (1u << j)) m |= 0xFFu << (8 * j);
  return m;
}

Error slverr(uint32_t addr, const char* what) {
  const BlockInfo* b = find_block(addr);
  return make_error(Errc::kInvalidArgument, std::string("soft device: ") + what + " " + hex32(addr) + ": " +
                                                (b ? std::string("no register of block ") + b->name + " there"
                                                   : std::string("no block decodes it")) +
                                                " (SLVERR)");
}

constexpr uint32_t kCaps = (uint32_t{kDistHashBucketLog2Max} << ID_CAPS_BUCKET_LOG2_MAX_LSB) |
                           (1u << ID_CAPS_LANES_LSB) | (2u << ID_CAPS_MAX_SITES_LSB) | (64u << ID_CAPS_MAX_MEMBERS_LSB);

}  // namespace

SoftDevice::SoftDevice(int flow_bucket_log2_max) : model_(std::make_unique<CoreModel>(flow_bucket_log2_max)) {
  for (const RegInfo& r : kRegisters)
    if (r.access == Access::kRw && find_block(r.addr)) {
      rw_[r.addr] = r.reset;
      sync_rw(r.addr, r.reset);
    }
}

void SoftDevice::sync_rw(uint32_t addr, uint32_t v) {
  CoreRegs& regs = model_->regs();
  if (addr == DIST_HASH_CTRL_ADDR)
    regs.hash.ctrl = v;
  else if (addr >= DIST_HASH_KEY0_ADDR && addr <= DIST_HASH_KEY9_ADDR)
    regs.hash.key[(addr - DIST_HASH_KEY0_ADDR) / 4] = v;
  else if (addr == PARSER_CTRL_ADDR)
    regs.parser_ctrl = v;
  else if (addr == PARSER_DEFAULT_DEST_ADDR)
    regs.default_dest = v;
  else if (addr >= STEER_MEMBER_UP0_ADDR && addr <= STEER_MEMBER_UP3_ADDR)
    regs.steer.member_up[(addr - STEER_MEMBER_UP0_ADDR) / 4] = v;
  else if (addr == STEER_SITE_UP_ADDR)
    regs.steer.site_up = v;
  else if (addr == STEER_AGE_FRAMES_ADDR)
    regs.steer.age_frames = v;
  else if (addr == STEER_LEARN_HOLD_ADDR)
    regs.steer.learn_hold = v;
  else if (addr == STEER_SYNC_ADDR)
    regs.steer.sync = v;
  else if (addr >= FLOW_TABLE_BASE && addr < FLOW_TABLE_BASE + FLOW_TABLE_SIZE) {
    flow::Config c = model_->flow_table().config();
    switch (addr) {
      case FLOW_TABLE_CTRL_ADDR:
        c.ctrl = v;
        break;
      case FLOW_TABLE_TIMEOUT_NEW_ADDR:
        c.timeout_new = v;
        break;
      case FLOW_TABLE_TIMEOUT_EST_ADDR:
        c.timeout_est = v;
        break;
      case FLOW_TABLE_TIMEOUT_CLOSING_ADDR:
        c.timeout_closing = v;
        break;
      case FLOW_TABLE_SYNC_MATURE_ADDR:
        c.sync_mature = v;
        break;
      case FLOW_TABLE_HASH_SEED1_ADDR:
        c.seed1 = v;
        break;
      case FLOW_TABLE_HASH_SEED2_ADDR:
        c.seed2 = v;
        break;
      default:
        break;
    }
    model_->flow_table().set_config(c);
  }
}

uint32_t SoftDevice::read_ro(uint32_t addr) const {
  const CoreCounters& c = model_->counters();
  const SteerCounters& s = model_->steer_counters();
  auto u32 = [](uint64_t v) { return static_cast<uint32_t>(v); };
  switch (addr) {
    case ID_BUILD_HASH_ADDR:
      return CONDUCTOR_BUILD_HASH;
    case ID_CAPS_ADDR:
      return kCaps;
    case SYNC_ENCODER_GEOMETRY_ADDR:  // the core's sync_encoder: default build, 1 SipRound per clock
      return (SYNC_ENCODER_MAX_MTU << SYNC_ENCODER_GEOMETRY_MAX_MTU_LSB) |
             (SYNC_ENCODER_DESTS << SYNC_ENCODER_GEOMETRY_DESTS_LSB) |
             (SYNC_ENCODER_DELAY_CLASSES << SYNC_ENCODER_GEOMETRY_DELAY_PORTS_LSB) |
             (1u << SYNC_ENCODER_GEOMETRY_ROUNDS_LSB);
    case SYNC_DECODER_GEOMETRY_ADDR:  // default build, 1 SipRound per clock
      return (SYNC_DECODER_MAX_MTU << SYNC_DECODER_GEOMETRY_MAX_MTU_LSB) | (1u << SYNC_DECODER_GEOMETRY_ROUNDS_LSB);
    case PARSER_RX_PKTS_ADDR:
      return u32(c.rx_pkts);
    case PARSER_PARSED_OK_ADDR:
      return u32(c.parsed_ok);
    case PARSER_NON_IP_ADDR:
      return u32(c.non_ip);
    case PARSER_TRUNCATED_ADDR:
      return u32(c.truncated);
    case PARSER_BAD_HEADER_ADDR:
      return u32(c.bad_header);
    case PARSER_EXT_LIMIT_ADDR:
      return u32(c.ext_limit);
    case PARSER_DEFAULTED_ADDR:
      return u32(c.defaulted);
    case PARSER_DROPPED_ADDR:
      return u32(c.dropped);
    case STEER_NEW_ADDR:
      return u32(s.new_flows);
    case STEER_HIT_ADDR:
      return u32(s.hit);
    case STEER_CORRECTED_ADDR:
      return u32(s.corrected);
    case STEER_FAILOVER_ADDR:
      return u32(s.failover);
    case STEER_LEARN_FULL_ADDR:
      return u32(s.learn_full);
    case STEER_OPS_ISSUED_ADDR:
      return u32(s.ops_issued);
    case STEER_AGE_OPS_ADDR:
      return u32(s.age_ops);
    case STEER_EXPIRED_ADDR:
      return u32(s.expired);
    case STEER_LEARN_HELD_ADDR:
      return u32(s.learn_held);
    case STEER_SYNC_APPLIED_ADDR:
      return u32(s.sync_applied);
    default:
      break;
  }
  if (addr >= FLOW_TABLE_BASE && addr < FLOW_TABLE_BASE + FLOW_TABLE_SIZE)
    return model_->flow_table().read_reg(addr - FLOW_TABLE_BASE);
  return 0;  // INFLIGHT_MAX: the sequential model has no in-flight table
}

Status SoftDevice::write_reg(uint32_t addr, uint32_t value, uint8_t strb) {
  if (Status s = check_address(addr); !s) return s;
  const uint32_t sm = strobe_mask(strb);
  if (const WindowInfo* w = find_window(addr)) {
    const uint32_t word = (addr - w->addr) / 4;
    if (w->addr == DIST_HASH_BUCKETS_ADDR) {
      for (uint32_t j = 0; j < 4; ++j)
        if (strb & (1u << j)) model_->regs().hash.buckets[4 * word + j] = static_cast<uint8_t>(value >> (8 * j));
    } else if (w->addr == STEER_BACKUP_ADDR) {
      uint16_t& e = model_->regs().steer.backup[word];
      if (strb & 1u) e = static_cast<uint16_t>((e & 0xFF00u) | (value & 0x7Fu));
      if (strb & 2u) e = static_cast<uint16_t>((e & 0x00FFu) | (value & 0xFF00u));
    }
    return ok_status();
  }
  const RegInfo* r = find_register(addr);
  if (!r) return slverr(addr, "write to");
  switch (r->access) {
    case Access::kConst:
    case Access::kRo:
      return ok_status();  // ignored, as the RTL does
    case Access::kW1p:
      if ((value & sm & 1u) != 0) {
        if (addr == PARSER_COUNTER_CLEAR_ADDR)
          model_->clear_counters();
        else if (addr == FLOW_TABLE_COUNTER_CLEAR_ADDR)
          model_->flow_table().clear_counters();
        else if (addr == STEER_COUNTER_CLEAR_ADDR)
          model_->clear_steer_counters();
      }
      return ok_status();
    case Access::kRw: {
      const uint32_t m = writable_mask(*r) & sm;
      uint32_t& cur = rw_[addr];
      cur = (cur & ~m) | (value & m);
      sync_rw(addr, cur);
      return ok_status();
    }
  }
  return ok_status();
}

Expected<uint32_t> SoftDevice::read_reg(uint32_t addr) {
  if (Status s = check_address(addr); !s) return s.error();
  if (const WindowInfo* w = find_window(addr)) {
    const uint32_t word = (addr - w->addr) / 4;
    if (w->addr == DIST_HASH_BUCKETS_ADDR) {
      const auto& b = model_->regs().hash.buckets;
      return uint32_t{b[4 * word]} | uint32_t{b[4 * word + 1]} << 8 | uint32_t{b[4 * word + 2]} << 16 |
             uint32_t{b[4 * word + 3]} << 24;
    }
    if (w->addr == STEER_BACKUP_ADDR) return uint32_t{model_->regs().steer.backup[word]};
    return uint32_t{0};
  }
  const RegInfo* r = find_register(addr);
  if (!r) return slverr(addr, "read of");
  switch (r->access) {
    case Access::kConst:
      return r->reset;
    case Access::kW1p:
      return uint32_t{0};
    case Access::kRw:
      return rw_[addr];
    case Access::kRo:
      return read_ro(addr);
  }
  return uint32_t{0};
}

Expected<std::vector<FrameResult>> SoftDevice::process(const std::vector<TimedFrame>& frames) {
  std::vector<FrameResult> out;
  out.reserve(frames.size());
  for (const TimedFrame& f : frames) {
    CoreOut o = model_->process(f.frame.bytes.data(), f.frame.bytes.size(), f.frame.sg_id, f.time);
    out.push_back(FrameResult{o.meta.site, o.meta.member, o.meta.deliver, static_cast<uint8_t>(o.action)});
  }
  return out;
}

}  // namespace conductor::device
