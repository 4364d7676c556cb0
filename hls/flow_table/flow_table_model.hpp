// C++17 (SystemC translation units include it).
// Plain C++ API of the flow table for tests, RTL scoreboards, benches and the host:
//   FlowValue / FlowLookup / FlowResult / FlowOp / FlowEvent   the stream words as structs, with
//                       pack()/unpack_*() to and from the FLOW_* words of rtl/csr/conductor.regs
//   canonical_key()     FlowKey -> canonical key words (the same as the core's canonicalize())
//   FlowTableModel      the golden model: FlowTableCore (flow_table.hpp) over a heap buffer.
//                       Cycle-free: lookup() and apply() in the order the RTL handshakes them
//                       (docs/flow_table.md, "Visibility") give exactly the RTL's results and events.
//   lookup_bulk()       the host's fast path: hash a batch, prefetch the buckets, then compare
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/flow_key.hpp"
#include "common/gen/conductor_regs.hpp"
#include "flow_table/flow_table.hpp"

namespace conductor {

namespace flow {
inline bool operator==(const CKey& a, const CKey& b) {
  for (int i = 0; i < kKeyWords; ++i)
    if (a.w[i] != b.w[i]) return false;
  return true;
}
inline bool operator!=(const CKey& a, const CKey& b) { return !(a == b); }
}  // namespace flow

// FLOW_VALUE.
struct FlowValue {
  uint8_t owner_member = 0;  // 6 bits
  uint8_t owner_site = 0;    // 1 bit
  uint8_t lb_member = 0;     // local backup
  bool lb_valid = false;
  uint8_t rb_member = 0;  // remote backup
  uint8_t rb_site = 0;
  bool rb_valid = false;
  flow::State state = flow::State::kNew;
  uint8_t sync_flags = 0;  // 6 bits
  uint32_t last_seen = 0;

  friend bool operator==(const FlowValue& a, const FlowValue& b) {
    return a.owner_member == b.owner_member && a.owner_site == b.owner_site && a.lb_member == b.lb_member &&
           a.lb_valid == b.lb_valid && a.rb_member == b.rb_member && a.rb_site == b.rb_site &&
           a.rb_valid == b.rb_valid && a.state == b.state && a.sync_flags == b.sync_flags && a.last_seen == b.last_seen;
  }
  friend bool operator!=(const FlowValue& a, const FlowValue& b) { return !(a == b); }
};
uint64_t pack(const FlowValue& v);
FlowValue unpack_flow_value(uint64_t w);

// FLOW_LOOKUP.
struct FlowLookup {
  FlowKey key;
  uint64_t tag = 0;
};
ap_uint<384> pack(const FlowLookup& l);

// FLOW_RESULT.
struct FlowResult {
  bool hit = false;
  bool key_valid = false;
  FlowValue value;  // zero on a miss
  uint64_t tag = 0;
  uint32_t bucket1 = 0;  // the key's buckets (0 without key_valid)
  uint32_t bucket2 = 0;

  friend bool operator==(const FlowResult& a, const FlowResult& b) {
    return a.hit == b.hit && a.key_valid == b.key_valid && a.value == b.value && a.tag == b.tag &&
           a.bucket1 == b.bucket1 && a.bucket2 == b.bucket2;
  }
  friend bool operator!=(const FlowResult& a, const FlowResult& b) { return !(a == b); }
};
FlowResult unpack_flow_result(const flow::ResultWord& w);
flow::ResultWord pack(const FlowResult& r);

// FLOW_OP. opcode is the raw 4-bit field (so that tests can send reserved codes).
struct FlowOp {
  uint8_t opcode = static_cast<uint8_t>(flow::Opcode::kInsert);
  FlowKey key;
  FlowValue value;
  uint32_t time = 0;
  uint16_t tag = 0;
  // FLOW_OP.HINT: the key's buckets, as a FlowResult of the same key reports them. The model
  // ignores them (it hashes); the RTL engine trusts them and skips its hash.
  bool hint = false;
  uint32_t bucket1 = 0;
  uint32_t bucket2 = 0;
};
flow::OpWord pack(const FlowOp& op);

// FLOW_EVENT.
struct FlowEvent {
  flow::Status status = flow::Status::kDone;
  uint8_t opcode = 0;
  flow::Where where = flow::Where::kNone;
  uint8_t moves = 0;
  uint16_t tag = 0;
  flow::CKey key{};
  FlowValue value;

  friend bool operator==(const FlowEvent& a, const FlowEvent& b) {
    return a.status == b.status && a.opcode == b.opcode && a.where == b.where && a.moves == b.moves && a.tag == b.tag &&
           a.key == b.key && a.value == b.value;
  }
  friend bool operator!=(const FlowEvent& a, const FlowEvent& b) { return !(a == b); }
};
FlowEvent unpack_flow_event(const flow::EventWord& w);
FlowEvent to_flow_event(const flow::EventRec& e);

// Canonical key words of a FlowKey (identical to flow::canonicalize(pack(key)), tested); the
// returned flag is IP_VALID. canonical_flow_key() gives the same as a FlowKey (src = A, dst = B).
bool canonical_key(const FlowKey& key, flow::CKey& out);
FlowKey canonical_flow_key(const flow::CKey& k);

std::string to_string(const flow::CKey& k);
std::string to_string(const FlowValue& v);
std::string to_string(const FlowResult& r);
std::string to_string(const FlowEvent& e);
const char* status_name(flow::Status s);

// Bucket storage of the host model: two heap arrays of 2^log2_max 192-byte buckets.
class FlowHeapStorage {
 public:
  explicit FlowHeapStorage(int log2_max);
  int log2_max() const { return log2_; }
  flow::Bucket* table(int t) { return t == 0 ? t1_.get() : t2_.get(); }
  const flow::Bucket* table(int t) const { return t == 0 ? t1_.get() : t2_.get(); }

 private:
  int log2_;
  std::unique_ptr<flow::Bucket[]> t1_;
  std::unique_ptr<flow::Bucket[]> t2_;
};

using FlowTableHostCore = flow::FlowTableCore<FlowHeapStorage, flow::kStashSize, flow::kWalkMax>;

// The golden model. bucket_log2_max is the build's BucketLog2Max (RTL parameter); CTRL.BUCKET_LOG2
// selects the active size up to it. Memory: 2 * 2^bucket_log2_max * 192 bytes.
class FlowTableModel {
 public:
  explicit FlowTableModel(int bucket_log2_max);

  void set_config(const flow::Config& c) { core_.set_config(c); }
  const flow::Config& config() const { return core_.config(); }
  const flow::Counters& counters() const { return core_.counters(); }
  void clear_counters() { core_.clear_counters(); }
  uint32_t capacity() const { return core_.capacity(); }
  uint32_t geometry() const { return core_.geometry(); }
  int bucket_log2_max() const { return core_.log2_max(); }
  uint32_t buckets() const { return core_.buckets(); }

  // Value of the flow_table register at `offset` (rw: the configured value, ro: the counters).
  uint32_t read_reg(uint32_t offset) const;

  FlowResult lookup(const FlowLookup& l);
  // The buckets of a key under the current config (FLOW_RESULT.BUCKET1/2); 0, 0 without IP_VALID.
  void key_buckets(const FlowKey& key, uint32_t& b1, uint32_t& b2) const;
  // Events of one op (0..4 for AGE, 1 otherwise) into out; returns how many.
  int apply(const FlowOp& op, FlowEvent out[flow::kMaxEvents]);
  std::vector<FlowEvent> apply(const FlowOp& op);

  // The packed forms the RTL ports carry.
  flow::ResultWord lookup_word(const ap_uint<384>& w) { return core_.lookup_word(w); }
  int apply_word(const flow::OpWord& w, flow::EventWord out[flow::kMaxEvents]) { return core_.execute_word(w, out); }

  // Clocked forms, for a co-simulation that knows each handshake's clock (counted in the table's
  // enabled clocks). The RTL writes a lookup's activity mark a few clocks after its handshake and
  // an AGE op reads the marks in the clock before its own handshake: a lookup accepted in clock t
  // marks its entry for AGE ops handshaken in clock t + kMarkDelay or later (docs/flow_table.md,
  // "Activity"). lookup_word_at() defers the mark; apply_word_at() applies the marks that are due
  // first. Results and events equal the RTL's when items are given in handshake order, ops first
  // within a clock.
  static constexpr uint64_t kMarkDelay = 9;
  flow::ResultWord lookup_word_at(const ap_uint<384>& w, uint64_t clock);
  int apply_word_at(const flow::OpWord& w, flow::EventWord out[flow::kMaxEvents], uint64_t clock);
  // Applies every deferred mark.
  void flush_marks();

  // Host fast path on canonical keys (IP_VALID assumed). lookup_bulk: hit[i] and values[i] for
  // n keys; hashes 16 keys at a time and prefetches their buckets before comparing.
  bool lookup_key(const flow::CKey& k, uint64_t* value);
  void lookup_bulk(const flow::CKey* keys, std::size_t n, uint64_t* values, bool* hit);

  // Inspection.
  const FlowTableHostCore& core() const { return core_; }

 private:
  FlowTableHostCore core_;
  struct PendingMark {
    uint64_t clock;
    flow::CKey key;
  };
  std::deque<PendingMark> marks_;
};

}  // namespace conductor
