#include "host/control/controller.hpp"

#include <algorithm>

#include "common/gen/conductor_regs.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "sync_decoder/sync_decoder_model.hpp"
#include "sync_encoder/sync_encoder_model.hpp"
#include "host/config/values.hpp"

namespace conductor::control {

using namespace conductor::regs;
using config::member_id_text;

namespace {

uint32_t log2_of(uint32_t n) {
  uint32_t l = 0;
  while ((1u << l) < n) ++l;
  return l;
}

std::string entry_text(uint8_t byte) {
  const BucketEntry e = unpack_bucket_entry(byte);
  return e.valid ? member_id_text(MemberId{e.site, e.member}) : std::string("unassigned");
}

std::string backup_text(uint16_t e) {
  std::string s = "local ";
  s += (e >> BACKUP_ENTRY_LB_VALID_LSB) & 1 ? std::to_string((e >> BACKUP_ENTRY_LB_MEMBER_LSB) & 0x3F)
                                            : std::string("none");
  s += " remote ";
  s += (e >> BACKUP_ENTRY_RB_VALID_LSB) & 1
           ? member_id_text(MemberId{static_cast<uint8_t>((e >> BACKUP_ENTRY_RB_SITE_LSB) & 1),
                                     static_cast<uint8_t>((e >> BACKUP_ENTRY_RB_MEMBER_LSB) & 0x3F)})
           : std::string("none");
  return s + " (" + device::hex32(e) + ")";
}

}  // namespace

Controller::Controller(device::Device& dev, Logger& log, Metrics& metrics, ControllerOptions options)
    : dev_(dev), log_(log), metrics_(metrics), options_(options), alloc_(*BucketAllocator::create(kDefaultBuckets)) {
  c_writes_ = &metrics_.counter("conductord_device_writes_total", "Register writes to the device");
  c_write_errors_ = &metrics_.counter("conductord_device_write_errors_total", "Register writes the device refused");
  c_moves_ = &metrics_.counter("conductord_bucket_moves_total", "Buckets whose member changed (minimal moves)");
  c_rebalances_ = &metrics_.counter("conductord_rebalances_total", "Bucket-table recomputations that moved buckets");
}

Status Controller::check_groups(const config::ClusterConfig& c) const {
  if (c.groups.size() <= 1) return ok_status();
  std::string names;
  for (const auto& g : c.groups) names += (names.empty() ? "" : ", ") + g.name;
  return make_error(Errc::kUnsupported, std::to_string(c.groups.size()) + " security groups (" + names +
                                            "), but the core has one bucket table (dist_hash does not index it by "
                                            "SG_ID): conductord drives one security group per device");
}

Status Controller::start(const config::ClusterConfig& c) {
  if (Status s = check_groups(c); !s) return s;
  members_.clear();
  for (const config::Member& m : c.members)
    members_[m.id] = MemberState{m.name, m.weight, m.admin == config::AdminState::kUp, true};
  group_.reset();
  if (!c.groups.empty()) group_ = Group{c.groups[0].name, c.groups[0].id, c.groups[0].members};
  for (int s = 0; s < 2; ++s) {
    const config::Site* site = c.site(static_cast<uint8_t>(s));
    site_configured_[s] = site != nullptr;
    site_online_[s] = site != nullptr;
    site_name_[s] = site ? site->name : "";
  }
  preferred_site_ = c.cluster.active_site;
  failback_ = c.cluster.failback;
  active_site_ = preferred_site_;
  hash_ = c.hash;
  auto a = BucketAllocator::create(hash_.buckets);
  if (!a) return a.error();
  alloc_ = std::move(*a);
  compute();
  if (Status s = program_all(); !s) return s;
  log_.info("controller", "programmed",
            {{"device", std::string(dev_.kind())},
             {"group", group_ ? group_->name : ""},
             {"buckets", std::to_string(alloc_.buckets())},
             {"active-site", std::to_string(active_site_)}});
  update_gauges();
  return ok_status();
}

bool Controller::serving(MemberId id) const {
  auto it = members_.find(id);
  if (it == members_.end() || !group_of(id)) return false;
  const MemberState& m = it->second;
  return m.weight > 0 && m.admin_up && m.alive && site_online_[id.site & 1];
}

const Controller::Group* Controller::group_of(MemberId id) const {
  if (group_ && std::find(group_->members.begin(), group_->members.end(), id) != group_->members.end()) return &*group_;
  return nullptr;
}

void Controller::compute() {
  // ActiveSite.
  auto has_serving = [&](uint8_t site) {
    if (!site_online_[site]) return false;
    for (const auto& [id, m] : members_)
      if (id.site == site && serving(id)) return true;
    return false;
  };
  // Keep the current ActiveSite while it can serve (no flap back), unless failback is on and the
  // preferred site can serve again; else the preferred site, else the other one.
  const uint8_t pref = preferred_site_ & 1, other = 1 - pref, cur = active_site_ & 1;
  if (has_serving(cur) && !(failback_ && cur != pref && has_serving(pref))) return compute_rest();
  active_site_ = has_serving(pref) ? pref : has_serving(other) ? other : pref;
  compute_rest();
}

void Controller::compute_rest() {
  Weights candidates;
  bucket_weights_.clear();
  if (group_) {
    for (MemberId id : group_->members) {
      auto it = members_.find(id);
      const uint16_t w = serving(id) && it != members_.end() ? it->second.weight : 0;
      candidates[id] = w;
      bucket_weights_[id] = id.site == active_site_ ? w : 0;
    }
  }
  SteerRegs st = steer_;
  st.member_up.fill(0);
  for (const auto& [id, m] : members_)
    if (id.in_range() && m.admin_up && m.alive) st.set_member(id.site, id.member, true);
  st.site_up = 0;
  for (unsigned s = 0; s < 2; ++s)
    if (site_configured_[s] && site_online_[s]) st.site_up |= 1u << s;
  st.backup = compute_backup_map(candidates);
  steer_ = st;
  default_dest_ = 0;
  if (const auto& pin = options_.default_dest) {
    default_dest_ = (uint32_t{pin->member} << PARSER_DEFAULT_DEST_MEMBER_LSB) |
                    (uint32_t{pin->site} << PARSER_DEFAULT_DEST_SITE_LSB);
    return;
  }
  for (const auto& [id, w] : bucket_weights_)
    if (w > 0) {  // ascending ids: the first serving member of the ActiveSite
      default_dest_ =
          (uint32_t{id.member} << PARSER_DEFAULT_DEST_MEMBER_LSB) | (uint32_t{id.site} << PARSER_DEFAULT_DEST_SITE_LSB);
      break;
    }
}

uint32_t Controller::intended_hash_ctrl() const { return make_ctrl(hash_.mode, log2_of(hash_.buckets)); }

Status Controller::write(uint32_t addr, uint32_t value, uint8_t strb) {
  ++writes_;
  c_writes_->inc();
  Status s = dev_.write_reg(addr, value, strb);
  if (!s) {
    c_write_errors_->inc();
    log_.error("controller", "device-write-failed", {{"addr", device::hex32(addr)}, {"error", s.error().message}});
  }
  return s;
}

Status Controller::write_bucket_words(const std::vector<uint32_t>& words) {
  const uint32_t n = alloc_.buckets();
  for (uint32_t w : words) {
    const uint8_t strb = n >= 4 ? 0xF : static_cast<uint8_t>((1u << n) - 1);
    if (Status s = write(DIST_HASH_BUCKETS_ADDR + 4 * w, alloc_.table_word(w), strb); !s) return s;
  }
  return ok_status();
}

Status Controller::program_all() {
  auto rb = alloc_.set_weights(bucket_weights_);
  if (!rb) return rb.error();
  if (Status s = write(DIST_HASH_CTRL_ADDR, intended_hash_ctrl()); !s) return s;
  const auto key = key_words_from_bytes(hash_.key);
  for (unsigned i = 0; i < key.size(); ++i)
    if (Status s = write(DIST_HASH_KEY0_ADDR + 4 * i, key[i]); !s) return s;
  for (unsigned w = 0; w < 4; ++w)
    if (Status s = write(STEER_MEMBER_UP0_ADDR + 4 * w, steer_.member_up[w]); !s) return s;
  if (Status s = write(STEER_SITE_UP_ADDR, steer_.site_up); !s) return s;
  if (Status s = write(PARSER_DEFAULT_DEST_ADDR, default_dest_); !s) return s;
  std::vector<uint32_t> words((alloc_.buckets() + 3) / 4);
  for (uint32_t w = 0; w < words.size(); ++w) words[w] = w;
  if (Status s = write_bucket_words(words); !s) return s;
  for (unsigned i = 0; i < steer_.backup.size(); ++i)
    if (Status s = write(STEER_BACKUP_ADDR + 4 * i, steer_.backup[i]); !s) return s;
  return ok_status();
}

Status Controller::apply(std::string_view cause) {
  const SteerRegs before = steer_;
  const uint32_t default_before = default_dest_;
  const uint8_t active_before = active_site_;
  compute();
  // Status bits first: connections of a member going down move to its backups at once.
  for (unsigned w = 0; w < 4; ++w)
    if (steer_.member_up[w] != before.member_up[w])
      if (Status s = write(STEER_MEMBER_UP0_ADDR + 4 * w, steer_.member_up[w]); !s) return s;
  if (steer_.site_up != before.site_up)
    if (Status s = write(STEER_SITE_UP_ADDR, steer_.site_up); !s) return s;
  if (default_dest_ != default_before)
    if (Status s = write(PARSER_DEFAULT_DEST_ADDR, default_dest_); !s) return s;
  auto rb = alloc_.set_weights(bucket_weights_);
  if (!rb) return rb.error();
  if (rb->moves > 0) {
    bucket_moves_ += rb->moves;
    c_moves_->inc(rb->moves);
    c_rebalances_->inc();
    if (Status s = write_bucket_words(BucketAllocator::words_of(rb->changed)); !s) return s;
  }
  uint32_t backups = 0;
  for (unsigned i = 0; i < steer_.backup.size(); ++i)
    if (steer_.backup[i] != before.backup[i]) {
      ++backups;
      if (Status s = write(STEER_BACKUP_ADDR + 4 * i, steer_.backup[i]); !s) return s;
    }
  if (active_site_ != active_before)
    log_.warn(
        "controller", "active-site-changed",
        {{"from", std::to_string(active_before)}, {"to", std::to_string(active_site_)}, {"cause", std::string(cause)}});
  log_.info("controller", "applied",
            {{"cause", std::string(cause)},
             {"bucket-moves", std::to_string(rb->moves)},
             {"backup-entries", std::to_string(backups)}});
  update_gauges();
  return ok_status();
}

// ---------------------------------------------------------------- HyperSync

bool Controller::device_has_sync_decoder() {
  auto g = dev_.read_reg(SYNC_DECODER_GEOMETRY_ADDR);
  return g && field_get(*g, SYNC_DECODER_GEOMETRY_MAX_MTU_LSB, SYNC_DECODER_GEOMETRY_MAX_MTU_WIDTH) != 0;
}

namespace {

constexpr uint64_t kSyncSourceMac = 0x020000000000ull;  // locally administered 02:00:00:00:00:<member byte>
constexpr uint64_t kBroadcastMac = 0xFFFFFFFFFFFFull;

}  // namespace

Expected<std::vector<SyncRegister>> Controller::plan_sync(const SyncSettings& s) {
  const config::Sync& y = s.sync;
  const bool keyed = std::any_of(y.key.begin(), y.key.end(), [](uint8_t b) { return b != 0; });
  auto rd = [&](uint32_t addr, const char* what) -> Expected<uint32_t> {
    auto v = dev_.read_reg(addr);
    if (!v) return make_error(v.error().code, std::string("reading ") + what + ": " + v.error().message);
    return v;
  };
  // What the device can hold.
  auto enc_geo = rd(SYNC_ENCODER_GEOMETRY_ADDR, "sync_encoder GEOMETRY");
  if (!enc_geo) return enc_geo.error();
  const uint32_t enc_mtu = field_get(*enc_geo, SYNC_ENCODER_GEOMETRY_MAX_MTU_LSB, SYNC_ENCODER_GEOMETRY_MAX_MTU_WIDTH);
  if (y.mtu > enc_mtu)
    return make_error(Errc::kInvalidArgument,
                      "[sync] mtu " + std::to_string(y.mtu) + ": the device's sync_encoder " +
                          "sends frames of at most " + std::to_string(enc_mtu) +
                          " bytes (sync_encoder GEOMETRY.MAX_MTU); use mtu = " + std::to_string(enc_mtu) + " or less");
  const bool decoder = device_has_sync_decoder();
  if (decoder) {
    auto g = rd(SYNC_DECODER_GEOMETRY_ADDR, "sync_decoder GEOMETRY");
    if (!g) return g.error();
    const uint32_t dec_mtu = field_get(*g, SYNC_DECODER_GEOMETRY_MAX_MTU_LSB, SYNC_DECODER_GEOMETRY_MAX_MTU_WIDTH);
    if (y.mtu > dec_mtu)
      return make_error(Errc::kInvalidArgument, "[sync] mtu " + std::to_string(y.mtu) +
                                                    ": the device's sync_decoder accepts frames of at most " +
                                                    std::to_string(dec_mtu) + " bytes (sync_decoder GEOMETRY.MAX_MTU)");
  }
  // Delayed notifications: the table matures connections after SWEEPS ageing sweeps.
  uint32_t sweeps = 0;
  const bool at_insert = keyed && y.delay.count() == 0;
  if (keyed && !at_insert) {
    auto age = rd(STEER_AGE_FRAMES_ADDR, "steer AGE_FRAMES");
    if (!age) return age.error();
    auto geo = rd(FLOW_TABLE_GEOMETRY_ADDR, "flow_table GEOMETRY");
    if (!geo) return geo.error();
    auto ctrl = rd(FLOW_TABLE_CTRL_ADDR, "flow_table CTRL");
    if (!ctrl) return ctrl.error();
    const uint32_t log2 =
        std::min(field_get(*ctrl, FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH),
                 field_get(*geo, FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_LSB, FLOW_TABLE_GEOMETRY_BUCKET_LOG2_MAX_WIDTH));
    const uint32_t units =
        (2u << log2) + field_get(*geo, FLOW_TABLE_GEOMETRY_STASH_SIZE_LSB, FLOW_TABLE_GEOMETRY_STASH_SIZE_WIDTH);
    auto n = sync_sweeps(y.delay, *age, units);
    if (!n) {
      const uint64_t period = sweep_period_us(*age, units);
      return make_error(Errc::kInvalidArgument,
                        "[sync] delay " + config::format_duration(y.delay) + ": the device's ageing sweep takes " +
                            std::to_string(period / 1000) + " ms at line rate (steer AGE_FRAMES " +
                            std::to_string(*age) + ", " + std::to_string(units) +
                            " sweep units), a connection matures after ceil(delay / sweep) + 1 sweeps and flow_table "
                            "SYNC_MATURE.SWEEPS counts at most 15; use delay = " +
                            std::to_string(14 * period / 1000) + "ms or less");
    }
    sweeps = *n;
  }

  // The kernels' own register layouts (hls/sync_*/sync_*_model.hpp register_writes()): one source
  // of the key byte order and the field packing for the benches, `conductor sim` and this.
  sync_encoder::SyncEncoderConfig enc;
  enc.key_number = 0;  // the decoders' slot 0 holds the key
  enc.cluster_id = s.cluster_id;
  enc.source = s.self;
  enc.epoch = s.epoch;
  enc.mtu = y.mtu;
  enc.flush_cycles = static_cast<uint32_t>(std::max<int64_t>(y.flush.count(), 1) * CORE_CLOCK_MHZ);
  enc.key = y.key;
  enc.src_mac = kSyncSourceMac | s.self;
  enc.src_ip = s.source_ip;
  enc.src_port = enc.dst_port = y.port;
  enc.dest[0] = {true, s.destination, kBroadcastMac, s.destination_ip};
  enc.delay_default = 0;  // the table delays (SYNC_MATURE.SWEEPS), docs/hypersync.md §13.2
  std::vector<SyncRegister> r;
  auto add = [&](uint32_t addr, uint32_t value) {
    std::string name = "?";
    for (const RegInfo& info : kRegisters)
      if (info.addr == addr) name = std::string(info.block) + " " + info.name;
    r.push_back({addr, std::move(name), value});
  };
  for (const auto& [off, value] : sync_encoder::register_writes(enc)) add(SYNC_ENCODER_BASE + off, value);
  // KEEPALIVE with a delay: a synced connection the sweep finds active is sent again, so the peer's
  // idle timers follow ours (docs/hypersync.md §13.3); under AT_INSERT no entry is synced in the
  // table's sense, so there is nothing to refresh.
  add(FLOW_TABLE_SYNC_MATURE_ADDR,
      (sweeps << FLOW_TABLE_SYNC_MATURE_SWEEPS_LSB) | (sweeps ? FLOW_TABLE_SYNC_MATURE_KEEPALIVE_MASK : 0u));
  if (decoder) {
    sync_decoder::SyncDecoderConfig dec;
    dec.cluster_id = s.cluster_id;
    dec.self = s.self;
    dec.members = s.members;
    dec.keys[0] = {keyed, y.key};
    for (const auto& [off, value] : sync_decoder::register_writes(dec)) add(SYNC_DECODER_BASE + off, value);
  }
  add(STEER_SYNC_ADDR, (keyed ? STEER_SYNC_ENABLE_MASK : 0) | (at_insert ? STEER_SYNC_AT_INSERT_MASK : 0) |
                           (uint32_t{s.destination} << STEER_SYNC_DEST_LSB));
  return r;
}

Status Controller::program_sync(const SyncSettings& s) {
  auto plan = plan_sync(s);
  if (!plan) {
    log_.error("controller", "sync-refused", {{"error", plan.error().message}});
    return plan.error();
  }
  std::map<uint32_t, uint32_t> before;
  for (const SyncRegister& r : sync_regs_) before[r.addr] = r.value;
  auto changed = [&](const SyncRegister& r) {
    auto it = before.find(r.addr);
    return it == before.end() || it->second != r.value;
  };
  // The kernels' identity, key and encapsulation change only while the feed is off.
  auto feed = before.find(STEER_SYNC_ADDR);
  const bool quiesce = feed != before.end() && (feed->second & STEER_SYNC_ENABLE_MASK) &&
                       std::any_of(plan->begin(), plan->end(), [&](const SyncRegister& r) {
                         return r.addr != STEER_SYNC_ADDR && r.addr != FLOW_TABLE_SYNC_MATURE_ADDR && changed(r);
                       });
  if (quiesce)
    if (Status st = write(STEER_SYNC_ADDR, feed->second & ~STEER_SYNC_ENABLE_MASK); !st) return st;
  // The new values are the intended state from here on: a write the device refuses leaves them
  // intended, and verification shows what the device holds.
  sync_regs_ = std::move(*plan);
  uint32_t writes = 0;
  for (const SyncRegister& r : sync_regs_) {
    if (!changed(r) && !(quiesce && r.addr == STEER_SYNC_ADDR)) continue;
    ++writes;
    if (Status st = write(r.addr, r.value); !st) return st;
    if (r.addr == SYNC_ENCODER_EPOCH_ADDR)  // a new epoch: sequence numbers start at 1 again
      if (Status st = write(SYNC_ENCODER_COUNTER_CLEAR_ADDR, SYNC_ENCODER_COUNTER_CLEAR_SEQ_MASK); !st) return st;
  }
  uint32_t mature = 0;
  for (const SyncRegister& r : sync_regs_)
    if (r.addr == FLOW_TABLE_SYNC_MATURE_ADDR) mature = r.value;
  log_.info("controller", "sync-programmed",
            {{"feed", s.sync.key == config::SyncKey{} ? "off" : "on"},
             {"self", device::hex32(s.self).substr(8)},
             {"destination", device::hex32(s.destination).substr(8)},
             {"sweeps", std::to_string(field_get(mature, FLOW_TABLE_SYNC_MATURE_SWEEPS_LSB, 4))},
             {"decoder", device_has_sync_decoder() ? "yes" : "no"},
             {"writes", std::to_string(writes)}});
  return ok_status();
}

Status Controller::known(MemberId id) const {
  if (!id.in_range()) return make_error(Errc::kInvalidArgument, "member " + member_id_text(id) + " is out of range");
  if (!members_.count(id))
    return make_error(Errc::kNotFound, "member " + member_id_text(id) + " is not configured (no [member " +
                                           member_id_text(id) + "] section)");
  return ok_status();
}

Status Controller::set_member_admin(MemberId id, bool up, std::string_view reason) {
  if (Status s = known(id); !s) return s;
  MemberState& m = members_[id];
  metrics_
      .counter("conductord_member_admin_changes_total", "member down|up requests applied",
               {{"state", up ? "up" : "down"}})
      .inc();
  if (m.admin_up == up) {
    log_.info("controller", "member-admin-unchanged", {{"member", member_id_text(id)}, {"admin", up ? "up" : "down"}});
    return ok_status();
  }
  m.admin_up = up;
  log_.info("controller", up ? "member-admin-up" : "member-admin-down",
            {{"member", member_id_text(id)}, {"reason", std::string(reason)}});
  return apply(up ? "member up" : "member down");
}

Status Controller::set_member_health(MemberId id, bool alive, std::string_view reason) {
  if (Status s = known(id); !s) return s;
  MemberState& m = members_[id];
  if (m.alive == alive) return ok_status();
  m.alive = alive;
  metrics_
      .counter("conductord_member_health_changes_total", "Member liveness changes",
               {{"state", alive ? "alive" : "failed"}})
      .inc();
  log_.warn("controller", alive ? "member-alive" : "member-failed",
            {{"member", member_id_text(id)}, {"reason", std::string(reason)}});
  return apply(alive ? "member alive" : "member failed");
}

Status Controller::set_member_weight(MemberId id, uint16_t weight, std::string_view reason) {
  return set_member_weights(Weights{{id, weight}}, reason);
}

Status Controller::set_member_weights(const Weights& weights, std::string_view reason) {
  for (const auto& [id, weight] : weights) {
    if (Status s = known(id); !s) return s;
    if (weight > kMaxWeight)
      return make_error(Errc::kInvalidArgument,
                        "weight " + std::to_string(weight) + " is above " + std::to_string(kMaxWeight));
  }
  bool changed = false;
  for (const auto& [id, weight] : weights) {
    MemberState& m = members_[id];
    if (m.weight == weight) continue;
    log_.info("controller", "member-weight",
              {{"member", member_id_text(id)},
               {"from", std::to_string(m.weight)},
               {"to", std::to_string(weight)},
               {"reason", std::string(reason)}});
    m.weight = weight;
    changed = true;
  }
  return changed ? apply("weight") : ok_status();
}

Status Controller::add_group_member(std::string_view group, MemberId id, std::string_view reason) {
  if (Status s = known(id); !s) return s;
  if (!group_ || group_->name != group) return make_error(Errc::kNotFound, "no security group " + std::string(group));
  if (group_of(id))
    return make_error(Errc::kInvalidArgument, "member " + member_id_text(id) + " is already in " + group_->name);
  group_->members.push_back(id);
  log_.info("controller", "group-member-added",
            {{"group", group_->name}, {"member", member_id_text(id)}, {"reason", std::string(reason)}});
  return apply("scale-out");
}

Status Controller::remove_group_member(std::string_view group, MemberId id, std::string_view reason) {
  if (!group_ || group_->name != group) return make_error(Errc::kNotFound, "no security group " + std::string(group));
  auto it = std::find(group_->members.begin(), group_->members.end(), id);
  if (it == group_->members.end())
    return make_error(Errc::kNotFound, "member " + member_id_text(id) + " is not in " + group_->name);
  group_->members.erase(it);
  log_.info("controller", "group-member-removed",
            {{"group", group_->name}, {"member", member_id_text(id)}, {"reason", std::string(reason)}});
  return apply("scale-in");
}

Status Controller::set_site_online(uint8_t site, bool online, std::string_view reason) {
  if (site > 1 || !site_configured_[site])
    return make_error(Errc::kNotFound, "site " + std::to_string(site) + " is not configured (no [site " +
                                           std::to_string(site) + "] section)");
  metrics_
      .counter("conductord_site_changes_total", "site offline|online changes",
               {{"state", online ? "online" : "offline"}})
      .inc();
  if (site_online_[site] == online) return ok_status();
  site_online_[site] = online;
  log_.warn("controller", online ? "site-online" : "site-offline",
            {{"site", std::to_string(site)}, {"reason", std::string(reason)}});
  return apply(online ? "site online" : "site offline");
}

Status Controller::reload(const config::ClusterConfig& old_config, const config::ClusterConfig& c) {
  if (Status s = check_groups(c); !s) return s;
  // Members: a value changed in the file wins; otherwise run-time state stays.
  std::map<MemberId, MemberState> next;
  for (const config::Member& m : c.members) {
    const config::Member* before = old_config.member(m.id);
    auto cur = members_.find(m.id);
    MemberState st{m.name, m.weight, m.admin == config::AdminState::kUp, true};
    if (before && cur != members_.end()) {
      st.alive = cur->second.alive;
      if (before->weight == m.weight) st.weight = cur->second.weight;
      if (before->admin == m.admin) st.admin_up = cur->second.admin_up;
    }
    next[m.id] = st;
  }
  members_ = std::move(next);
  // The group: the file's membership when it changed there, else the run-time one (auto-scaling).
  const config::SecurityGroup* ng = c.groups.empty() ? nullptr : &c.groups[0];
  const config::SecurityGroup* og = ng ? old_config.group(ng->name) : nullptr;
  if (!ng)
    group_.reset();
  else if (!group_ || !og || group_->name != ng->name || og->members != ng->members)
    group_ = Group{ng->name, ng->id, ng->members};
  for (int s = 0; s < 2; ++s) {
    const config::Site* site = c.site(static_cast<uint8_t>(s));
    site_name_[s] = site ? site->name : "";
  }
  if (c.cluster.active_site != preferred_site_) active_site_ = c.cluster.active_site;  // the file moved it
  preferred_site_ = c.cluster.active_site;
  failback_ = c.cluster.failback;
  // Hash: a new size starts a new table (every word written); mode and key are two registers.
  const bool resize = c.hash.buckets != hash_.buckets;
  const bool ctrl_key = c.hash.mode != hash_.mode || c.hash.key != hash_.key;
  hash_ = c.hash;
  if (resize) {
    auto a = BucketAllocator::create(hash_.buckets);
    if (!a) return a.error();
    alloc_ = std::move(*a);
    compute();
    log_.info("controller", "bucket-table-resized", {{"buckets", std::to_string(hash_.buckets)}});
    return program_all();
  }
  if (ctrl_key) {
    if (Status s = write(DIST_HASH_CTRL_ADDR, intended_hash_ctrl()); !s) return s;
    const auto key = key_words_from_bytes(hash_.key);
    for (unsigned i = 0; i < key.size(); ++i)
      if (Status s = write(DIST_HASH_KEY0_ADDR + 4 * i, key[i]); !s) return s;
  }
  return apply("reload");
}

std::vector<MemberView> Controller::members() const {
  std::vector<MemberView> out;
  const auto counts = alloc_.counts();
  for (const auto& [id, m] : members_) {
    MemberView v;
    v.id = id;
    v.name = m.name;
    const Group* g = group_of(id);
    v.group = g ? g->name : "";
    v.weight = m.weight;
    v.admin_up = m.admin_up;
    v.alive = m.alive;
    v.site_online = site_online_[id.site & 1];
    v.serving = serving(id);
    auto bw = bucket_weights_.find(id);
    v.bucket_weight = bw == bucket_weights_.end() ? 0 : bw->second;
    auto c = counts.find(id);
    v.buckets = c == counts.end() ? 0 : c->second;
    v.status_up = id.in_range() && steer_.member_is_up(id.site, id.member);
    v.backup = id.in_range() ? steer_.backup[id.site * 64 + id.member] : 0;
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<MemberView> Controller::member(MemberId id) const {
  for (MemberView& v : members())
    if (v.id == id) return v;
  return std::nullopt;
}

std::vector<SiteView> Controller::sites() const {
  std::vector<SiteView> out;
  for (uint8_t s = 0; s < 2; ++s) {
    if (!site_configured_[s]) continue;
    SiteView v;
    v.id = s;
    v.name = site_name_[s];
    v.configured = true;
    v.online = site_online_[s];
    v.active = active_site_ == s;
    for (const auto& [id, m] : members_)
      if (id.site == s) {
        ++v.members;
        if (serving(id)) ++v.serving_members;
      }
    out.push_back(v);
  }
  return out;
}

std::vector<GroupView> Controller::groups() const {
  std::vector<GroupView> out;
  if (!group_) return out;
  GroupView g;
  g.name = group_->name;
  g.id = group_->id;
  g.buckets = alloc_.buckets();
  g.unassigned = alloc_.unassigned();
  std::vector<MemberId> ids = group_->members;
  std::sort(ids.begin(), ids.end());
  for (const MemberView& v : members())
    if (std::find(ids.begin(), ids.end(), v.id) != ids.end()) g.members.push_back(v);
  out.push_back(std::move(g));
  return out;
}

std::vector<Difference> Controller::verify(size_t limit, size_t* total) {
  std::vector<Difference> out;
  size_t count = 0;
  auto add = [&](std::string what, std::string device, std::string intended) {
    ++count;
    if (out.size() < limit) out.push_back(Difference{std::move(what), std::move(device), std::move(intended)});
  };
  auto read = [&](uint32_t addr, std::string_view what) -> std::optional<uint32_t> {
    auto v = dev_.read_reg(addr);
    if (!v) {
      add(std::string(what), "read failed (" + v.error().message + ")", "");
      return std::nullopt;
    }
    return *v;
  };
  metrics_.counter("conductord_verify_runs_total", "show distribution verification runs").inc();
  if (auto v = read(DIST_HASH_CTRL_ADDR, "dist_hash CTRL"); v && *v != intended_hash_ctrl())
    add("dist_hash CTRL", device::hex32(*v), device::hex32(intended_hash_ctrl()));
  const auto key = key_words_from_bytes(hash_.key);
  for (unsigned i = 0; i < key.size(); ++i) {
    const std::string what = "dist_hash KEY" + std::to_string(i);
    if (auto v = read(DIST_HASH_KEY0_ADDR + 4 * i, what); v && *v != key[i])
      add(what, device::hex32(*v), device::hex32(key[i]));
  }
  const uint32_t n = alloc_.buckets();
  for (uint32_t w = 0; w < (n + 3) / 4; ++w) {
    auto v =
        read(DIST_HASH_BUCKETS_ADDR + 4 * w, "buckets " + std::to_string(4 * w) + ".." + std::to_string(4 * w + 3));
    if (!v) continue;
    const uint32_t want = alloc_.table_word(w);
    for (uint32_t j = 0; j < 4 && 4 * w + j < n; ++j) {
      const uint8_t got = static_cast<uint8_t>(*v >> (8 * j)), exp = static_cast<uint8_t>(want >> (8 * j));
      if (got != exp) add("bucket " + std::to_string(4 * w + j), entry_text(got), entry_text(exp));
    }
  }
  for (unsigned w = 0; w < 4; ++w) {
    const std::string what = "MEMBER_UP" + std::to_string(w);
    auto v = read(STEER_MEMBER_UP0_ADDR + 4 * w, what);
    if (!v || *v == steer_.member_up[w]) continue;
    std::string detail;
    for (unsigned b = 0; b < 32; ++b) {
      const bool got = (*v >> b) & 1, exp = (steer_.member_up[w] >> b) & 1;
      if (got != exp)
        detail += (detail.empty() ? "" : ", ") +
                  member_id_text(MemberId{static_cast<uint8_t>(w / 2), static_cast<uint8_t>(32 * (w % 2) + b)}) +
                  (got ? " up" : " down");
    }
    add(what, device::hex32(*v) + " (" + detail + ")", device::hex32(steer_.member_up[w]));
  }
  if (auto v = read(STEER_SITE_UP_ADDR, "SITE_UP"); v && *v != steer_.site_up)
    add("SITE_UP", device::hex32(*v), device::hex32(steer_.site_up));
  if (auto v = read(PARSER_DEFAULT_DEST_ADDR, "parser DEFAULT_DEST"); v && *v != default_dest_) {
    auto dest = [](uint32_t d) {
      return member_id_text(MemberId{static_cast<uint8_t>((d >> PARSER_DEFAULT_DEST_SITE_LSB) & 1),
                                     static_cast<uint8_t>((d >> PARSER_DEFAULT_DEST_MEMBER_LSB) & 0x3F)});
    };
    add("parser DEFAULT_DEST", dest(*v) + " (" + device::hex32(*v) + ")",
        dest(default_dest_) + " (" + device::hex32(default_dest_) + ")");
  }
  for (unsigned i = 0; i < steer_.backup.size(); ++i) {
    const std::string what =
        "BACKUP[" + member_id_text(MemberId{static_cast<uint8_t>(i / 64), static_cast<uint8_t>(i % 64)}) + "]";
    auto v = read(STEER_BACKUP_ADDR + 4 * i, what);
    if (v && *v != steer_.backup[i]) add(what, backup_text(static_cast<uint16_t>(*v)), backup_text(steer_.backup[i]));
  }
  for (const SyncRegister& r : sync_regs_)
    if (auto v = read(r.addr, r.name); v && *v != r.value) add(r.name, device::hex32(*v), device::hex32(r.value));
  metrics_.gauge("conductord_verify_differences", "Differences the last verification found")
      .set(static_cast<double>(count));
  if (total) *total = count;
  log_.info("controller", "verified", {{"differences", std::to_string(count)}});
  return out;
}

void Controller::update_gauges() {
  metrics_.gauge("conductord_active_site", "The ActiveSite").set(active_site_);
  for (const SiteView& s : sites())
    metrics_.gauge("conductord_site_online", "1 when the site is online", {{"site", std::to_string(s.id)}})
        .set(s.online ? 1 : 0);
  for (const MemberView& m : members()) {
    const Labels l{{"member", member_id_text(m.id)}};
    metrics_.gauge("conductord_member_buckets", "Buckets the member holds", l).set(m.buckets);
    metrics_.gauge("conductord_member_weight", "The member's weight", l).set(m.weight);
    metrics_.gauge("conductord_member_up", "1 when the member's MEMBER_UP bit is set", l).set(m.status_up ? 1 : 0);
  }
  metrics_.gauge("conductord_buckets_unassigned", "Buckets with no member").set(alloc_.unassigned());
}

}  // namespace conductor::control
