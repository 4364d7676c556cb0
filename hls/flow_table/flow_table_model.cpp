// Plain C++ API of the flow table (see flow_table_model.hpp): word packing, canonical keys, the
// heap storage and the FlowTableModel wrapper around FlowTableCore.
#include "flow_table/flow_table_model.hpp"

#include <cstdio>
#include <cstring>

#include "common/packing.hpp"

namespace conductor {

using namespace regs;

namespace {

template <int W>
uint64_t get(const ap_uint<W>& w, uint32_t lsb, uint32_t width) {
  return w.range(lsb + width - 1, lsb).to_uint64();
}
template <int W>
void put(ap_uint<W>& w, uint32_t lsb, uint32_t width, uint64_t v) {
  w.range(lsb + width - 1, lsb) = v;
}
uint64_t bits(uint64_t v, uint32_t lsb, uint32_t width) {
  return (v >> lsb) & ((width >= 64 ? 0 : (uint64_t{1} << width)) - 1);
}
uint64_t place(uint64_t v, uint32_t lsb, uint32_t width) {
  return (v & ((width >= 64 ? 0 : (uint64_t{1} << width)) - 1)) << lsb;
}

uint64_t be64(const uint8_t* p) {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i) x = (x << 8) | p[i];
  return x;
}

}  // namespace

// ---- FLOW_VALUE --------------------------------------------------------------------------------------
uint64_t pack(const FlowValue& v) {
  return place(v.owner_member, FLOW_VALUE_OWNER_MEMBER_LSB, FLOW_VALUE_OWNER_MEMBER_WIDTH) |
         place(v.owner_site, FLOW_VALUE_OWNER_SITE_LSB, FLOW_VALUE_OWNER_SITE_WIDTH) |
         place(v.lb_member, FLOW_VALUE_LB_MEMBER_LSB, FLOW_VALUE_LB_MEMBER_WIDTH) |
         place(v.lb_valid, FLOW_VALUE_LB_VALID_LSB, FLOW_VALUE_LB_VALID_WIDTH) |
         place(v.rb_member, FLOW_VALUE_RB_MEMBER_LSB, FLOW_VALUE_RB_MEMBER_WIDTH) |
         place(v.rb_site, FLOW_VALUE_RB_SITE_LSB, FLOW_VALUE_RB_SITE_WIDTH) |
         place(v.rb_valid, FLOW_VALUE_RB_VALID_LSB, FLOW_VALUE_RB_VALID_WIDTH) |
         place(static_cast<uint64_t>(v.state), FLOW_VALUE_STATE_LSB, FLOW_VALUE_STATE_WIDTH) |
         place(v.sync_flags, FLOW_VALUE_SYNC_FLAGS_LSB, FLOW_VALUE_SYNC_FLAGS_WIDTH) |
         place(v.last_seen, FLOW_VALUE_LAST_SEEN_LSB, FLOW_VALUE_LAST_SEEN_WIDTH);
}

FlowValue unpack_flow_value(uint64_t w) {
  FlowValue v;
  v.owner_member = static_cast<uint8_t>(bits(w, FLOW_VALUE_OWNER_MEMBER_LSB, FLOW_VALUE_OWNER_MEMBER_WIDTH));
  v.owner_site = static_cast<uint8_t>(bits(w, FLOW_VALUE_OWNER_SITE_LSB, FLOW_VALUE_OWNER_SITE_WIDTH));
  v.lb_member = static_cast<uint8_t>(bits(w, FLOW_VALUE_LB_MEMBER_LSB, FLOW_VALUE_LB_MEMBER_WIDTH));
  v.lb_valid = bits(w, FLOW_VALUE_LB_VALID_LSB, FLOW_VALUE_LB_VALID_WIDTH) != 0;
  v.rb_member = static_cast<uint8_t>(bits(w, FLOW_VALUE_RB_MEMBER_LSB, FLOW_VALUE_RB_MEMBER_WIDTH));
  v.rb_site = static_cast<uint8_t>(bits(w, FLOW_VALUE_RB_SITE_LSB, FLOW_VALUE_RB_SITE_WIDTH));
  v.rb_valid = bits(w, FLOW_VALUE_RB_VALID_LSB, FLOW_VALUE_RB_VALID_WIDTH) != 0;
  v.state = static_cast<flow::State>(bits(w, FLOW_VALUE_STATE_LSB, FLOW_VALUE_STATE_WIDTH));
  v.sync_flags = static_cast<uint8_t>(bits(w, FLOW_VALUE_SYNC_FLAGS_LSB, FLOW_VALUE_SYNC_FLAGS_WIDTH));
  v.last_seen = static_cast<uint32_t>(bits(w, FLOW_VALUE_LAST_SEEN_LSB, FLOW_VALUE_LAST_SEEN_WIDTH));
  return v;
}

// ---- FLOW_LOOKUP / FLOW_RESULT / FLOW_OP / FLOW_EVENT ------------------------------------------------
ap_uint<384> pack(const FlowLookup& l) {
  ap_uint<384> w = 0;
  w.range(FLOW_LOOKUP_KEY_LSB + 319, FLOW_LOOKUP_KEY_LSB) = pack(l.key);
  put(w, FLOW_LOOKUP_TAG_LSB, FLOW_LOOKUP_TAG_WIDTH, l.tag);
  return w;
}

FlowResult unpack_flow_result(const flow::ResultWord& w) {
  FlowResult r;
  r.value = unpack_flow_value(get(w, FLOW_RESULT_VALUE_LSB, FLOW_RESULT_VALUE_WIDTH));
  r.tag = get(w, FLOW_RESULT_TAG_LSB, FLOW_RESULT_TAG_WIDTH);
  r.hit = w[FLOW_RESULT_HIT_LSB];
  r.key_valid = w[FLOW_RESULT_KEY_VALID_LSB];
  r.bucket1 = static_cast<uint32_t>(get(w, FLOW_RESULT_BUCKET1_LSB, FLOW_RESULT_BUCKET1_WIDTH));
  r.bucket2 = static_cast<uint32_t>(get(w, FLOW_RESULT_BUCKET2_LSB, FLOW_RESULT_BUCKET2_WIDTH));
  return r;
}

flow::ResultWord pack(const FlowResult& r) {
  return flow::pack_result(r.hit, r.key_valid, pack(r.value), ap_uint<64>(r.tag), r.bucket1, r.bucket2);
}

flow::OpWord pack(const FlowOp& op) {
  flow::OpWord w = 0;
  w.range(FLOW_OP_KEY_LSB + 319, FLOW_OP_KEY_LSB) = pack(op.key);
  put(w, FLOW_OP_VALUE_LSB, FLOW_OP_VALUE_WIDTH, pack(op.value));
  put(w, FLOW_OP_TIME_LSB, FLOW_OP_TIME_WIDTH, op.time);
  put(w, FLOW_OP_TAG_LSB, FLOW_OP_TAG_WIDTH, op.tag);
  put(w, FLOW_OP_OPCODE_LSB, FLOW_OP_OPCODE_WIDTH, op.opcode);
  put(w, FLOW_OP_HINT_LSB, FLOW_OP_HINT_WIDTH, op.hint ? 1u : 0u);
  put(w, FLOW_OP_BUCKET1_LSB, FLOW_OP_BUCKET1_WIDTH, op.bucket1);
  put(w, FLOW_OP_BUCKET2_LSB, FLOW_OP_BUCKET2_WIDTH, op.bucket2);
  return w;
}

FlowEvent unpack_flow_event(const flow::EventWord& w) {
  FlowEvent e;
  for (int i = 0; i < flow::kKeyWords; ++i) e.key.w[i] = w.range(64 * i + 63, 64 * i).to_uint64();
  e.key.w[4] &= (uint64_t{1} << (flow::kKeyBits - 256)) - 1;  // bits 305.. are VALUE
  e.value = unpack_flow_value(get(w, FLOW_EVENT_VALUE_LSB, FLOW_EVENT_VALUE_WIDTH));
  e.status = static_cast<flow::Status>(get(w, FLOW_EVENT_STATUS_LSB, FLOW_EVENT_STATUS_WIDTH));
  e.opcode = static_cast<uint8_t>(get(w, FLOW_EVENT_OPCODE_LSB, FLOW_EVENT_OPCODE_WIDTH));
  e.where = static_cast<flow::Where>(get(w, FLOW_EVENT_WHERE_LSB, FLOW_EVENT_WHERE_WIDTH));
  e.moves = static_cast<uint8_t>(get(w, FLOW_EVENT_MOVES_LSB, FLOW_EVENT_MOVES_WIDTH));
  e.tag = static_cast<uint16_t>(get(w, FLOW_EVENT_TAG_LSB, FLOW_EVENT_TAG_WIDTH));
  return e;
}

FlowEvent to_flow_event(const flow::EventRec& r) {
  FlowEvent e;
  e.status = r.status;
  e.opcode = static_cast<uint8_t>(r.opcode & 15u);
  e.where = r.where;
  e.moves = static_cast<uint8_t>(r.moves & 63u);
  e.tag = static_cast<uint16_t>(r.tag);
  e.key = r.key;
  e.value = unpack_flow_value(r.value);
  return e;
}

// ---- canonical key -----------------------------------------------------------------------------------
bool canonical_key(const FlowKey& key, flow::CKey& out) {
  if (!key.ip_valid) {
    std::memset(&out, 0, sizeof out);
    return false;
  }
  const uint64_t s_hi = be64(key.src_addr.data()), s_lo = be64(key.src_addr.data() + 8);
  const uint64_t d_hi = be64(key.dst_addr.data()), d_lo = be64(key.dst_addr.data() + 8);
  const bool ports =
      key.l4_valid && !key.is_frag && (key.proto == kProtoTcp || key.proto == kProtoUdp || key.proto == kProtoSctp);
  const uint64_t sp = ports ? key.src_port : 0, dp = ports ? key.dst_port : 0;
  const bool swap = s_hi > d_hi || (s_hi == d_hi && (s_lo > d_lo || (s_lo == d_lo && sp > dp)));
  out.w[0] = swap ? d_lo : s_lo;
  out.w[1] = swap ? d_hi : s_hi;
  out.w[2] = swap ? s_lo : d_lo;
  out.w[3] = swap ? s_hi : d_hi;
  out.w[4] = (swap ? dp : sp) | ((swap ? sp : dp) << 16) | (uint64_t{key.proto} << 32) | (uint64_t{key.is_ipv6} << 40) |
             (uint64_t{key.sg_id} << 41);
  return true;
}

FlowKey canonical_flow_key(const flow::CKey& k) {
  FlowKey f;
  for (int i = 0; i < 8; ++i) {
    f.src_addr[i] = static_cast<uint8_t>(k.w[1] >> (56 - 8 * i));
    f.src_addr[8 + i] = static_cast<uint8_t>(k.w[0] >> (56 - 8 * i));
    f.dst_addr[i] = static_cast<uint8_t>(k.w[3] >> (56 - 8 * i));
    f.dst_addr[8 + i] = static_cast<uint8_t>(k.w[2] >> (56 - 8 * i));
  }
  f.src_port = static_cast<uint16_t>(k.w[4]);
  f.dst_port = static_cast<uint16_t>(k.w[4] >> 16);
  f.proto = static_cast<uint8_t>(k.w[4] >> 32);
  f.is_ipv6 = ((k.w[4] >> 40) & 1) != 0;
  f.sg_id = static_cast<uint8_t>(k.w[4] >> 41);
  f.ip_valid = true;
  f.l4_valid = f.src_port != 0 || f.dst_port != 0;
  return f;
}

// ---- printing ----------------------------------------------------------------------------------------
std::string to_string(const flow::CKey& k) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%016llx%016llx/%u <-> %016llx%016llx/%u proto %u v6 %u sg %u",
                static_cast<unsigned long long>(k.w[1]), static_cast<unsigned long long>(k.w[0]),
                static_cast<unsigned>(k.w[4] & 0xFFFF), static_cast<unsigned long long>(k.w[3]),
                static_cast<unsigned long long>(k.w[2]), static_cast<unsigned>((k.w[4] >> 16) & 0xFFFF),
                static_cast<unsigned>((k.w[4] >> 32) & 0xFF), static_cast<unsigned>((k.w[4] >> 40) & 1),
                static_cast<unsigned>((k.w[4] >> 41) & 0xFF));
  return buf;
}

std::string to_string(const FlowValue& v) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "owner %u/%u lb %u%s rb %u/%u%s state %u sync 0x%02x seen %u", v.owner_site,
                v.owner_member, v.lb_member, v.lb_valid ? "" : "(-)", v.rb_site, v.rb_member, v.rb_valid ? "" : "(-)",
                static_cast<unsigned>(v.state), v.sync_flags, v.last_seen);
  return buf;
}

std::string to_string(const FlowResult& r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%s tag 0x%llx: ", r.hit ? "hit" : "miss", r.key_valid ? "" : " (no IP key)",
                static_cast<unsigned long long>(r.tag));
  return buf + to_string(r.value);
}

const char* status_name(flow::Status s) {
  switch (s) {
    case flow::Status::kDone:
      return "DONE";
    case flow::Status::kNotFound:
      return "NOT_FOUND";
    case flow::Status::kExists:
      return "EXISTS";
    case flow::Status::kFull:
      return "FULL";
    case flow::Status::kExpired:
      return "EXPIRED";
    case flow::Status::kInvalid:
      return "INVALID";
    case flow::Status::kMatured:
      return "MATURED";
  }
  return "?";
}

std::string to_string(const FlowEvent& e) {
  static const char* kWhere[] = {"T1", "T2", "stash", "-"};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s op %u tag %u where %s moves %u: ", status_name(e.status), e.opcode, e.tag,
                kWhere[static_cast<int>(e.where) & 3], e.moves);
  return buf + to_string(e.key) + " | " + to_string(e.value);
}

// ---- storage and model -------------------------------------------------------------------------------
FlowHeapStorage::FlowHeapStorage(int log2_max)
    : log2_(log2_max),
      t1_(new flow::Bucket[std::size_t{1} << log2_max]),
      t2_(new flow::Bucket[std::size_t{1} << log2_max]) {}

FlowTableModel::FlowTableModel(int bucket_log2_max) : core_(bucket_log2_max) {}

uint32_t FlowTableModel::read_reg(uint32_t offset) const {
  const flow::Config& c = core_.config();
  const flow::Counters& n = core_.counters();
  switch (offset) {
    case FLOW_TABLE_GEOMETRY_OFFSET:
      return core_.geometry();
    case FLOW_TABLE_CAPACITY_OFFSET:
      return core_.capacity();
    case FLOW_TABLE_OCCUPANCY_OFFSET:
      return n.occupancy;
    case FLOW_TABLE_STASH_USED_OFFSET:
      return n.stash_used;
    case FLOW_TABLE_CTRL_OFFSET:
      return c.ctrl & (FLOW_TABLE_CTRL_WALK_STEPS_MASK | FLOW_TABLE_CTRL_BUCKET_LOG2_MASK);
    case FLOW_TABLE_TIMEOUT_NEW_OFFSET:
      return c.timeout_new;
    case FLOW_TABLE_TIMEOUT_EST_OFFSET:
      return c.timeout_est;
    case FLOW_TABLE_TIMEOUT_CLOSING_OFFSET:
      return c.timeout_closing;
    case FLOW_TABLE_SYNC_MATURE_OFFSET:
      return c.sync_mature & (FLOW_TABLE_SYNC_MATURE_SWEEPS_MASK | FLOW_TABLE_SYNC_MATURE_GEN_MASK |
                              FLOW_TABLE_SYNC_MATURE_KEEPALIVE_MASK);
    case FLOW_TABLE_HASH_SEED1_OFFSET:
      return c.seed1;
    case FLOW_TABLE_HASH_SEED2_OFFSET:
      return c.seed2;
    case FLOW_TABLE_NOW_OFFSET:
      return n.now;
    case FLOW_TABLE_AGE_CURSOR_OFFSET:
      return n.age_cursor;
    case FLOW_TABLE_FIRST_FULL_OCCUPANCY_OFFSET:
      return n.first_full_occupancy;
    case FLOW_TABLE_LOOKUPS_OFFSET:
      return n.lookups;
    case FLOW_TABLE_HITS_OFFSET:
      return n.hits;
    case FLOW_TABLE_INSERTS_OFFSET:
      return n.inserts;
    case FLOW_TABLE_INSERT_FULL_OFFSET:
      return n.insert_full;
    case FLOW_TABLE_INSERT_EXISTS_OFFSET:
      return n.insert_exists;
    case FLOW_TABLE_UPDATES_OFFSET:
      return n.updates;
    case FLOW_TABLE_TOUCHES_OFFSET:
      return n.touches;
    case FLOW_TABLE_DELETES_OFFSET:
      return n.deletes;
    case FLOW_TABLE_NOT_FOUND_OFFSET:
      return n.not_found;
    case FLOW_TABLE_EXPIRIES_OFFSET:
      return n.expiries;
    case FLOW_TABLE_AGE_STEPS_OFFSET:
      return n.age_steps;
    case FLOW_TABLE_INVALID_OPS_OFFSET:
      return n.invalid_ops;
    case FLOW_TABLE_MOVES_OFFSET:
      return n.moves;
    case FLOW_TABLE_MATURED_OFFSET:
      return n.matured;
    default:
      return 0;
  }
}

FlowResult FlowTableModel::lookup(const FlowLookup& l) {
  flow::CKey k;
  const bool kv = canonical_key(l.key, k);
  uint64_t v;
  FlowResult r;
  r.hit = core_.lookup(kv, k, v, true, &r.bucket1, &r.bucket2);
  r.key_valid = kv;
  r.value = unpack_flow_value(v);
  r.tag = l.tag;
  return r;
}

void FlowTableModel::key_buckets(const FlowKey& key, uint32_t& b1, uint32_t& b2) const {
  flow::CKey k;
  b1 = b2 = 0;
  if (canonical_key(key, k)) core_.buckets_of(k, b1, b2);
}

int FlowTableModel::apply(const FlowOp& op, FlowEvent out[flow::kMaxEvents]) {
  flow::OpRec rec;
  rec.opcode = op.opcode & 15u;
  rec.key_valid = canonical_key(op.key, rec.key);
  rec.value = pack(op.value);
  rec.time = op.time;
  rec.tag = op.tag;
  flow::EventRec ev[flow::kMaxEvents];
  const int n = core_.execute(rec, ev);
  for (int i = 0; i < n; ++i) out[i] = to_flow_event(ev[i]);
  return n;
}

std::vector<FlowEvent> FlowTableModel::apply(const FlowOp& op) {
  FlowEvent ev[flow::kMaxEvents];
  const int n = apply(op, ev);
  return std::vector<FlowEvent>(ev, ev + n);
}

flow::ResultWord FlowTableModel::lookup_word_at(const ap_uint<384>& w, uint64_t clock) {
  flow::CKey k;
  const bool kv = flow::canonicalize(w.range(regs::FLOW_LOOKUP_KEY_LSB + 319, regs::FLOW_LOOKUP_KEY_LSB), k);
  uint64_t v;
  uint32_t b1 = 0, b2 = 0;
  const bool hit = core_.lookup(kv, k, v, /*mark=*/false, &b1, &b2);
  if (hit) marks_.push_back(PendingMark{clock, k});
  return flow::pack_result(hit, kv, v, w.range(regs::FLOW_LOOKUP_TAG_LSB + 63, regs::FLOW_LOOKUP_TAG_LSB), b1, b2);
}

int FlowTableModel::apply_word_at(const flow::OpWord& w, flow::EventWord out[flow::kMaxEvents], uint64_t clock) {
  while (!marks_.empty() && marks_.front().clock + kMarkDelay <= clock) {
    core_.mark(marks_.front().key);
    marks_.pop_front();
  }
  return core_.execute_word(w, out);
}

void FlowTableModel::flush_marks() {
  for (const PendingMark& m : marks_) core_.mark(m.key);
  marks_.clear();
}

bool FlowTableModel::lookup_key(const flow::CKey& k, uint64_t* value) { return core_.lookup(true, k, *value); }

void FlowTableModel::lookup_bulk(const flow::CKey* keys, std::size_t n, uint64_t* values, bool* hit) {
  constexpr std::size_t kBatch = 16;
  const flow::Config& c = core_.config();
  uint32_t h1[kBatch], h2[kBatch];
  for (std::size_t base = 0; base < n; base += kBatch) {
    const std::size_t m = n - base < kBatch ? n - base : kBatch;
    for (std::size_t i = 0; i < m; ++i) {
      flow::hash_pair(keys[base + i], c.seed1, c.seed2, h1[i], h2[i]);
      const char* p1 = reinterpret_cast<const char*>(core_.bucket_ptr(0, h1[i]));
      const char* p2 = reinterpret_cast<const char*>(core_.bucket_ptr(1, h2[i]));
      for (int line = 0; line < 3; ++line) {
        __builtin_prefetch(p1 + 64 * line);
        __builtin_prefetch(p2 + 64 * line);
      }
    }
    for (std::size_t i = 0; i < m; ++i)
      hit[base + i] = core_.lookup_hashed(keys[base + i], h1[i], h2[i], values[base + i]);
  }
}

}  // namespace conductor
