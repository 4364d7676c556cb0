#include "core/core_model.hpp"

#include <algorithm>
#include <iterator>

#include "common/gen/conductor_regs.hpp"

namespace conductor {

SteerMeta core_steer(const CoreRegs& regs, ParseStatus status, const Decision& dec) {
  SteerMeta m;
  m.status = status;
  if (status_takes_default(status)) {
    m.defaulted = true;
    m.member = static_cast<uint8_t>((regs.default_dest >> regs::PARSER_DEFAULT_DEST_MEMBER_LSB) & 0x3F);
    m.site = static_cast<uint8_t>((regs.default_dest >> regs::PARSER_DEFAULT_DEST_SITE_LSB) & 1);
    m.deliver = ((regs.parser_ctrl >> regs::PARSER_CTRL_DEFAULT_ACTION_LSB) & 1) == 0;
  } else {
    m.hash = dec.hash;
    m.bucket = dec.bucket;
    m.member = dec.member;
    m.site = dec.site;
    m.deliver = dec.valid;
  }
  return m;
}

void core_count(CoreCounters& c, const SteerMeta& meta) {
  ++c.rx_pkts;
  switch (meta.status) {
    case ParseStatus::kOk:
      ++c.parsed_ok;
      break;
    case ParseStatus::kNonIp:
      ++c.non_ip;
      break;
    case ParseStatus::kTruncated:
      ++c.truncated;
      break;
    case ParseStatus::kBadHeader:
      ++c.bad_header;
      break;
    case ParseStatus::kExtLimit:
      ++c.ext_limit;
      break;
  }
  if (meta.defaulted) ++c.defaulted;
  if (!meta.deliver) ++c.dropped;
}

SteerMeta core_process(const CoreRegs& regs, const uint8_t* frame, size_t len, uint8_t sg_id, CoreCounters* counters) {
  ParseResult p = parse_frame(frame, len, sg_id);
  Decision dec = dist_hash_model(regs.hash, p.key);
  SteerMeta meta = core_steer(regs, p.status, dec);
  if (counters) core_count(*counters, meta);
  return meta;
}

}  // namespace conductor

// ================================================================ correction layer
#include "common/packing.hpp"

namespace conductor {

namespace {

void apply_backup(FlowValue& v, uint16_t e) {
  v.lb_member = static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_LB_MEMBER_LSB) & 0x3F);
  v.lb_valid = ((e >> regs::BACKUP_ENTRY_LB_VALID_LSB) & 1) != 0;
  v.rb_member = static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_RB_MEMBER_LSB) & 0x3F);
  v.rb_site = static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_RB_SITE_LSB) & 1);
  v.rb_valid = ((e >> regs::BACKUP_ENTRY_RB_VALID_LSB) & 1) != 0;
}

uint16_t backup_of(const SteerRegs& r, unsigned site, unsigned member) {
  return r.backup[(site & 1) * 64 + (member & 63)];
}

}  // namespace

const char* steer_action_name(SteerAction a) {
  switch (a) {
    case SteerAction::kNew:
      return "new";
    case SteerAction::kHit:
      return "hit";
    case SteerAction::kCorrected:
      return "corrected";
    case SteerAction::kFailover:
      return "failover";
  }
  return "?";
}

uint64_t pack_core_out(const CoreOut& o) {
  uint64_t w = pack(o.meta).to_uint64();
  w |= uint64_t{static_cast<uint8_t>(o.action) & 3u} << regs::STEER_META_ACTION_LSB;
  w |= uint64_t{o.op_dropped} << regs::STEER_META_OP_DROPPED_LSB;
  return w;
}

CoreOut unpack_core_out(uint64_t tuser) {
  CoreOut o;
  o.meta = unpack_steer_meta(ap_uint<64>(tuser));
  o.action = static_cast<SteerAction>((tuser >> regs::STEER_META_ACTION_LSB) & 3u);
  o.op_dropped = ((tuser >> regs::STEER_META_OP_DROPPED_LSB) & 1u) != 0;
  return o;
}

CoreModel::CoreModel(int flow_bucket_log2_max)
    : table_(flow_bucket_log2_max),
      held_(size_t{1} << std::min(flow_bucket_log2_max, 6)),
      held_idx_bits_(std::min(flow_bucket_log2_max, 6)) {}

uint64_t CoreModel::held_sig(const FlowResult& r) const {
  return (uint64_t{r.bucket2} << table_.bucket_log2_max()) | r.bucket1;
}

size_t CoreModel::held_index(uint64_t sig) const {
  // conductor_core.sv s_hidx: bucket 1 XOR bucket 2 with the halves of its low bits swapped.
  const uint32_t mask = (1u << held_idx_bits_) - 1;
  const int lo = held_idx_bits_ / 2;
  const uint32_t b1 = static_cast<uint32_t>(sig) & mask;
  const uint32_t b2 = static_cast<uint32_t>(sig >> table_.bucket_log2_max()) & mask;
  const uint32_t swapped = ((b2 & ((1u << lo) - 1)) << (held_idx_bits_ - lo)) | (b2 >> lo);
  return (b1 ^ swapped) & mask;
}

CoreModel::Steering CoreModel::correct(const SteerRegs& regs, const Decision& dec, const FlowKey& key,
                                       const FlowResult& r, uint32_t time) {
  Steering s;
  s.op.key = key;
  s.op.time = time;
  if (!r.hit) {
    // A new connection follows its bucket and is learned with the bucket member's backups.
    s.site = dec.site;
    s.member = dec.member;
    s.deliver = dec.valid;
    s.action = SteerAction::kNew;
    if (dec.valid && r.key_valid) {
      s.has_op = true;
      s.op.opcode = static_cast<uint8_t>(flow::Opcode::kInsert);
      s.op.value.owner_site = dec.site;
      s.op.value.owner_member = dec.member;
      apply_backup(s.op.value, backup_of(regs, dec.site, dec.member));
      s.op.value.state = flow::State::kNew;
    }
    return s;
  }
  const FlowValue& v = r.value;
  if (regs.member_is_up(v.owner_site, v.owner_member)) {
    s.site = v.owner_site;
    s.member = v.owner_member;
    s.deliver = true;
    bool same = dec.valid && dec.site == v.owner_site && dec.member == v.owner_member;
    s.action = same ? SteerAction::kHit : SteerAction::kCorrected;
    return s;  // no op: the lookup marked the entry active (the AGE sweep refreshes it)
  }
  // The owner is down: its local backup (owner's site up), else its remote backup, else the
  // bucket. The new owner is written back (UPDATE) with its own backups.
  s.action = SteerAction::kFailover;
  if (regs.site_is_up(v.owner_site) && v.lb_valid && regs.member_is_up(v.owner_site, v.lb_member)) {
    s.site = v.owner_site;
    s.member = v.lb_member;
  } else if (v.rb_valid && regs.member_is_up(v.rb_site, v.rb_member)) {
    s.site = v.rb_site;
    s.member = v.rb_member;
  } else if (dec.valid) {
    s.site = dec.site;
    s.member = dec.member;
  } else {
    s.site = dec.site;
    s.member = dec.member;
    s.deliver = false;
    return s;
  }
  s.deliver = true;
  s.has_op = true;
  s.op.opcode = static_cast<uint8_t>(flow::Opcode::kUpdate);
  s.op.value = v;
  s.op.value.owner_site = s.site;
  s.op.value.owner_member = s.member;
  apply_backup(s.op.value, backup_of(regs, s.site, s.member));
  return s;
}

CoreOut CoreModel::process(const uint8_t* frame, size_t len, uint8_t sg_id, uint32_t time, bool drop_op, bool pending) {
  ParseResult p = parse_frame(frame, len, sg_id);
  Decision dec = dist_hash_model(regs_.hash, p.key);
  CoreOut o;
  o.meta = core_steer(regs_, p.status, dec);
  // Every frame is looked up (a defaulted frame's key has no IP_VALID and misses).
  FlowLookup l;
  l.key = p.key;
  l.tag = pack(dec).to_uint64();
  FlowResult r = table_.lookup(l);
  HeldEntry taken;  // a failure taken by this frame's op
  if (!o.meta.defaulted) {
    Steering s = correct(regs_.steer, dec, p.key, r, time);
    o.meta.site = s.site;
    o.meta.member = s.member;
    o.meta.deliver = s.deliver;
    o.action = s.action;
    const bool insert = s.has_op && s.op.opcode == static_cast<uint8_t>(flow::Opcode::kInsert);
    const HeldEntry& h = held_[held_index(held_sig(r))];
    const bool match = h.valid && h.sig == held_sig(r) && time - h.time < regs_.steer.learn_hold;
    bool pend = false;
    if (pending) {
      flow::CKey ck{};
      if (canonical_key(p.key, ck))
        for (const RingOp& e : ring_)
          pend = pend || (e.valid && e.insert && std::equal(std::begin(e.key.w), std::end(e.key.w), std::begin(ck.w)));
    }
    if (pend) {
      // An INSERT of this connection in flight on the device: new, by its bucket, no op.
      o.meta.site = dec.site;
      o.meta.member = dec.member;
      o.meta.deliver = dec.valid;
      o.action = SteerAction::kNew;
      o.op_dropped = true;
      if (match) {
        ++steer_.learn_held;
      } else {
        ++steer_.ops_dropped;
        ++steer_.learn_dropped;
      }
    } else if (insert && match) {
      o.op_dropped = true;
      ++steer_.learn_held;
    } else if (s.has_op && drop_op) {
      o.op_dropped = true;
      ++steer_.ops_dropped;
      if (insert) ++steer_.learn_dropped;
    } else if (s.has_op) {
      FlowEvent ev[flow::kMaxEvents];
      int n = table_.apply(s.op, ev);
      feed_sync(ev, n);
      ++steer_.ops_issued;
      const bool failed = n > 0 && ev[0].status == flow::Status::kFull;
      if (failed) ++steer_.learn_full;
      // The op takes ring slot ring_ops_ % 16; the failure of the op 16 before it is taken now and
      // enters the filter after the next frame's decision (below).
      RingOp& slot = ring_[ring_ops_ % ring_.size()];
      if (slot.valid && slot.failed) taken = HeldEntry{true, slot.sig, slot.time};
      slot = RingOp{};
      slot.valid = true;
      slot.insert = insert;
      slot.failed = failed;
      if (insert) canonical_key(p.key, slot.key);
      slot.sig = held_sig(r);
      slot.time = time;
      ++ring_ops_;
    }
  }
  // The failure the previous frame took enters the filter now (the RTL writes it while this frame
  // is in its steer stage): frames from the next one on see it. Written only over an empty entry
  // or one older than LEARN_HOLD.
  if (held_pending_.valid) {
    HeldEntry& e = held_[held_index(held_pending_.sig)];
    if (!e.valid || held_pending_.time - e.time >= regs_.steer.learn_hold) e = held_pending_;
  }
  held_pending_ = taken;
  switch (o.action) {
    case SteerAction::kNew:
      ++steer_.new_flows;
      break;
    case SteerAction::kHit:
      ++steer_.hit;
      break;
    case SteerAction::kCorrected:
      ++steer_.corrected;
      break;
    case SteerAction::kFailover:
      ++steer_.failover;
      break;
  }
  core_count(counters_, o.meta);
  // Ageing: after the frame's op, before the next frame's lookup.
  const uint32_t every = regs_.steer.age_frames;
  if (every == 0) {
    age_count_ = 0;
  } else if (uint64_t{age_count_} + 1 >= every) {
    age_count_ = 0;
    FlowOp age;
    age.opcode = static_cast<uint8_t>(flow::Opcode::kAge);
    age.time = time;
    FlowEvent ev[flow::kMaxEvents];
    int n = table_.apply(age, ev);
    feed_sync(ev, n);
    ++steer_.age_ops;
    for (int i = 0; i < n; ++i) {
      if (ev[i].status != flow::Status::kExpired) continue;
      ++steer_.expired;
      if (keep_expired_) expired_.push_back(ev[i]);
    }
  } else {
    ++age_count_;
  }
  return o;
}

void CoreModel::apply_sync_op(const flow::OpWord& op) {
  flow::EventWord w[flow::kMaxEvents];
  const int n = table_.apply_word(op, w);
  FlowEvent ev[flow::kMaxEvents];
  for (int i = 0; i < n; ++i) ev[i] = unpack_flow_event(w[i]);
  feed_sync(ev, n);
  ++steer_.sync_applied;
}

// rtl/core/sync_feed.sv's rule: MATURED and (with AT_INSERT) INSERT DONE give NEW; REFRESHED (a
// keepalive) gives UPDATE; UPDATE DONE gives UPDATE and EXPIRED or DELETE DONE give DELETE when
// the entry is synced (FLOW_SYNC.SYNCED with EPOCH = flow_table.SYNC_MATURE.GEN, or any entry
// under AT_INSERT).
void CoreModel::feed_sync(const FlowEvent* ev, int n) {
  const uint32_t sync = regs_.steer.sync;
  if (!keep_sync_records_ || ((sync >> regs::STEER_SYNC_ENABLE_LSB) & 1u) == 0) return;
  const bool at_insert = ((sync >> regs::STEER_SYNC_AT_INSERT_LSB) & 1u) != 0;
  const uint32_t gen = (table_.config().sync_mature >> regs::FLOW_TABLE_SYNC_MATURE_GEN_LSB) & 1u;
  const uint8_t dest = static_cast<uint8_t>((sync >> regs::STEER_SYNC_DEST_LSB) & 0xFFu);
  using Op = regs::SyncRecordOp;
  for (int i = 0; i < n; ++i) {
    const FlowEvent& e = ev[i];
    const uint32_t flags = e.value.sync_flags;
    const bool synced = at_insert || (((flags >> regs::FLOW_SYNC_SYNCED_LSB) & 1u) != 0 &&
                                      ((flags >> regs::FLOW_SYNC_EPOCH_LSB) & 1u) == gen);
    Op op = Op::kInvalid;
    if (e.status == flow::Status::kMatured) {
      op = Op::kNew;
    } else if (e.status == flow::Status::kRefreshed) {
      op = Op::kUpdate;  // a keepalive (SYNC_MATURE.KEEPALIVE): synced by construction
    } else if (e.status == flow::Status::kExpired) {
      if (synced) op = Op::kDelete;
    } else if (e.status == flow::Status::kDone) {
      const auto code = static_cast<flow::Opcode>(e.opcode);
      if (code == flow::Opcode::kInsert && at_insert)
        op = Op::kNew;
      else if (code == flow::Opcode::kUpdate && synced)
        op = Op::kUpdate;
      else if (code == flow::Opcode::kDelete && synced)
        op = Op::kDelete;
    }
    if (op != Op::kInvalid) sync_records_.push_back(SyncRecordOut{op, e, dest});
  }
}

}  // namespace conductor
