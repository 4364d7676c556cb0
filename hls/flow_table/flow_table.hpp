// C++17 (Vitis HLS and SystemC translation units include it).
// flow_table: exact-match connection table, the golden model of rtl/flow_table (docs/flow_table.md
// is the specification; this file is its executable form).
//
//   key    canonical flow key: the two endpoints in canonical order (the two directions of a
//          connection are one entry), proto, IS_IPV6, SG_ID (FLOW_ENTRY layout, 305 bits)
//   value  FLOW_VALUE: owner, local/remote backup, state, sync flags, last-seen time
//   layout two sub-tables of 2^BUCKET_LOG2 buckets of kSlots slots (bucketised cuckoo hashing,
//          one bucket per sub-table per key) and a fully associative stash of StashSize entries
//   hash   h_t = fmix32(CRC32C(seed_t, key words)) (word order 0..4 for t = 1, 4..0 for t = 2)
//   insert least-loaded of the key's two buckets, else a cuckoo walk of up to WALK_STEPS steps with
//          a look-ahead over all kSlots victims, else the stash, else FULL (counted, reported)
//   ageing AGE ops sweep one unit (bucket or stash entry) each; a hit marks its entry active (in
//          line, no op), an AGE visit refreshes LAST_SEEN of active entries and expires idle ones
//
// FlowTableCore is the synthesizable core: fixed loop bounds, no recursion, no dynamic memory; the
// bucket storage is a policy (FlowStaticStorage for HLS: arrays; the host model in
// flow_table_model.hpp uses a heap buffer). flow_table.cpp wraps it in the HLS top flow_table_top.
// Lookups and operations are separate entry points: lookup() has no side effect but the counters,
// execute() runs one operation to completion. The RTL overlaps them; its visibility rule (an op
// accepted in clock H is seen by every lookup accepted in clock H or later) makes the interleaved
// result equal to calling these in handshake order.
#pragma once

#include <cstdint>

#include "common/ap_shim.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/hls_stream_shim.hpp"

#if !defined(__SYNTHESIS__) && !defined(__VITIS_HLS__) && defined(__SSE4_2__)
#include <nmmintrin.h>
#define CONDUCTOR_FLOW_CRC_HW 1
#else
#define CONDUCTOR_FLOW_CRC_HW 0
#endif

namespace conductor::flow {

constexpr int kSlots = 4;            // slots per bucket (a bucket is one memory word in the RTL)
constexpr int kKeyWords = 5;         // canonical key as 5 x 64 bits (bits 305..319 zero)
constexpr int kKeyBits = 305;
constexpr int kStashSize = 16;       // default build
constexpr int kWalkMax = 16;         // default build
constexpr int kMaxEvents = kSlots;   // events of one op: an AGE of a full bucket
constexpr uint32_t kCrc32cPoly = 0x82F63B78u;  // Castagnoli, bit-reflected
constexpr uint32_t kFmixMul1 = 0x85EBCA6Bu;   // MurmurHash3 fmix32
constexpr uint32_t kFmixMul2 = 0xC2B2AE35u;
constexpr uint16_t kLfsrReset = 0xACE1u;       // victim choice: 16-bit Galois LFSR
constexpr uint16_t kLfsrTaps = 0xB400u;

// The stream words (rtl/csr/conductor.regs).
using LookupWord = ap_uint<regs::FLOW_LOOKUP_BITS>;
using ResultWord = ap_uint<regs::FLOW_RESULT_BITS>;
using OpWord = ap_uint<regs::FLOW_OP_BITS>;
using EventWord = ap_uint<regs::FLOW_EVENT_BITS>;

// The named field values (enum statements of rtl/csr/conductor.regs).
using Opcode = regs::FlowOpOpcode;     // FLOW_OP.OPCODE
using Status = regs::FlowEventStatus;  // FLOW_EVENT.STATUS
using Where = regs::FlowEventWhere;    // FLOW_EVENT.WHERE
using State = regs::FlowValueState;    // FLOW_VALUE.STATE

// Canonical key, FLOW_ENTRY bits 0..319: w[0..1] A_ADDR, w[2..3] B_ADDR, w[4] = A_PORT[15:0],
// B_PORT[31:16], PROTO[39:32], IS_IPV6[40], SG_ID[48:41]; bits 49..63 of w[4] are zero.
struct CKey {
  uint64_t w[kKeyWords];
};

// A slot as the host model stores it: key words with bit 63 of key[4] (FLOW_ENTRY bit 319, never
// part of a key) marking the slot valid, bit 62 its activity mark (set by a lookup that hits it and
// by the engine when it writes the entry; read and cleared by the AGE sweep: the RTL keeps these
// bits in a memory of their own), and the FLOW_VALUE word. 48 bytes; a bucket is 192 bytes, three
// cache lines.
constexpr uint64_t kSlotValid = uint64_t{1} << 63;
constexpr uint64_t kSlotActive = uint64_t{1} << 62;
struct Slot {
  uint64_t key[kKeyWords];
  uint64_t value;
};
struct alignas(64) Bucket {
  Slot slot[kSlots];
};

inline bool slot_valid(const Slot& s) { return (s.key[4] & kSlotValid) != 0; }
inline bool slot_active(const Slot& s) { return (s.key[4] & kSlotActive) != 0; }
inline bool slot_matches(const Slot& s, const CKey& k) {
#pragma HLS INLINE
  // k.w[4] has bits 62 and 63 clear: compare with the valid bit forced on, the mark ignored.
  return s.key[0] == k.w[0] && s.key[1] == k.w[1] && s.key[2] == k.w[2] && s.key[3] == k.w[3] &&
         (s.key[4] & ~kSlotActive) == (k.w[4] | kSlotValid);
}
inline CKey slot_key(const Slot& s) {
  CKey k;
  for (int i = 0; i < kKeyWords; ++i) k.w[i] = s.key[i];
  k.w[4] &= ~(kSlotValid | kSlotActive);
  return k;
}
// A slot the engine writes with a new or moved entry: valid and marked active.
inline Slot make_slot(const CKey& k, uint64_t value) {
  Slot s;
  for (int i = 0; i < kKeyWords; ++i) s.key[i] = k.w[i];
  s.key[4] |= kSlotValid | kSlotActive;
  s.value = value;
  return s;
}
inline Slot empty_slot() {
  Slot s;
  for (int i = 0; i < kKeyWords; ++i) s.key[i] = 0;
  s.value = 0;
  return s;
}

// ---- hashing --------------------------------------------------------------------------------------
// CRC32C (reflected, no inversion) of one 64-bit word, least significant bit first: the
// definition, and what the RTL's constant XOR matrix computes.
inline uint32_t crc32c_u64_bitwise(uint32_t crc, uint64_t w) {
#pragma HLS INLINE
CRC_BITS:
  for (int i = 0; i < 64; ++i) {
#pragma HLS UNROLL
    const uint32_t fb = (crc ^ static_cast<uint32_t>(w >> i)) & 1u;
    crc = (crc >> 1) ^ (fb ? kCrc32cPoly : 0u);
  }
  return crc;
}

// The same; SSE4.2 crc32 on the host (bit-identical, tested).
inline uint32_t crc32c_u64(uint32_t crc, uint64_t w) {
#if CONDUCTOR_FLOW_CRC_HW
  return static_cast<uint32_t>(_mm_crc32_u64(crc, w));
#else
  return crc32c_u64_bitwise(crc, w);
#endif
}

inline uint32_t fmix32(uint32_t h) {
#pragma HLS INLINE
  h ^= h >> 16;
  h *= kFmixMul1;
  h ^= h >> 13;
  h *= kFmixMul2;
  h ^= h >> 16;
  return h;
}

// The two 32-bit hashes of a canonical key. Sub-table t's bucket is h_t & (2^BUCKET_LOG2 - 1).
inline void hash_pair(const CKey& k, uint32_t seed1, uint32_t seed2, uint32_t& h1, uint32_t& h2) {
#pragma HLS INLINE
  uint32_t c1 = seed1, c2 = seed2;
  c1 = crc32c_u64(c1, k.w[0]);
  c2 = crc32c_u64(c2, k.w[4]);
  c1 = crc32c_u64(c1, k.w[1]);
  c2 = crc32c_u64(c2, k.w[3]);
  c1 = crc32c_u64(c1, k.w[2]);
  c2 = crc32c_u64(c2, k.w[2]);
  c1 = crc32c_u64(c1, k.w[3]);
  c2 = crc32c_u64(c2, k.w[1]);
  c1 = crc32c_u64(c1, k.w[4]);
  c2 = crc32c_u64(c2, k.w[0]);
  h1 = fmix32(c1);
  h2 = fmix32(c2);
}

inline uint16_t lfsr_next(uint16_t s) {
  return static_cast<uint16_t>((s >> 1) ^ ((s & 1u) ? kLfsrTaps : 0u));
}

// ---- canonical key ----------------------------------------------------------------------------------
// From a FLOW_KEY word: false (and a zero key) when IP_VALID is 0. Ports take part only for TCP,
// UDP and SCTP with L4_VALID and not IS_FRAG (zero otherwise); the endpoints are swapped when the
// source address is greater than the destination address, or equal with the greater port.
inline bool canonicalize(const ap_uint<320>& fk, CKey& out) {
#pragma HLS INLINE
  using namespace regs;
  const uint64_t s_lo = fk.range(FLOW_KEY_SRC_ADDR_LSB + 63, FLOW_KEY_SRC_ADDR_LSB).to_uint64();
  const uint64_t s_hi = fk.range(FLOW_KEY_SRC_ADDR_LSB + 127, FLOW_KEY_SRC_ADDR_LSB + 64).to_uint64();
  const uint64_t d_lo = fk.range(FLOW_KEY_DST_ADDR_LSB + 63, FLOW_KEY_DST_ADDR_LSB).to_uint64();
  const uint64_t d_hi = fk.range(FLOW_KEY_DST_ADDR_LSB + 127, FLOW_KEY_DST_ADDR_LSB + 64).to_uint64();
  const uint32_t sport = static_cast<uint32_t>(fk.range(FLOW_KEY_SRC_PORT_LSB + 15, FLOW_KEY_SRC_PORT_LSB).to_uint64());
  const uint32_t dport = static_cast<uint32_t>(fk.range(FLOW_KEY_DST_PORT_LSB + 15, FLOW_KEY_DST_PORT_LSB).to_uint64());
  const uint32_t proto = static_cast<uint32_t>(fk.range(FLOW_KEY_PROTO_LSB + 7, FLOW_KEY_PROTO_LSB).to_uint64());
  const bool v6 = fk[FLOW_KEY_IS_IPV6_LSB];
  const bool frag = fk[FLOW_KEY_IS_FRAG_LSB];
  const bool l4 = fk[FLOW_KEY_L4_VALID_LSB];
  const bool ip = fk[FLOW_KEY_IP_VALID_LSB];
  const uint32_t sg = static_cast<uint32_t>(fk.range(FLOW_KEY_SG_ID_LSB + 7, FLOW_KEY_SG_ID_LSB).to_uint64());
  const bool ports = l4 && !frag && (proto == 6 || proto == 17 || proto == 132);
  const uint32_t sp = ports ? sport : 0u;
  const uint32_t dp = ports ? dport : 0u;
  const bool src_gt = s_hi > d_hi || (s_hi == d_hi && s_lo > d_lo);
  const bool src_eq = s_hi == d_hi && s_lo == d_lo;
  const bool swap = src_gt || (src_eq && sp > dp);
  out.w[0] = swap ? d_lo : s_lo;
  out.w[1] = swap ? d_hi : s_hi;
  out.w[2] = swap ? s_lo : d_lo;
  out.w[3] = swap ? s_hi : d_hi;
  const uint64_t pa = swap ? dp : sp;
  const uint64_t pb = swap ? sp : dp;
  out.w[4] = pa | (pb << 16) | (uint64_t{proto} << 32) | (uint64_t{v6} << 40) | (uint64_t{sg} << 41);
  if (!ip) {
    for (int i = 0; i < kKeyWords; ++i) out.w[i] = 0;
  }
  return ip;
}

// ---- FLOW_VALUE fields used by the table ---------------------------------------------------------
inline uint32_t value_state(uint64_t v) {
  return static_cast<uint32_t>(v >> regs::FLOW_VALUE_STATE_LSB) & 3u;
}
inline uint32_t value_last_seen(uint64_t v) {
  return static_cast<uint32_t>(v >> regs::FLOW_VALUE_LAST_SEEN_LSB);
}
inline uint64_t value_with_last_seen(uint64_t v, uint32_t t) {
  static_assert(regs::FLOW_VALUE_LAST_SEEN_LSB == 32 && regs::FLOW_VALUE_LAST_SEEN_WIDTH == 32,
                "LAST_SEEN is the upper half of FLOW_VALUE");
  return (v & 0xFFFFFFFFull) | (uint64_t{t} << 32);
}

// Registers the table reads (block flow_table).
struct Config {
  uint32_t ctrl = regs::FLOW_TABLE_CTRL_RESET;
  uint32_t timeout_new = regs::FLOW_TABLE_TIMEOUT_NEW_RESET;
  uint32_t timeout_est = regs::FLOW_TABLE_TIMEOUT_EST_RESET;
  uint32_t timeout_closing = regs::FLOW_TABLE_TIMEOUT_CLOSING_RESET;
  uint32_t sync_mature = regs::FLOW_TABLE_SYNC_MATURE_RESET;  // SYNC_MATURE (SWEEPS in bits 3:0)
  uint32_t seed1 = regs::FLOW_TABLE_HASH_SEED1_RESET;
  uint32_t seed2 = regs::FLOW_TABLE_HASH_SEED2_RESET;
};

// Registers the table drives (block flow_table, ro), in the names of conductor.regs.
struct Counters {
  uint32_t occupancy = 0;
  uint32_t stash_used = 0;
  uint32_t now = 0;
  uint32_t age_cursor = 0;
  uint32_t first_full_occupancy = 0;
  uint32_t lookups = 0;
  uint32_t hits = 0;
  uint32_t inserts = 0;
  uint32_t insert_full = 0;
  uint32_t insert_exists = 0;
  uint32_t updates = 0;
  uint32_t touches = 0;
  uint32_t deletes = 0;
  uint32_t not_found = 0;
  uint32_t expiries = 0;
  uint32_t age_steps = 0;
  uint32_t invalid_ops = 0;
  uint32_t moves = 0;
  uint32_t matured = 0;

  // COUNTER_CLEAR: everything but the state gauges (occupancy, stash_used, now, age_cursor).
  void clear() {
    const Counters keep = *this;
    *this = Counters{};
    occupancy = keep.occupancy;
    stash_used = keep.stash_used;
    now = keep.now;
    age_cursor = keep.age_cursor;
  }
  friend bool operator==(const Counters& a, const Counters& b) {
    return a.occupancy == b.occupancy && a.stash_used == b.stash_used && a.now == b.now &&
           a.age_cursor == b.age_cursor && a.first_full_occupancy == b.first_full_occupancy &&
           a.lookups == b.lookups && a.hits == b.hits && a.inserts == b.inserts &&
           a.insert_full == b.insert_full && a.insert_exists == b.insert_exists &&
           a.updates == b.updates && a.touches == b.touches && a.deletes == b.deletes &&
           a.not_found == b.not_found && a.expiries == b.expiries && a.age_steps == b.age_steps &&
           a.invalid_ops == b.invalid_ops && a.moves == b.moves && a.matured == b.matured;
  }
};

// One operation, unpacked from FLOW_OP.
struct OpRec {
  uint32_t opcode = 0;   // raw OPCODE (reserved values are invalid)
  bool key_valid = false;  // IP_VALID of the op's key
  CKey key{};
  uint64_t value = 0;
  uint32_t time = 0;
  uint32_t tag = 0;
};

// One event, before packing into FLOW_EVENT.
struct EventRec {
  Status status = Status::kDone;
  uint32_t opcode = 0;
  Where where = Where::kNone;
  uint32_t moves = 0;
  uint32_t tag = 0;
  CKey key{};
  uint64_t value = 0;
};

// ---- word packing (FLOW_LOOKUP / FLOW_RESULT / FLOW_OP / FLOW_EVENT) --------------------------------
inline OpRec unpack_op(const OpWord& w) {
#pragma HLS INLINE
  using namespace regs;
  OpRec op;
  const ap_uint<320> fk = w.range(FLOW_OP_KEY_LSB + 319, FLOW_OP_KEY_LSB);
  op.key_valid = canonicalize(fk, op.key);
  op.value = w.range(FLOW_OP_VALUE_LSB + 63, FLOW_OP_VALUE_LSB).to_uint64();
  op.time = static_cast<uint32_t>(w.range(FLOW_OP_TIME_LSB + 31, FLOW_OP_TIME_LSB).to_uint64());
  op.tag = static_cast<uint32_t>(w.range(FLOW_OP_TAG_LSB + 15, FLOW_OP_TAG_LSB).to_uint64());
  op.opcode = static_cast<uint32_t>(w.range(FLOW_OP_OPCODE_LSB + 3, FLOW_OP_OPCODE_LSB).to_uint64());
  return op;
}

inline EventWord pack_event(const EventRec& e) {
#pragma HLS INLINE
  using namespace regs;
  EventWord w = 0;
  for (int i = 0; i < kKeyWords; ++i) w.range(64 * i + 63, 64 * i) = e.key.w[i];
  w.range(FLOW_EVENT_VALUE_LSB + 63, FLOW_EVENT_VALUE_LSB) = e.value;
  w.range(FLOW_EVENT_STATUS_LSB + 3, FLOW_EVENT_STATUS_LSB) = static_cast<uint32_t>(e.status);
  w.range(FLOW_EVENT_OPCODE_LSB + 3, FLOW_EVENT_OPCODE_LSB) = e.opcode & 15u;
  w.range(FLOW_EVENT_WHERE_LSB + 1, FLOW_EVENT_WHERE_LSB) = static_cast<uint32_t>(e.where);
  w.range(FLOW_EVENT_MOVES_LSB + 5, FLOW_EVENT_MOVES_LSB) = e.moves & 63u;
  w.range(FLOW_EVENT_TAG_LSB + 15, FLOW_EVENT_TAG_LSB) = e.tag & 0xFFFFu;
  return w;
}

inline ResultWord pack_result(bool hit, bool key_valid, uint64_t value, const ap_uint<64>& tag,
                              uint32_t bucket1 = 0, uint32_t bucket2 = 0) {
#pragma HLS INLINE
  using namespace regs;
  ResultWord r = 0;
  r.range(FLOW_RESULT_VALUE_LSB + 63, FLOW_RESULT_VALUE_LSB) = hit ? value : uint64_t{0};
  r.range(FLOW_RESULT_TAG_LSB + 63, FLOW_RESULT_TAG_LSB) = tag;
  r[FLOW_RESULT_HIT_LSB] = hit;
  r[FLOW_RESULT_KEY_VALID_LSB] = key_valid;
  // The key's buckets (FLOW_OP.HINT of an op built from this result); 0 for an invalid key.
  r.range(FLOW_RESULT_BUCKET1_LSB + FLOW_RESULT_BUCKET1_WIDTH - 1, FLOW_RESULT_BUCKET1_LSB) = key_valid ? bucket1 : 0u;
  r.range(FLOW_RESULT_BUCKET2_LSB + FLOW_RESULT_BUCKET2_WIDTH - 1, FLOW_RESULT_BUCKET2_LSB) = key_valid ? bucket2 : 0u;
  return r;
}

// ---- storage policies ---------------------------------------------------------------------------------
// Two sub-tables of 2^BucketLog2Max buckets as arrays (HLS: two memories; a bucket is one word).
template <int BucketLog2Max>
struct FlowStaticStorage {
  static_assert(BucketLog2Max >= 0 && BucketLog2Max <= 25, "bucket index fits 25 bits (FLOW_RESULT.BUCKET1/2)");
  static constexpr int log2_max() { return BucketLog2Max; }
  Bucket* table(int t) { return t == 0 ? t1 : t2; }
  const Bucket* table(int t) const { return t == 0 ? t1 : t2; }
  Bucket t1[1 << BucketLog2Max];
  Bucket t2[1 << BucketLog2Max];
};

// ---- the core -------------------------------------------------------------------------------------------
// Storage: log2_max() and table(t) (t = 0, 1) returning 2^log2_max() buckets.
template <class Storage, int StashSize = kStashSize, int WalkMax = kWalkMax>
class FlowTableCore {
  static_assert(StashSize >= 1 && StashSize <= 63, "STASH_SIZE is a 6-bit field");
  static_assert(WalkMax >= 0 && WalkMax <= 63, "WALK_MAX and MOVES are 6-bit fields");

 public:
  static constexpr int kStash = StashSize;
  static constexpr int kWalk = WalkMax;

  template <typename... Args>
  explicit FlowTableCore(Args&&... args) : store_(static_cast<Args&&>(args)...) {
    reset();
  }

  // Power-on state: every slot empty, counters zero, LFSR at its reset value.
  void reset() {
    const uint32_t n = 1u << store_.log2_max();
    for (int t = 0; t < 2; ++t) {
      Bucket* tb = store_.table(t);
      for (uint32_t b = 0; b < n; ++b)
        for (int s = 0; s < kSlots; ++s) tb[b].slot[s] = empty_slot();
    }
    for (int i = 0; i < StashSize; ++i) stash_[i] = empty_slot();
    cnt_ = Counters{};
    lfsr_ = kLfsrReset;
  }

  void set_config(const Config& c) { cfg_ = c; }
  const Config& config() const { return cfg_; }
  const Counters& counters() const { return cnt_; }
  void clear_counters() { cnt_.clear(); }

  // ---- geometry at the active size
  int log2_max() const { return store_.log2_max(); }
  uint32_t bucket_log2() const {
    const uint32_t req = regs::field_get(cfg_.ctrl, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB,
                                         regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH);
    return req > static_cast<uint32_t>(store_.log2_max()) ? static_cast<uint32_t>(store_.log2_max()) : req;
  }
  uint32_t buckets() const { return 1u << bucket_log2(); }
  uint32_t mask() const { return buckets() - 1; }
  uint32_t capacity() const { return 2 * buckets() * kSlots + StashSize; }
  uint32_t walk_steps() const {
    const uint32_t req = regs::field_get(cfg_.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB,
                                         regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH);
    return req > static_cast<uint32_t>(WalkMax) ? static_cast<uint32_t>(WalkMax) : req;
  }
  // GEOMETRY register.
  uint32_t geometry() const {
    using namespace regs;
    uint32_t g = 0;
    g = field_set(g, FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_LSB, FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_WIDTH,
                  static_cast<uint32_t>(store_.log2_max()));
    g = field_set(g, FLOW_TABLE_GEOMETRY_SLOTS_LSB, FLOW_TABLE_GEOMETRY_SLOTS_WIDTH, kSlots);
    g = field_set(g, FLOW_TABLE_GEOMETRY_STASH_SIZE_LSB, FLOW_TABLE_GEOMETRY_STASH_SIZE_WIDTH, StashSize);
    g = field_set(g, FLOW_TABLE_GEOMETRY_WALK_MAX_LSB, FLOW_TABLE_GEOMETRY_WALK_MAX_WIDTH, WalkMax);
    return g;
  }

  void buckets_of(const CKey& k, uint32_t& b1, uint32_t& b2) const {
#pragma HLS INLINE
    uint32_t h1, h2;
    hash_pair(k, cfg_.seed1, cfg_.seed2, h1, h2);
    b1 = h1 & mask();
    b2 = h2 & mask();
  }

  // ---- lookup: hit and value (0 on a miss); counts LOOKUPS and HITS. A hit marks the entry
  // active (the in-line bookkeeping the AGE sweep reads) unless `mark` is false: the host model
  // then applies the mark later with mark() (the RTL writes it a few clocks after the read,
  // docs/flow_table.md "Activity").
  // b1/b2 (if given) receive the key's buckets (FLOW_RESULT.BUCKET1/2).
  bool lookup(bool key_valid, const CKey& k, uint64_t& value, bool mark = true, uint32_t* b1_out = nullptr,
              uint32_t* b2_out = nullptr) {
#pragma HLS INLINE
    ++cnt_.lookups;
    value = 0;
    if (!key_valid) return false;
    uint32_t b1, b2;
    buckets_of(k, b1, b2);
    if (b1_out) *b1_out = b1;
    if (b2_out) *b2_out = b2;
    Slot* at = nullptr;
    const bool hit = find_in(k, store_.table(0)[b1], store_.table(1)[b2], value, at);
    if (hit) ++cnt_.hits;
    if (hit && mark) at->key[4] |= kSlotActive;
    return hit;
  }

  // Marks the entry of k active, if it is present (a deferred lookup mark).
  void mark(const CKey& k) {
    uint32_t b1, b2;
    buckets_of(k, b1, b2);
    Where where;
    int at;
    locate(k, store_.table(0)[b1], store_.table(1)[b2], where, at);
    Slot* s = where == Where::kTable1 ? &store_.table(0)[b1].slot[at]
              : where == Where::kTable2 ? &store_.table(1)[b2].slot[at]
              : where == Where::kStash  ? &stash_[at]
                                        : nullptr;
    if (s) s->key[4] |= kSlotActive;
  }

  // Lookup of a key whose buckets are known (the host's bulk path hashes and prefetches first).
  bool lookup_hashed(const CKey& k, uint32_t h1, uint32_t h2, uint64_t& value) {
    ++cnt_.lookups;
    value = 0;
    Slot* at = nullptr;
    const bool hit = find_in(k, store_.table(0)[h1 & mask()], store_.table(1)[h2 & mask()], value, at);
    if (hit) {
      ++cnt_.hits;
      at->key[4] |= kSlotActive;
    }
    return hit;
  }
  const Bucket* bucket_ptr(int t, uint32_t h) const { return &store_.table(t)[h & mask()]; }

  // FLOW_LOOKUP word -> FLOW_RESULT word.
  ResultWord lookup_word(const ap_uint<384>& req) {
#pragma HLS INLINE
    using namespace regs;
    CKey k;
    const bool kv = canonicalize(req.range(FLOW_LOOKUP_KEY_LSB + 319, FLOW_LOOKUP_KEY_LSB), k);
    uint64_t v;
    uint32_t b1 = 0, b2 = 0;
    const bool hit = lookup(kv, k, v, true, &b1, &b2);
    return pack_result(hit, kv, v, req.range(FLOW_LOOKUP_TAG_LSB + 63, FLOW_LOOKUP_TAG_LSB), b1, b2);
  }

  // ---- operations: runs one op to completion; fills ev[0..n) and returns n (0..kMaxEvents).
  int execute(const OpRec& op, EventRec ev[kMaxEvents]) {
    cnt_.now = op.time;
    const Opcode code = static_cast<Opcode>(op.opcode);
    const bool known = op.opcode >= 1 && op.opcode <= static_cast<uint32_t>(Opcode::kUpsert);
    if (!known || (code != Opcode::kAge && !op.key_valid)) {
      ++cnt_.invalid_ops;
      ev[0] = EventRec{};
      ev[0].status = Status::kInvalid;
      ev[0].opcode = op.opcode;
      ev[0].tag = op.tag;
      return 1;
    }
    if (code == Opcode::kAge) return age(op, ev);

    EventRec& e = ev[0];
    e = EventRec{};
    e.opcode = op.opcode;
    e.tag = op.tag;
    e.key = op.key;
    uint32_t b1, b2;
    buckets_of(op.key, b1, b2);
    Bucket& bk1 = store_.table(0)[b1];
    Bucket& bk2 = store_.table(1)[b2];
    Where where = Where::kNone;
    int at = -1;
    locate(op.key, bk1, bk2, where, at);
    Slot* found = where == Where::kTable1 ? &bk1.slot[at]
                  : where == Where::kTable2 ? &bk2.slot[at]
                  : where == Where::kStash  ? &stash_[at]
                                            : nullptr;

    // An UPSERT of an absent key is an INSERT; of a present one, an UPDATE.
    if (code == Opcode::kInsert || (code == Opcode::kUpsert && found == nullptr)) {
      const uint64_t v = value_with_last_seen(op.value, op.time);
      if (found != nullptr) {
        ++cnt_.insert_exists;
        e.status = Status::kExists;
        e.where = where;
        e.value = found->value;
        return 1;
      }
      e.value = v;
      insert_new(op.key, v, b1, b2, e);
      return 1;
    }
    if (found == nullptr) {
      ++cnt_.not_found;
      e.status = Status::kNotFound;
      return 1;
    }
    e.status = Status::kDone;
    e.where = where;
    if (code == Opcode::kUpdate || code == Opcode::kUpsert) {  // in place: its activity mark stays
      found->value = value_with_last_seen(op.value, op.time);
      e.value = found->value;
      ++cnt_.updates;
    } else if (code == Opcode::kTouch) {
      found->value = value_with_last_seen(found->value, op.time);
      e.value = found->value;
      ++cnt_.touches;
    } else {  // kDelete
      e.value = found->value;
      *found = empty_slot();
      ++cnt_.deletes;
      --cnt_.occupancy;
      if (where == Where::kStash) --cnt_.stash_used;
    }
    return 1;
  }

  // FLOW_OP word -> FLOW_EVENT words.
  int execute_word(const OpWord& op, EventWord ev[kMaxEvents]) {
    EventRec rec[kMaxEvents];
    const int n = execute(unpack_op(op), rec);
  PACK:
    for (int i = 0; i < kMaxEvents; ++i) {
#pragma HLS UNROLL
      if (i < n) ev[i] = pack_event(rec[i]);
    }
    return n;
  }

  // ---- inspection (tests and host tools)
  const Slot& slot(int t, uint32_t b, int s) const { return store_.table(t)[b].slot[s]; }
  const Slot& stash(int i) const { return stash_[i]; }
  uint16_t lfsr() const { return lfsr_; }

  // Expired at time `now` under the configured timeouts (0 = never).
  bool expired(uint64_t v, uint32_t now) const {
    const uint32_t st = value_state(v);
    const uint32_t to = st == 0 ? cfg_.timeout_new : st == 1 ? cfg_.timeout_est : cfg_.timeout_closing;
    return to != 0 && static_cast<uint32_t>(now - value_last_seen(v)) > to;
  }

 private:
  bool find_in(const CKey& k, Bucket& bk1, Bucket& bk2, uint64_t& value, Slot*& at) {
#pragma HLS INLINE
    for (int s = 0; s < kSlots; ++s) {
      if (slot_matches(bk1.slot[s], k)) {
        value = bk1.slot[s].value;
        at = &bk1.slot[s];
        return true;
      }
    }
    for (int s = 0; s < kSlots; ++s) {
      if (slot_matches(bk2.slot[s], k)) {
        value = bk2.slot[s].value;
        at = &bk2.slot[s];
        return true;
      }
    }
    if (cnt_.stash_used != 0) {
      for (int i = 0; i < StashSize; ++i) {
        if (slot_matches(stash_[i], k)) {
          value = stash_[i].value;
          at = &stash_[i];
          return true;
        }
      }
    }
    return false;
  }

  void locate(const CKey& k, const Bucket& bk1, const Bucket& bk2, Where& where, int& at) const {
    where = Where::kNone;
    at = -1;
    for (int s = 0; s < kSlots && where == Where::kNone; ++s)
      if (slot_matches(bk1.slot[s], k)) where = Where::kTable1, at = s;
    for (int s = 0; s < kSlots && where == Where::kNone; ++s)
      if (slot_matches(bk2.slot[s], k)) where = Where::kTable2, at = s;
    for (int i = 0; i < StashSize && where == Where::kNone; ++i)
      if (slot_matches(stash_[i], k)) where = Where::kStash, at = i;
  }

  static int free_count(const Bucket& b) {
    int n = 0;
    for (int s = 0; s < kSlots; ++s) n += slot_valid(b.slot[s]) ? 0 : 1;
    return n;
  }
  static int first_free(const Bucket& b) {
    for (int s = 0; s < kSlots; ++s)
      if (!slot_valid(b.slot[s])) return s;
    return -1;
  }

  // INSERT of an absent key: least-loaded bucket, else walk, else stash, else FULL.
  void insert_new(const CKey& k, uint64_t v, uint32_t b1, uint32_t b2, EventRec& e) {
    Bucket* t1 = store_.table(0);
    Bucket* t2 = store_.table(1);
    const int f1 = free_count(t1[b1]);
    const int f2 = free_count(t2[b2]);
    if (f1 + f2 > 0) {
      const bool use1 = f1 >= f2;
      Bucket& b = use1 ? t1[b1] : t2[b2];
      b.slot[first_free(b)] = make_slot(k, v);
      added(use1 ? Where::kTable1 : Where::kTable2, 0, e);
      return;
    }
    if (walk(k, v, b1, e)) return;
    for (int i = 0; i < StashSize; ++i) {
      if (!slot_valid(stash_[i])) {
        stash_[i] = make_slot(k, v);
        ++cnt_.stash_used;
        added(Where::kStash, 0, e);
        return;
      }
    }
    ++cnt_.insert_full;
    if (cnt_.first_full_occupancy == 0) cnt_.first_full_occupancy = cnt_.occupancy;
    e.status = Status::kFull;
    e.where = Where::kNone;
  }

  void added(Where w, uint32_t moves, EventRec& e) {
    ++cnt_.inserts;
    ++cnt_.occupancy;
    cnt_.moves += moves;
    e.status = Status::kDone;
    e.where = w;
    e.moves = moves;
  }

  // Cuckoo walk from the key's sub-table-1 bucket (both buckets are full). Step i: for every slot
  // s of the current bucket, the victim's bucket in the other sub-table is a candidate unless that
  // bucket is already on the path; the lowest s whose candidate has a free slot ends the walk.
  // Otherwise (unless this was the last step) the LFSR advances and the walk continues through the
  // first candidate at or after slot lfsr % kSlots. The path is committed from its free end, so
  // every key stays in at least one of its slots while the RTL carries out the moves.
  bool walk(const CKey& k, uint64_t v, uint32_t b1, EventRec& e) {
    const int steps = static_cast<int>(walk_steps());
    int pt[WalkMax + 2];
    uint32_t pb[WalkMax + 2];
    int ps[WalkMax + 2];
    int len = 0;  // path entries: (table, bucket, slot)
    int ct = 0;
    uint32_t cb = b1;
  STEPS:
    for (int i = 0; i < WalkMax; ++i) {
      if (i >= steps) break;
      const Bucket& cur = store_.table(ct)[cb];
      uint32_t alt[kSlots];
      bool ok[kSlots];
      for (int s = 0; s < kSlots; ++s) {
        uint32_t h1, h2;
        hash_pair(slot_key(cur.slot[s]), cfg_.seed1, cfg_.seed2, h1, h2);
        alt[s] = (ct == 0 ? h2 : h1) & mask();
        ok[s] = true;
        for (int p = 0; p < len; ++p)
          if (pt[p] == 1 - ct && pb[p] == alt[s]) ok[s] = false;
      }
      for (int s = 0; s < kSlots; ++s) {
        if (!ok[s]) continue;
        const int f = first_free(store_.table(1 - ct)[alt[s]]);
        if (f < 0) continue;
        pt[len] = ct, pb[len] = cb, ps[len] = s, ++len;
        pt[len] = 1 - ct, pb[len] = alt[s], ps[len] = f, ++len;
        commit(pt, pb, ps, len, k, v);
        added(Where::kTable1, static_cast<uint32_t>(len - 1), e);
        return true;
      }
      if (i == steps - 1) break;
      lfsr_ = lfsr_next(lfsr_);
      const int s0 = lfsr_ & (kSlots - 1);
      int pick = -1;
      for (int j = 0; j < kSlots; ++j) {
        const int s = (s0 + j) & (kSlots - 1);
        if (pick < 0 && ok[s]) pick = s;
      }
      if (pick < 0) break;
      pt[len] = ct, pb[len] = cb, ps[len] = pick, ++len;
      cb = alt[pick];
      ct = 1 - ct;
    }
    return false;
  }

  // Moved entries are marked active (the RTL writes the mark with the entry; a mark of a lookup
  // that races with the move can then only set what is set already).
  void commit(const int* pt, const uint32_t* pb, const int* ps, int len, const CKey& k, uint64_t v) {
    for (int j = len - 1; j > 0; --j) {
      Slot& dst = store_.table(pt[j])[pb[j]].slot[ps[j]];
      dst = store_.table(pt[j - 1])[pb[j - 1]].slot[ps[j - 1]];
      dst.key[4] |= kSlotActive;
    }
    store_.table(pt[0])[pb[0]].slot[ps[0]] = make_slot(k, v);
  }

  // AGE: examine one sweep unit (sub-table 1 buckets, sub-table 2 buckets, stash entries). An
  // entry marked active since the last visit gets LAST_SEEN := TIME and its mark cleared; an
  // unmarked one expires when idle longer than its state's timeout.
  int age(const OpRec& op, EventRec ev[kMaxEvents]) {
    const uint32_t nb = buckets();
    const uint32_t units = 2 * nb + StashSize;
    const uint32_t u = cnt_.age_cursor >= units ? 0 : cnt_.age_cursor;
    cnt_.age_cursor = u + 1 == units ? 0 : u + 1;
    ++cnt_.age_steps;
    int n = 0, expired_n = 0, refreshed_n = 0;
    if (u < 2 * nb) {
      const int t = u < nb ? 0 : 1;
      Bucket& b = store_.table(t)[u < nb ? u : u - nb];
      for (int s = 0; s < kSlots; ++s) {
        if (sweep_slot(b.slot[s], t == 0 ? Where::kTable1 : Where::kTable2, op, ev[n])) {
          ++n;
          if (ev[n - 1].status == Status::kExpired) ++expired_n;
          if (ev[n - 1].status == Status::kRefreshed) ++refreshed_n;
        }
      }
    } else {
      Slot& s = stash_[u - 2 * nb];
      if (sweep_slot(s, Where::kStash, op, ev[n])) {
        ++n;
        if (ev[0].status == Status::kExpired) {
          ++expired_n;
          --cnt_.stash_used;
        }
        if (ev[0].status == Status::kRefreshed) ++refreshed_n;
      }
    }
    cnt_.expiries += static_cast<uint32_t>(expired_n);
    cnt_.matured += static_cast<uint32_t>(n - expired_n - refreshed_n);
    cnt_.occupancy -= static_cast<uint32_t>(expired_n);
    return n;
  }

  // One slot of an AGE's unit: a marked (active) entry is refreshed, an idle one past its timeout
  // expires (event EXPIRED, slot emptied). Under SYNC_MATURE.SWEEPS = N > 0, an entry that stays
  // and is unsynced (not FLOW_SYNC.SYNCED with EPOCH = SYNC_MATURE.GEN) counts the sweep
  // (FLOW_SYNC.SWEEPS, saturating at 15) and is matured when the count reaches N: SYNCED := 1,
  // EPOCH := GEN, event MATURED with the value after the op. Under SYNC_MATURE.KEEPALIVE, a synced
  // entry refreshed from its mark is reported: event REFRESHED with the value after the op.
  // Returns whether `e` was filled.
  bool sweep_slot(Slot& s, Where w, const OpRec& op, EventRec& e) {
    if (!slot_valid(s)) return false;
    const uint32_t need = cfg_.sync_mature & regs::FLOW_TABLE_SYNC_MATURE_SWEEPS_MASK;
    const uint32_t gen = (cfg_.sync_mature >> regs::FLOW_TABLE_SYNC_MATURE_GEN_LSB) & 1u;
    const bool keepalive = ((cfg_.sync_mature >> regs::FLOW_TABLE_SYNC_MATURE_KEEPALIVE_LSB) & 1u) != 0;
    const uint32_t flags = static_cast<uint32_t>(s.value >> regs::FLOW_VALUE_SYNC_FLAGS_LSB) & 0x3Fu;
    const bool synced = ((flags >> regs::FLOW_SYNC_SYNCED_LSB) & 1u) != 0 && ((flags >> regs::FLOW_SYNC_EPOCH_LSB) & 1u) == gen;
    if (slot_active(s)) {
      refresh(s, op.time);
      if (keepalive && synced) {
        e = age_event(s, Status::kRefreshed, w, op);
        return true;
      }
    } else if (expired(s.value, op.time)) {
      e = age_event(s, Status::kExpired, w, op);
      s = empty_slot();
      return true;
    }
    if (need == 0 || synced) return false;
    uint32_t sweeps = (flags >> regs::FLOW_SYNC_SWEEPS_LSB) & 15u;
    sweeps = sweeps == 15 ? 15 : sweeps + 1;
    const bool matured = sweeps >= need;
    uint32_t nf = flags & ~(15u << regs::FLOW_SYNC_SWEEPS_LSB);
    nf |= sweeps << regs::FLOW_SYNC_SWEEPS_LSB;
    if (matured) nf = (nf & ~(1u << regs::FLOW_SYNC_EPOCH_LSB)) | (1u << regs::FLOW_SYNC_SYNCED_LSB) | (gen << regs::FLOW_SYNC_EPOCH_LSB);
    s.value = (s.value & ~(uint64_t{0x3F} << regs::FLOW_VALUE_SYNC_FLAGS_LSB)) |
              (uint64_t{nf} << regs::FLOW_VALUE_SYNC_FLAGS_LSB);
    if (!matured) return false;
    e = age_event(s, Status::kMatured, w, op);
    return true;
  }

  static void refresh(Slot& s, uint32_t now) {
    s.value = value_with_last_seen(s.value, now);
    s.key[4] &= ~kSlotActive;
  }

  static EventRec age_event(const Slot& s, Status st, Where w, const OpRec& op) {
    EventRec e;
    e.status = st;
    e.opcode = op.opcode;
    e.where = w;
    e.tag = op.tag;
    e.key = slot_key(s);
    e.value = s.value;
    return e;
  }

  Storage store_;
  Slot stash_[StashSize];
  Config cfg_;
  Counters cnt_;
  uint16_t lfsr_ = kLfsrReset;
};

}  // namespace conductor::flow

// HLS top (flow_table.cpp): on-chip default build, 2 x 2^15 buckets x 4 slots + 16 = 262160 entries.
namespace conductor::flow {
constexpr int kHlsBucketLog2 = 15;
}

// Free-running (ap_ctrl_none). Each call: one op from s_op if one is waiting (its events to
// m_event), then one lookup from s_lookup if one is waiting (its result to m_result), so a lookup
// sees every op read in the same call or before. Registers of block flow_table on s_axi_control:
// the rw ones are inputs, the ro ones outputs (one pointer each, at their conductor.regs offsets).
void flow_table_top(hls::stream<ap_uint<384>>& s_lookup, hls::stream<conductor::flow::ResultWord>& m_result,
                    hls::stream<conductor::flow::OpWord>& s_op, hls::stream<conductor::flow::EventWord>& m_event,
                    ap_uint<32> ctrl, ap_uint<32> timeout_new, ap_uint<32> timeout_est,
                    ap_uint<32> timeout_closing, ap_uint<32> sync_mature, ap_uint<32> hash_seed1,
                    ap_uint<32> hash_seed2,
                    ap_uint<32> counter_clear, ap_uint<32>* geometry, ap_uint<32>* capacity,
                    ap_uint<32>* occupancy, ap_uint<32>* stash_used, ap_uint<32>* now,
                    ap_uint<32>* age_cursor, ap_uint<32>* first_full_occupancy,
                    ap_uint<32>* lookups, ap_uint<32>* hits, ap_uint<32>* inserts,
                    ap_uint<32>* insert_full, ap_uint<32>* insert_exists, ap_uint<32>* updates,
                    ap_uint<32>* touches, ap_uint<32>* deletes, ap_uint<32>* not_found,
                    ap_uint<32>* expiries, ap_uint<32>* age_steps, ap_uint<32>* invalid_ops,
                    ap_uint<32>* moves, ap_uint<32>* matured);
