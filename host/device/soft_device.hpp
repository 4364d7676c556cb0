// The software back end: CoreModel (the HLS C++ golden model of conductor_core) behind a register
// file that decodes the addresses of rtl/csr/conductor.regs exactly as the RTL's CSR blocks do, so
// that `soft` and `sim` answer every register access the same (tests/device checks this over the
// whole map):
//   - blocks and registers from the generated tables (common/gen/conductor_regs.hpp); an address no
//     block, register or window decodes is an error (the RTL answers SLVERR, RDATA 0);
//   - rw registers keep the bits of their fields only (all 32 bits when the register has no
//     fields), honour the byte strobes and feed the model (hash CTRL/KEY, parser CTRL/DEFAULT_DEST,
//     steer MEMBER_UP*/SITE_UP/AGE_FRAMES, flow_table CTRL/timeouts/seeds);
//   - const registers read their value, ro registers the model's state and counters (32 bits),
//     w1p registers read 0 and COUNTER_CLEAR clears its block's counters; writes to const and ro
//     registers are ignored;
//   - windows: BUCKETS (one byte per bucket) and BACKUP (16-bit BACKUP_ENTRY, bit 7 not stored).
// Differences that are properties of the pipeline, not of the map: steer.INFLIGHT_MAX reads 0 (the
// model is sequential and has no in-flight table), and after traffic flow_table.HITS can be higher
// than the RTL's (the RTL looks a frame up before the ops of the frames just ahead have landed; its
// in-flight table supplies those entries). Steering, steer counters and flow-table contents agree.
#pragma once

#include <map>
#include <memory>

#include "core/core_model.hpp"
#include "host/device/device.hpp"

namespace conductor::device {

class SoftDevice final : public Device {
 public:
  // The model of the core whose flow table holds 2 x 2^flow_bucket_log2_max buckets: the on-chip
  // build's (kCoreFlowBucketLog2Max) by default, or the HBM build's (conductor sim --flow-table hbm).
  explicit SoftDevice(int flow_bucket_log2_max = kCoreFlowBucketLog2Max);
  std::string_view kind() const override { return "soft"; }
  Status write_reg(uint32_t addr, uint32_t value, uint8_t strb = 0xF) override;
  Expected<uint32_t> read_reg(uint32_t addr) override;
  Expected<std::vector<FrameResult>> process(const std::vector<TimedFrame>& frames) override;

  CoreModel& model() { return *model_; }

 private:
  void sync_rw(uint32_t addr, uint32_t value);
  uint32_t read_ro(uint32_t addr) const;

  std::unique_ptr<CoreModel> model_;
  std::map<uint32_t, uint32_t> rw_;  // rw registers by absolute address
};

}  // namespace conductor::device
