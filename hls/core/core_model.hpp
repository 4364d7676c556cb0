// C++17 (Vitis HLS and SystemC translation units include it).
// Golden model of conductor_core (rtl/core/conductor_core.sv): parser -> dist_hash -> steer, with
// the parser block's counters. The core co-simulation and `conductor sim --engine model` use it.
//   core_process()  the stateless path (parser, hash, bucket): what the core did before the
//                   correction layer, and still its answer for a flow whose owner is its bucket's
//                   member.
//   CoreModel       the whole core with the correction layer: flow table (FlowTableModel), member
//                   and site status, backup map; frames are processed one after another, and every
//                   frame sees the flow-table ops of all frames before it (docs/architecture.md,
//                   "Correction layer"). Every steer.AGE_FRAMES-th frame is followed by an AGE op
//                   (TIME = that frame's timestamp), applied after the frame's own op and before
//                   the next frame's lookup (docs/flow_table.md, "Ageing in the core").
#pragma once

#include <cstddef>
#include <cstdint>

#include <array>
#include <vector>

#include "common/flow_key.hpp"
#include "common/gen/conductor_regs.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "flow_table/flow_table_model.hpp"
#include "parser/parser_model.hpp"

namespace conductor {

// The steer block (correction layer) registers the host writes.
struct SteerRegs {
  // MEMBER_UP0..3: word w covers site w/2, members 32*(w%2) .. 32*(w%2)+31.
  std::array<uint32_t, 4> member_up{{0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}};
  uint32_t site_up = 3;  // SITE_UP.UP
  uint32_t learn_hold =
      regs::STEER_LEARN_HOLD_RESET;  // LEARN_HOLD: ticks a failed connection is not offered again (0: off)
  uint32_t age_frames = regs::STEER_AGE_FRAMES_RESET;  // AGE_FRAMES: an AGE op after every this many frames (0: never)
  uint32_t sync = regs::STEER_SYNC_RESET;              // SYNC: ENABLE, AT_INSERT, DEST (the HyperSync feed)
  // BACKUP window: word site*64 + member, BACKUP_ENTRY (bits 15:0 = FLOW_VALUE bits 23:8).
  std::array<uint16_t, 128> backup{};

  bool member_is_up(unsigned site, unsigned member) const {
    site &= 1;
    member &= 63;
    return ((site_up >> site) & 1) != 0 && ((member_up[site * 2 + member / 32] >> (member % 32)) & 1) != 0;
  }
  bool site_is_up(unsigned site) const { return ((site_up >> (site & 1)) & 1) != 0; }
  void set_member(unsigned site, unsigned member, bool up) {
    uint32_t& w = member_up[(site & 1) * 2 + (member & 63) / 32];
    uint32_t bit = 1u << ((member & 63) % 32);
    w = up ? (w | bit) : (w & ~bit);
  }
  void set_site(unsigned site, bool up) {
    uint32_t bit = 1u << (site & 1);
    site_up = up ? (site_up | bit) : (site_up & ~bit);
  }
};

// Everything the host programs into the core (the rw registers of rtl/csr/conductor.regs).
struct CoreRegs {
  DistHashRegs hash;          // dist_hash block: CTRL, KEY0..9, BUCKETS
  uint32_t parser_ctrl = 0;   // parser.CTRL
  uint32_t default_dest = 0;  // parser.DEFAULT_DEST
  SteerRegs steer;            // steer block
};

// STEER_META.ACTION (rtl/csr/conductor.regs).
using SteerAction = regs::SteerMetaAction;
const char* steer_action_name(SteerAction a);

// The steer block's counters (32-bit in the RTL).
struct SteerCounters {
  uint64_t new_flows = 0;      // NEW
  uint64_t hit = 0;            // HIT
  uint64_t corrected = 0;      // CORRECTED
  uint64_t failover = 0;       // FAILOVER
  uint64_t learn_full = 0;     // LEARN_FULL
  uint64_t ops_issued = 0;     // OPS_ISSUED
  uint64_t age_ops = 0;        // AGE_OPS
  uint64_t expired = 0;        // EXPIRED
  uint64_t ops_dropped = 0;    // OPS_DROPPED
  uint64_t learn_dropped = 0;  // LEARN_DROPPED
  uint64_t learn_held = 0;     // LEARN_HELD
  uint64_t sync_applied = 0;   // SYNC_APPLIED: sync ops (the core's sync_decoder) applied

  friend bool operator==(const SteerCounters& a, const SteerCounters& b) {
    return a.new_flows == b.new_flows && a.hit == b.hit && a.corrected == b.corrected && a.failover == b.failover &&
           a.learn_full == b.learn_full && a.ops_issued == b.ops_issued && a.age_ops == b.age_ops &&
           a.expired == b.expired && a.ops_dropped == b.ops_dropped && a.learn_dropped == b.learn_dropped &&
           a.learn_held == b.learn_held && a.sync_applied == b.sync_applied;
  }
  friend bool operator!=(const SteerCounters& a, const SteerCounters& b) { return !(a == b); }
  // Two devices' counters together (conductor sim --standby: the active's and the standby's).
  SteerCounters& operator+=(const SteerCounters& o) {
    new_flows += o.new_flows;
    hit += o.hit;
    corrected += o.corrected;
    failover += o.failover;
    learn_full += o.learn_full;
    ops_issued += o.ops_issued;
    age_ops += o.age_ops;
    expired += o.expired;
    ops_dropped += o.ops_dropped;
    learn_dropped += o.learn_dropped;
    learn_held += o.learn_held;
    sync_applied += o.sync_applied;
    return *this;
  }
};

// One frame's answer: STEER_META (m_axis_tuser) split into the stateless fields, ACTION and
// OP_DROPPED.
struct CoreOut {
  SteerMeta meta;
  SteerAction action = SteerAction::kNew;
  bool op_dropped = false;  // the frame's op was not issued (queue full, or held), see CoreModel::process

  friend bool operator==(const CoreOut& a, const CoreOut& b) {
    return a.meta == b.meta && a.action == b.action && a.op_dropped == b.op_dropped;
  }
  friend bool operator!=(const CoreOut& a, const CoreOut& b) { return !(a == b); }
};
uint64_t pack_core_out(const CoreOut& o);
CoreOut unpack_core_out(uint64_t tuser);

// The flow table inside conductor_core: rtl parameter FlowBucketLog2Max of conductor_core.sv
// (2 x 2^15 buckets x 4 slots + 16 = 262 160 entries, the on-chip size of docs/flow_table.md;
// flow_table.CTRL.BUCKET_LOG2 selects a smaller active size at run time).
constexpr int kCoreFlowBucketLog2Max = 15;

// The parser block's counters (the RTL's are 32-bit and wrap; compare modulo 2^32).
struct CoreCounters {
  uint64_t rx_pkts = 0;
  uint64_t parsed_ok = 0;
  uint64_t non_ip = 0;
  uint64_t truncated = 0;
  uint64_t bad_header = 0;
  uint64_t ext_limit = 0;
  uint64_t defaulted = 0;
  uint64_t dropped = 0;

  friend bool operator==(const CoreCounters& a, const CoreCounters& b) {
    return a.rx_pkts == b.rx_pkts && a.parsed_ok == b.parsed_ok && a.non_ip == b.non_ip && a.truncated == b.truncated &&
           a.bad_header == b.bad_header && a.ext_limit == b.ext_limit && a.defaulted == b.defaulted &&
           a.dropped == b.dropped;
  }
  friend bool operator!=(const CoreCounters& a, const CoreCounters& b) { return !(a == b); }
  CoreCounters& operator+=(const CoreCounters& o) {
    rx_pkts += o.rx_pkts;
    parsed_ok += o.parsed_ok;
    non_ip += o.non_ip;
    truncated += o.truncated;
    bad_header += o.bad_header;
    ext_limit += o.ext_limit;
    defaulted += o.defaulted;
    dropped += o.dropped;
    return *this;
  }
};

// The steer stage: parse status + DECISION + parser registers -> STEER_META.
SteerMeta core_steer(const CoreRegs& regs, ParseStatus status, const Decision& dec);

// Counts one frame's STEER_META into the counters, as the RTL does.
void core_count(CoreCounters& c, const SteerMeta& meta);

// One frame through the whole core model.
SteerMeta core_process(const CoreRegs& regs, const uint8_t* frame, size_t len, uint8_t sg_id, CoreCounters* counters);

// The whole core with the correction layer (sequential semantics: frame j sees the flow-table ops
// of every frame before it).
class CoreModel {
 public:
  explicit CoreModel(int flow_bucket_log2_max = kCoreFlowBucketLog2Max);

  CoreRegs& regs() { return regs_; }
  const CoreRegs& regs() const { return regs_; }

  // One frame: security group `sg_id` and timestamp `time` (ticks) as s_axis_tuser carries them.
  // The data path never waits for the flow table's op engine: the RTL drops a frame's op when its
  // op queue (or in-flight table) is full and says so in STEER_META.OP_DROPPED. Whether a queue is
  // full depends on clocks, which a sequential model does not have, so the drop is an input here:
  // `drop_op` is the RTL's OP_DROPPED for this frame (the co-simulation replays it; a software
  // data path never drops, it has no queue). A dropped op is not applied and is counted
  // (OPS_DROPPED, LEARN_DROPPED for an INSERT); the frame is steered exactly as with the op.
  // `drop_op` on a frame that has no op is not a drop: OP_DROPPED stays 0, so a device that
  // claims one where the model has none differs in that bit.
  // `pending`: the RTL steered the frame as new (ACTION new, OP_DROPPED) because an INSERT of its
  // connection was still in flight (its outcome unknown; the data path does not wait for it). The
  // claim is honoured only if that INSERT is among the last 16 ring ops (INSERT, UPDATE) the model
  // issued (the RTL's in-flight table holds 16); then the frame follows its bucket, issues no op and
  // counts as a held INSERT when the filter holds its bucket pair, else as a dropped one. A claim
  // that is not possible is ignored, so the outputs differ.
  // The recently-failed filter is the model's own (it depends on the op sequence only): a FULL
  // ring op records its bucket pair, visible to the frames after 16 more ring ops; an INSERT into
  // a recorded pair less than LEARN_HOLD ticks after the failure is held (OP_DROPPED, LEARN_HELD)
  // whatever `drop_op` says.
  CoreOut process(const uint8_t* frame, size_t len, uint8_t sg_id, uint32_t time, bool drop_op = false,
                  bool pending = false);
  // The co-simulations' call: what the model does with the device's frame `device` replayed
  // (OP_DROPPED as `drop_op`; OP_DROPPED with ACTION new as `pending`). Compare the result with it.
  CoreOut replay(const uint8_t* frame, size_t len, uint8_t sg_id, uint32_t time, const CoreOut& device) {
    return process(frame, len, sg_id, time, device.op_dropped, device.op_dropped && device.action == SteerAction::kNew);
  }

  // Expired entries (FLOW_EVENT, status EXPIRED) of the AGE ops since the last take_expired(), in
  // the order the table reported them. Kept only while keep_expired(true) (off by default).
  void keep_expired(bool on) { keep_expired_ = on; }
  // The HyperSync feed (steer.SYNC, rtl/core/sync_feed.sv): the records the core hands its
  // sync_encoder, in order, since the last take_sync_records(); kept only while
  // keep_sync_records(true) (off by default). Whether the RTL's queue drops one depends on clocks;
  // the model has none and drops nothing (SYNC_DROPPED is the RTL's).
  struct SyncRecordOut {
    regs::SyncRecordOp op = regs::SyncRecordOp::kInvalid;
    FlowEvent event;   // key and value of the record
    uint8_t dest = 0;  // SYNC.DEST
  };
  void keep_sync_records(bool on) { keep_sync_records_ = on; }
  std::vector<SyncRecordOut> take_sync_records() { return std::move(sync_records_); }
  std::vector<FlowEvent> take_expired() { return std::move(expired_); }
  // A standby's side (docs/hypersync.md §13.3): one op of the core's sync_decoder (FLOW_OP word:
  // UPSERT for a NEW or UPDATE record, DELETE) applied to the table between two frames, where the
  // RTL's sync window puts it (the co-simulations replay the RTL's placement: RtlCore reports after
  // how many lookups each sync op entered the table). Its events feed the HyperSync feed like any
  // op's (an UPSERT makes no record); SYNC_APPLIED counts it.
  void apply_sync_op(const flow::OpWord& op);
  // Frames counted towards the next AGE op (the RTL's counter at lookup).
  uint32_t age_count() const { return age_count_; }

  const CoreCounters& counters() const { return counters_; }
  const SteerCounters& steer_counters() const { return steer_; }
  void clear_counters() { counters_ = CoreCounters{}; }
  void clear_steer_counters() { steer_ = SteerCounters{}; }
  FlowTableModel& flow_table() { return table_; }
  const FlowTableModel& flow_table() const { return table_; }

  // The correction rule on a looked-up flow (exposed for tests): given the frame's DECISION and
  // the flow-table result, the destination, action and the op to issue (opcode 0: none).
  struct Steering {
    uint8_t site = 0, member = 0;
    bool deliver = false;
    SteerAction action = SteerAction::kNew;
    FlowOp op;
    bool has_op = false;
  };
  static Steering correct(const SteerRegs& regs, const Decision& dec, const FlowKey& key, const FlowResult& r,
                          uint32_t time);

 private:
  CoreRegs regs_;
  FlowTableModel table_;
  CoreCounters counters_;
  SteerCounters steer_;
  uint32_t age_count_ = 0;
  bool keep_expired_ = false;
  bool keep_sync_records_ = false;
  std::vector<SyncRecordOut> sync_records_;
  void feed_sync(const FlowEvent* ev, int n);
  // The recently-failed filter (conductor_core.sv): direct-mapped by the key's buckets,
  // signature = both buckets, the failed op's TIME.
  struct HeldEntry {
    bool valid = false;
    uint64_t sig = 0;
    uint32_t time = 0;
  };
  std::vector<HeldEntry> held_;
  HeldEntry held_pending_;  // taken by the last frame's op, enters after the next frame's decision
  int held_idx_bits_ = 6;
  // The last 16 ring ops issued (slot = op number % 16, as the RTL's in-flight table): the key of
  // an INSERT (for `pending`), whether the op failed (FULL) and its signature and TIME (a failure
  // enters the filter when the slot is reused).
  struct RingOp {
    bool valid = false, insert = false, failed = false;
    flow::CKey key{};
    uint64_t sig = 0;
    uint32_t time = 0;
  };
  std::array<RingOp, 16> ring_{};
  uint64_t ring_ops_ = 0;
  uint64_t held_sig(const FlowResult& r) const;
  size_t held_index(uint64_t sig) const;
  std::vector<FlowEvent> expired_;
};

}  // namespace conductor
