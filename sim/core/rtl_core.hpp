// The Verilated conductor_core as an in-process, cycle-accurate engine: program its registers over
// AXI-Lite, stream frames through it and read each frame back with its STEER_META. The Verilated
// headers stay inside rtl_core.cpp, so users of this class need no Verilator include paths.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/flow_key.hpp"
#include "core/core_model.hpp"

namespace conductor {

// Clocks from a one-beat frame's beat accepted to the same frame's first beat leaving, output never
// stalled: parser (8, from the beat that completes the header window), dist_hash (5), flow-table
// lookup (8: its LatencyCycles 7 from the handshake edge) and the result FIFO's write-to-head (1),
// the steer pipeline's P and S stages (2) and the meta FIFO's write-to-head (1).
// Frames of two beats or more take one clock more (the window completes on the second beat).
constexpr uint64_t kCoreLatencyCycles = 25;

// Extra clocks an AGE op costs on frames back to back (steer.AGE_FRAMES != 0): the lookup after the
// AGE_FRAMES-th frame waits until the AGE op is handshaken, which follows that frame's lookup (7),
// the result FIFO (1), the steer stages P and S, the AGE's write into the op FIFO and the engine
// taking it (its Read, Compare, Decide and Accept). Exact when the op engine is idle (test_core_cosim AgeingCostsABubble); each op queued
// ahead of the AGE adds the engine's time for it (2 clocks for a hinted INSERT or UPDATE).
constexpr uint64_t kCoreAgeBubbleCycles = 22;

// conductor_core's flow table clears 2^FlowBucketLog2Max buckets after reset; RtlCore waits that
// long (plus a margin) after reset so that latency measurements start with a ready core.
// conductor_core's InflightEntries (in-flight table of the correction layer).
constexpr uint32_t kCoreInflightEntries = 16;

constexpr uint64_t kCoreResetClearCycles = (uint64_t{1} << kCoreFlowBucketLog2Max) + 16;

// The HBM build of the core (conductor_core with FlowHbm = 1, rtl/flow_table/flow_table_hbm.sv;
// sim/core/CMakeLists.txt sets the same values): 2 x 2^20 buckets (8 388 624 entries) on
// 2 x 2^kCoreHbmChLog2 channels of the memory model, 256 lookups in flight. After reset its engine
// clears the activity memories (2^20 clocks) while every bucket is written with zeros over AXI.
constexpr int kCoreHbmFlowBucketLog2Max = 20;
constexpr int kCoreHbmChLog2 = 3;
constexpr uint64_t kCoreHbmResetClearCycles = (uint64_t{1} << kCoreHbmFlowBucketLog2Max) + 1024;

// The HBM build's memory traffic and health (RtlCore::hbm()).
struct HbmFigures {
  bool present = false;  // the core is the HBM build
  uint64_t reads = 0, writes = 0, max_outstanding = 0, rows = 0;
  double mean_read_latency = 0;     // clocks, AR handshake to the last beat
  uint64_t forced_frees = 0;        // flow_force_free_o pulses: cache lines freed by force
  bool cache_error = false;         // flow_cache_error_o (never in a correct design)
  std::vector<std::string> errors;  // AXI protocol errors the memory model saw
};

struct RtlCoreOptions {
  uint64_t seed = 1;                  // random idle / back-pressure pattern
  int idle_percent = 0;               // chance per cycle that the input waits before the next beat
  int backpressure_percent = 0;       // chance per cycle that the output is not ready
  uint64_t max_idle_cycles = 100000;  // a run fails if nothing moves for this long
  // Start every register and memory from random bits (seeded by `seed`) instead of zeros, so a
  // bench shows that no output depends on state that reset does not define (the 2-state
  // simulator's stand-in for X propagation).
  bool random_initial_state = false;
  // The flow table in HBM (conductor_core_hbm) instead of on chip, with the memory model's read
  // latency: at least hbm_latency clocks, plus 0..hbm_jitter, out of order across requests; and
  // its bandwidth: a channel sends no read beat in hbm_r_idle % of clocks (25: 48 B per clock,
  // 14.4 GB/s at 300 MHz, what one U55C/U280 HBM pseudo-channel provides).
  bool flow_hbm = false;
  unsigned hbm_latency = 100;
  unsigned hbm_jitter = 50;
  int hbm_r_idle = 25;
};

struct CoreFrameOut {
  std::vector<uint8_t> bytes;
  SteerMeta meta;
  SteerAction action = SteerAction::kNew;  // STEER_META.ACTION
  bool op_dropped = false;                 // STEER_META.OP_DROPPED
  bool meta_consistent = true;             // the same TUSER on every beat of the frame
  uint64_t in_cycle = 0;                   // cycle the frame's first beat was accepted
  uint64_t out_cycle = 0;                  // cycle the frame's first beat left
};

struct CoreIdentity {
  uint32_t magic = 0, version = 0, build_hash = 0, caps = 0;
  uint32_t bucket_log2_max() const { return caps & 0x1F; }
};

class RtlCore {
 public:
  explicit RtlCore(RtlCoreOptions opts = {});
  ~RtlCore();
  RtlCore(const RtlCore&) = delete;
  RtlCore& operator=(const RtlCore&) = delete;

  // Register access (absolute byte addresses of rtl/csr/conductor.regs). false on SLVERR/timeout.
  bool write_reg(uint32_t addr, uint32_t value, uint8_t strb = 0xF);
  bool read_reg(uint32_t addr, uint32_t* value);

  CoreIdentity identity();
  // Writes every rw register and the first 2^BUCKET_LOG2 buckets of the table, the steer block and
  // its BACKUP window.
  bool load(const CoreRegs& regs);
  // Writes only the steer block (member/site status, touch interval, backups).
  bool load_steer(const SteerRegs& steer);
  CoreCounters counters();
  SteerCounters steer_counters();
  // steer.INFLIGHT_MAX: most in-flight table entries held at once (the build holds
  // kCoreInflightEntries; the benches check it never filled).
  uint32_t inflight_max();
  // The HyperSync frames (Ethernet onwards) the core emitted on m_sync since the last call, in
  // order (the port is always ready; steer.SYNC and block sync_encoder configure them).
  std::vector<std::vector<uint8_t>> take_sync_frames();
  // The same with the cycle each frame's last beat left.
  struct SyncFrameOut {
    std::vector<uint8_t> bytes;
    uint64_t cycle = 0;
  };
  std::vector<SyncFrameOut> take_timed_sync_frames();
  // s_sync (a standby's side): offers `bytes` on the core's sync input from cycle `at` on, after
  // the frames queued before it (one frame after another, each as soon as the port takes it).
  void send_sync_frame(std::vector<uint8_t> bytes, uint64_t at);
  // Frames sent with send_sync_frame that the port has not taken whole yet.
  size_t sync_frames_waiting() const;
  // Where the core's sync ops (the sync_decoder's UPSERT and DELETE) entered the flow table since
  // the last call, in order: the number of frames looked up before each (the model applies op k
  // before frame `lookups` of op k, counting frames from the core's reset), and the cycle.
  struct SyncOpPlace {
    uint64_t lookups = 0;
    uint64_t cycle = 0;
  };
  std::vector<SyncOpPlace> take_sync_op_positions();

  // Streams frames from `next` (which fills the next frame and its security group, or returns
  // false when there are no more) and calls on_out for every frame that leaves, in order, until
  // every frame offered has left. Returns false (with a message in error()) when the core stalls
  // for max_idle_cycles.
  using FrameSource = std::function<bool(std::vector<uint8_t>* bytes, uint8_t* sg)>;
  bool run(const FrameSource& next, const std::function<void(CoreFrameOut&&)>& on_out);
  // The same with each frame's timestamp (s_axis_tuser[39:8], ticks); the plain form sends 0.
  using TimedFrameSource = std::function<bool(std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time)>;
  bool run(const TimedFrameSource& next, const std::function<void(CoreFrameOut&&)>& on_out);

  // Lets the core run `cycles` clocks with no input, so that flow-table ops still queued or
  // executing after the last frame left (a long cuckoo walk) finish before counters are read.
  void settle(uint64_t cycles = 2000);

  // Clock cycles simulated so far and during the last run() (first input beat offered to last
  // output beat taken).
  uint64_t cycle() const;
  // The HBM build's memory figures (present = false on the on-chip build).
  HbmFigures hbm() const;
  uint64_t last_run_cycles() const;
  const std::string& error() const;

  // The build's state (rtl_core.cpp: one implementation per Verilated build).
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace conductor
