#include "host/conductor/sim_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/gen/conductor_regs.hpp"
#include "core/core_model.hpp"
#include "host/alloc/bucket_allocator.hpp"
#include "host/conductor/sim_events.hpp"
#include "host/conductor/sim_standby.hpp"
#include "host/config/cluster_config.hpp"
#include "host/control/controller.hpp"
#include "host/device/sim_device.hpp"
#include "host/device/soft_device.hpp"
#include "host/sync/codec.hpp"
#include "host/traffic/frame.hpp"
#include "host/traffic/generator.hpp"
#include "host/traffic/pcap_io.hpp"
#include "parser/parser_model.hpp"
#include "rtl_core.hpp"
#include "sync_decoder/sync_decoder_model.hpp"
#include "sync_encoder/sync_encoder.hpp"
#include "sync_encoder/sync_encoder_model.hpp"

namespace conductor {
namespace {

using Clock = std::chrono::steady_clock;

// Where frames come from: a pcap file or the synthetic generator. next() returns false at the end
// and leaves an error in error() when the end was a failure.
class FrameFeed {
 public:
  virtual ~FrameFeed() = default;
  virtual bool next(Frame& f) = 0;
  virtual std::string describe() const = 0;
  std::optional<Error> error;
};

class PcapFeed : public FrameFeed {
 public:
  explicit PcapFeed(PcapReader r) : reader_(std::move(r)) {}
  bool next(Frame& f) override {
    auto got = reader_.next(f);
    if (!got) {
      error = got.error();
      return false;
    }
    return *got;
  }
  std::string describe() const override { return "pcap:" + reader_.path(); }
  const PcapStats& stats() const { return reader_.stats(); }

 private:
  PcapReader reader_;
};

class SyntheticFeed : public FrameFeed {
 public:
  SyntheticFeed(TrafficGenerator gen, uint64_t packets) : gen_(std::move(gen)), left_(packets) {}
  bool next(Frame& f) override {
    if (left_ == 0) return false;
    --left_;
    gen_.next(f);
    return true;
  }
  std::string describe() const override { return "synthetic"; }

 private:
  TrafficGenerator gen_;
  uint64_t left_;
};

// The flow table's registers: --flow-timeout for every state, else the reset values; the active
// size of --flow-capacity within the build of --flow-table. The HBM build has no cuckoo walk
// (GEOMETRY.WALK_MAX 0), so with --flow-table hbm CTRL.WALK_STEPS is 0: the RTL does not walk
// whatever it says, and the model, which honours up to 16 steps, must not walk either. This is the
// one write of flow_table CTRL (write_run_settings), to the model and the RTL alike.
flow::Config flow_config(const SimOptions& o) {
  flow::Config c;
  if (o.flow_timeout) c.timeout_new = c.timeout_est = c.timeout_closing = *o.flow_timeout;
  if (o.flow_capacity) {
    // Validated by the option parser (check_sim_options).
    auto fit = flow_bucket_log2_for(*o.flow_capacity, o.flow_table);
    const uint32_t l = fit ? *fit : flow_bucket_log2_max(o.flow_table);
    c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH, l);
  }
  if (o.flow_table == FlowTable::kHbm)
    c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB, regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH, 0);
  return c;
}

// The cluster `conductor sim` drives, as a configuration for the Controller
// (host/control/controller.hpp), which derives the bucket table, MEMBER_UP/SITE_UP, the backup map
// and DEFAULT_DEST from it exactly as for conductord: sites 0 and 1 configured and online, site 0
// the preferred ActiveSite, one security group holding every member that --weights or an event
// names (a member an event names first starts at weight 0), the hash of --hash-mode, --rss-key and
// --buckets.
config::ClusterConfig sim_cluster(const SimOptions& o, const std::vector<SimEvent>& events) {
  Weights weights = o.weights;
  for (const SimEvent& e : events) {
    if (e.kind == SimEvent::Kind::kWeights)
      for (const auto& [id, w] : e.weights) weights.emplace(id, 0);
    else if (e.kind == SimEvent::Kind::kMemberDown || e.kind == SimEvent::Kind::kMemberUp)
      weights.emplace(e.member, 0);
  }
  config::ClusterConfig c;
  c.sites = {config::Site{.id = 0}, config::Site{.id = 1}};
  config::SecurityGroup group{.name = "sim"};
  for (const auto& [id, w] : weights) {
    c.members.push_back(config::Member{.id = id, .weight = w});
    group.members.push_back(id);
  }
  c.groups.push_back(std::move(group));
  c.hash = config::Hash{.mode = o.hash_mode, .key = o.rss_key, .buckets = o.buckets};
  return c;
}

// The members the report lists: those of --weights and of the weight events applied, each with
// the Controller's weight at the end.
Weights final_weights(const SimOptions& o, const std::vector<SimEvent>& events, size_t applied,
                      const control::Controller& controller) {
  Weights w = o.weights;
  for (size_t i = 0; i < applied; ++i)
    if (events[i].kind == SimEvent::Kind::kWeights)
      for (const auto& [id, weight] : events[i].weights) w.emplace(id, weight);
  for (auto& [id, weight] : w)
    if (auto m = controller.member(id)) weight = m->weight;
  return w;
}

// Clocks an open sync frame waits for more records (sync_encoder FLUSH_CYCLES under --sync-out).
constexpr uint32_t kSimSyncFlushCycles = 1000;

// --sync-out: the core's sync_encoder as the run programs it. Cluster 1, the core as member 0/0,
// frames to every member (DEST 0xFF) from 198.18.0.1 to 198.18.0.2; the table does the delaying,
// so the encoder's thresholds are 0 (docs/hypersync.md §13.2).
sync_encoder::SyncEncoderConfig sim_sync_config(const SimOptions& o) {
  sync_encoder::SyncEncoderConfig c;
  c.cluster_id = 1;
  c.source = 0;
  c.epoch = 1;
  c.mtu = 1500;
  c.flush_cycles = kSimSyncFlushCycles;
  c.key = o.sync_key;
  c.src_mac = 0x020000000001ull;
  c.src_ip = 0xC6120001u;
  c.dest[0] = {true, 0xFF, 0x020000000002ull, 0xC6120002u};
  c.delay_default = 0;
  return c;
}

// Frames per ageing sweep: one AGE op per --age-frames frames over every unit of the active table
// (both sub-tables' buckets and the stash).
uint64_t sim_sweep_period(const SimOptions& o) {
  const uint32_t log2 = std::min<uint32_t>((flow_config(o).ctrl >> regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB) &
                                               ((1u << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH) - 1),
                                           flow_bucket_log2_max(o.flow_table));
  return (2 * (uint64_t{1} << log2) + flow::kStashSize) * uint64_t{o.age_frames};
}

// --standby: the standby core's sync_decoder. Cluster 1, the standby as member 0/1, the active
// (0/0) its peer, the run's key in slot 0 (the encoder's key number).
sync_decoder::SyncDecoderConfig sim_decoder_config(const SimOptions& o) {
  sync_decoder::SyncDecoderConfig c;
  const sync_encoder::SyncEncoderConfig e = sim_sync_config(o);
  c.cluster_id = e.cluster_id;
  c.self = 1;
  c.add_member(e.source);
  c.add_member(c.self);
  c.keys[e.key_number].valid = true;
  c.keys[e.key_number].key = o.sync_key;
  return c;
}

// steer.SYNC and flow_table.SYNC_MATURE for --sync-delay: 0 syncs every connection at its insert
// (AT_INSERT, no keepalive); else the sweep matures it after N sweeps (and KEEPALIVE refreshes it), N = ceil(delay / period) + 1, the sweep
// period being one AGE op per --age-frames frames over every unit of the active table (frame i is
// tick i). An error when the delay does not fit the 4-bit count or there is no sweep.
Expected<std::pair<uint32_t, uint32_t>> sim_sync_registers(const SimOptions& o) {
  uint32_t sync = (1u << regs::STEER_SYNC_ENABLE_LSB) | (0xFFu << regs::STEER_SYNC_DEST_LSB);
  if (o.sync_delay == 0) return std::make_pair(sync | (1u << regs::STEER_SYNC_AT_INSERT_LSB), 0u);
  if (o.age_frames == 0)
    return make_error(Errc::kInvalidArgument,
                      "--sync-delay " + std::to_string(o.sync_delay) +
                          " needs ageing: the flow table's sweep matures connections (--age-frames 0 turns it off)");
  const uint64_t period = sim_sweep_period(o);
  const auto n = control::mature_sweeps(o.sync_delay, period);  // conductord's rule too
  if (!n)
    return make_error(Errc::kInvalidArgument, "--sync-delay " + std::to_string(o.sync_delay) + " is " +
                                                  std::to_string((o.sync_delay + period - 1) / period) +
                                                  " ageing sweeps of " + std::to_string(period) +
                                                  " ticks; the table counts at most 14: lower --age-frames or "
                                                  "--flow-capacity, or the delay");
  // KEEPALIVE: a synced connection the sweep finds active is sent again (UPDATE with its new
  // LAST_SEEN), so a standby's idle timers follow the active's within a sweep period.
  return std::make_pair(sync, *n | regs::FLOW_TABLE_SYNC_MATURE_KEEPALIVE_MASK);
}

// The run's settings the Controller does not own (it programs the cluster state: buckets,
// MEMBER_UP/SITE_UP, backups, DEFAULT_DEST, the hash): --default-action, --age-frames,
// --learn-hold and the flow table's --flow-timeout / --flow-capacity; the HyperSync feed and
// encoder of the active core (--sync-out, --standby), the decoder of the standby's.
enum class SimRole { kActive, kStandby };
Status write_run_settings(device::Device& dev, const SimOptions& o, SimRole role = SimRole::kActive) {
  const flow::Config fc = flow_config(o);
  const std::pair<uint32_t, uint32_t> writes[] = {
      {regs::PARSER_CTRL_ADDR, o.drop_unparsed ? (1u << regs::PARSER_CTRL_DEFAULT_ACTION_LSB) : 0u},
      {regs::STEER_AGE_FRAMES_ADDR, o.age_frames},
      {regs::STEER_LEARN_HOLD_ADDR, o.learn_hold},
      {regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_CTRL_OFFSET, fc.ctrl},
      {regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_TIMEOUT_NEW_OFFSET, fc.timeout_new},
      {regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_TIMEOUT_EST_OFFSET, fc.timeout_est},
      {regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_TIMEOUT_CLOSING_OFFSET, fc.timeout_closing},
  };
  for (const auto& [addr, value] : writes)
    if (Status s = dev.write_reg(addr, value); !s) return s;
  if (role == SimRole::kStandby) {
    for (const auto& [off, val] : sync_decoder::register_writes(sim_decoder_config(o)))
      if (Status s = dev.write_reg(regs::SYNC_DECODER_BASE + off, val); !s) return s;
    return ok_status();
  }
  if (o.sync_out || o.standby) {
    auto r = sim_sync_registers(o);
    if (!r) return r.error();
    if (Status s = dev.write_reg(regs::STEER_SYNC_ADDR, r->first); !s) return s;
    if (Status s = dev.write_reg(regs::FLOW_TABLE_SYNC_MATURE_ADDR, r->second); !s) return s;
    for (const auto& [off, val] : sync_encoder::register_writes(sim_sync_config(o)))
      if (Status s = dev.write_reg(regs::SYNC_ENCODER_BASE + off, val); !s) return s;
  }
  return ok_status();
}

// The HBM memory's figures of the run: those at the end less those when the core was ready (its
// reset wrote every bucket with zeros: 2 x 2^20 writes that are not the run's).
HbmFigures hbm_since(const HbmFigures& end, const HbmFigures& start) {
  HbmFigures f = end;
  f.reads = end.reads - start.reads;
  f.writes = end.writes - start.writes;
  f.forced_frees = end.forced_frees - start.forced_frees;
  const double sum = end.mean_read_latency * static_cast<double>(end.reads) -
                     start.mean_read_latency * static_cast<double>(start.reads);
  f.mean_read_latency = f.reads ? sum / static_cast<double>(f.reads) : 0.0;
  return f;
}

// The RTL engine's device: every write goes to the Verilated core and to the model that checks
// it in lockstep, so both hold what the Controller and the run's settings wrote; reads and frames
// go to the core.
class LockstepDevice final : public device::Device {
 public:
  LockstepDevice(device::SimDevice& core, device::SoftDevice& model) : core_(core), model_(model) {}
  std::string_view kind() const override { return core_.kind(); }
  Status write_reg(uint32_t addr, uint32_t value, uint8_t strb = 0xF) override {
    if (Status s = core_.write_reg(addr, value, strb); !s) return s;
    return model_.write_reg(addr, value, strb);
  }
  Expected<uint32_t> read_reg(uint32_t addr) override { return core_.read_reg(addr); }
  Expected<std::vector<device::FrameResult>> process(const std::vector<device::TimedFrame>& frames) override {
    return core_.process(frames);
  }

 private:
  device::SimDevice& core_;
  device::SoftDevice& model_;
};

using Json = nlohmann::ordered_json;  // fields in the order they are written

// Fields whose figures keep a fixed number of decimals ("%.4f"), as the summary has always printed
// them; nlohmann-json would print the shortest form (0.5 for 0.5000). Every other value, and the
// structure and escaping, is nlohmann-json's.
int fixed_decimals(std::string_view key) {
  static const std::map<std::string_view, int> kDecimals = {{"packets_per_cycle", 4},
                                                            {"beats_per_cycle", 4},
                                                            {"clock_mhz", 1},
                                                            {"mpps", 2},
                                                            {"gbps", 2},
                                                            {"gbps_wire", 2},
                                                            {"wall_seconds", 3},
                                                            {"mean_read_latency_clocks", 1}};
  auto it = kDecimals.find(key);
  return it == kDecimals.end() ? -1 : it->second;
}

std::string dump_value(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Compact JSON like Json::dump(), with fixed_decimals() for the floating-point fields it names.
std::string dump_summary_json(const Json& j, std::string_view key = {}) {
  if (j.is_number_float() && fixed_decimals(key) >= 0) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", fixed_decimals(key), j.get<double>());
    return b;
  }
  if (j.is_object()) {
    std::string out = "{";
    for (const auto& [k, v] : j.items())
      out += (out.size() > 1 ? "," : "") + dump_value(k) + ":" + dump_summary_json(v, k);
    return out + "}";
  }
  if (j.is_array()) {
    std::string out = "[";
    for (const Json& v : j) out += (out.size() > 1 ? "," : "") + dump_summary_json(v);
    return out + "]";
  }
  return dump_value(j);
}

struct Tally {
  uint64_t packets = 0, bytes = 0, delivered = 0, dropped = 0, defaulted = 0;
  std::map<ParseStatus, uint64_t> status;
  std::map<MemberId, uint64_t> per_member;  // delivered, hashed (not defaulted) frames
  uint64_t lat_min = UINT64_MAX, lat_max = 0;
  uint64_t inconsistent_meta = 0, modified_frames = 0;
  CoreCounters counts;                                          // as the hardware counts them, from the outputs
  uint64_t actions[4] = {0, 0, 0, 0};                           // per SteerAction, from the outputs
  uint64_t events = 0;                                          // scripted events applied
  uint64_t age_ops = 0, expired = 0;                            // steer.AGE_OPS and EXPIRED at the end (ageing)
  uint64_t sync_frames = 0, sync_bytes = 0;                     // --sync-out: frames written and their bytes
  uint64_t sync_records = 0, sync_dropped = 0;                  // steer.SYNC_RECORDS and SYNC_DROPPED
  uint64_t beats = 0;                                           // 512-bit beats (64 bytes each, at least one per frame)
  uint64_t ops_dropped = 0, learn_dropped = 0, learn_held = 0;  // steer.OPS_DROPPED, LEARN_DROPPED, LEARN_HELD
  // Learning, from the device's counters at the end.
  uint64_t ops_issued = 0, learn_full = 0, inserts = 0, occupancy = 0, capacity = 0;
  uint64_t model_mismatches = 0;  // rtl: frames whose decision differs from the model's (drops replayed)
  std::optional<HbmFigures> hbm;  // rtl with --flow-table hbm: the memory model's figures at the end
};

// The device's learning counters into the tally (steer block and flow_table registers).
void tally_learning(Tally& t, const SteerCounters& sc, uint64_t inserts, uint64_t occupancy, uint64_t capacity) {
  t.ops_issued = sc.ops_issued;
  t.learn_full = sc.learn_full;
  t.ops_dropped = sc.ops_dropped;
  t.learn_dropped = sc.learn_dropped;
  t.learn_held = sc.learn_held;
  t.inserts = inserts;
  t.occupancy = occupancy;
  t.capacity = capacity;
}

// Writes the per-frame JSON line and tallies one frame's result.
class Sink {
 public:
  // One --out line: the frame's decision as the core's outputs give it.
  static Json frame_json(const CoreOut& o, size_t len, uint64_t index) {
    const SteerMeta& m = o.meta;
    char hash[16];
    std::snprintf(hash, sizeof hash, "0x%08x", m.hash);
    return Json{{"index", index},
                {"len", len},
                {"hash", hash},
                {"bucket", m.bucket},
                {"site", m.site},
                {"member", m.member},
                {"deliver", m.deliver},
                {"status", parse_status_name(m.status)},
                {"defaulted", m.defaulted},
                {"action", steer_action_name(o.action)},
                {"owner", std::to_string(m.site) + "/" + std::to_string(m.member)},
                {"op_dropped", o.op_dropped}};
  }

  Sink(std::FILE* out_file, Tally& t) : out_(out_file), t_(t) {}
  void add(const CoreOut& o, size_t len) {
    const SteerMeta& m = o.meta;
    ++t_.packets;
    ++t_.actions[static_cast<unsigned>(o.action) & 3];
    t_.bytes += len;
    t_.beats += len ? (len + 63) / 64 : 1;
    ++t_.status[m.status];
    core_count(t_.counts, m);
    if (m.deliver)
      ++t_.delivered;
    else
      ++t_.dropped;
    if (m.defaulted)
      ++t_.defaulted;
    else if (m.deliver)
      ++t_.per_member[MemberId{m.site, m.member}];
    if (out_) std::fprintf(out_, "%s\n", frame_json(o, len, t_.packets - 1).dump().c_str());
  }

 private:
  std::FILE* out_;
  Tally& t_;
};

class Progress {
 public:
  Progress(bool on, std::FILE* err, const char* engine) : on_(on), err_(err), engine_(engine) {}
  void tick(uint64_t frames, uint64_t cycles) {
    if (!on_ || (frames & 1023) != 0) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    if (cycles)
      std::fprintf(err_, "conductor sim: %" PRIu64 " frames, %" PRIu64 " cycles (%s, %.2f Mcycles/s)\n", frames, cycles,
                   engine_, cycles / secs / 1e6);
    else
      std::fprintf(err_, "conductor sim: %" PRIu64 " frames (%s, %.0f frames/s)\n", frames, engine_, frames / secs);
  }

 private:
  bool on_;
  std::FILE* err_;
  const char* engine_;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

// Gbit/s at `mhz` for `fpc` frames per clock of these frames, `extra` bytes per frame added (24:
// FCS, preamble and inter-frame gap, what a 100GbE port carries per frame).
double gbps(uint64_t bytes, uint64_t packets, double fpc, double mhz, unsigned extra) {
  if (packets == 0) return 0.0;
  const double per_frame = double(bytes) / packets + extra;
  return fpc * mhz * 1e6 * per_frame * 8 / 1e9;
}

void print_report(std::FILE* out, const SimOptions& o, const BucketAllocator& alloc, const Tally& t,
                  std::optional<uint64_t> cycles, const std::string& source) {
  std::fprintf(out, "Conductor distribution report\n");
  std::fprintf(out, "  engine %s, hash %s, %u buckets, %s, %" PRIu64 " frames\n\n", engine_name(o.engine),
               std::string(config::hash_mode_config_name(o.hash_mode)).c_str(), o.buckets, source.c_str(), t.packets);
  uint64_t total_w = 0;
  for (auto& [id, w] : o.weights) total_w += w;
  uint64_t hashed = 0;
  for (auto& [id, n] : t.per_member) hashed += n;
  std::fprintf(out, "  %-8s %6s %8s %9s %9s %9s\n", "member", "weight", "buckets", "ideal", "observed", "frames");
  auto counts = alloc.counts();
  for (auto& [id, w] : o.weights) {
    uint64_t n = t.per_member.count(id) ? t.per_member.at(id) : 0;
    double ideal = total_w ? 100.0 * w / total_w : 0.0;
    double seen = hashed ? 100.0 * n / hashed : 0.0;
    uint32_t nb = counts.count(id) ? counts.at(id) : 0;
    int bar = static_cast<int>(seen / 2 + 0.5);
    std::fprintf(out, "  %u/%-6u %6u %8u %8.1f%% %8.1f%% %9" PRIu64 "  %s\n", id.site, id.member, w, nb, ideal, seen, n,
                 std::string(static_cast<size_t>(bar), '#').c_str());
  }
  std::fprintf(out,
               "\n  actions: new %" PRIu64 ", hit %" PRIu64 ", corrected %" PRIu64 ", failover %" PRIu64 " (%" PRIu64
               " scripted events)\n",
               t.actions[0], t.actions[1], t.actions[2], t.actions[3], t.events);
  std::fprintf(out, "  ageing: an AGE op every %u frames%s, %" PRIu64 " AGE ops, %" PRIu64 " flows expired\n",
               o.age_frames, o.age_frames ? "" : " (off)", t.age_ops, t.expired);
  std::fprintf(out, "\n  parse status:");
  for (auto& [s, n] : t.status) std::fprintf(out, " %s %" PRIu64, parse_status_name(s), n);
  std::fprintf(out, "\n  default action (%s to %u/%u): %" PRIu64 " frames; marked for drop: %" PRIu64 "\n",
               o.drop_unparsed ? "drop" : "steer", o.default_dest.site, o.default_dest.member, t.defaulted, t.dropped);
  std::fprintf(out,
               "  learning: %" PRIu64 " flow-table ops issued, %" PRIu64 " dropped (queue full; %" PRIu64
               " of them INSERTs), %" PRIu64 " connections learned, %" PRIu64 " INSERTs failed (table full), %" PRIu64
               " held (failed less than %u ticks ago); table %" PRIu64 " of %" PRIu64 " entries\n",
               t.ops_issued, t.ops_dropped, t.learn_dropped, t.inserts, t.learn_full, t.learn_held, o.learn_hold,
               t.occupancy, t.capacity);
  if (o.flow_table == FlowTable::kHbm) {
    const uint32_t max = flow_bucket_log2_max(FlowTable::kHbm);
    std::fprintf(out, "  flow table in HBM: %" PRIu64 " of %u entries active (2 x 2^%u buckets, no cuckoo walk)",
                 t.capacity, flow_capacity_of(max), max);
    if (t.hbm)
      std::fprintf(out,
                   ", %" PRIu64 " bucket reads (mean %.1f clocks, at most %" PRIu64 " in one channel at once), %" PRIu64
                   " writes%s\n",
                   t.hbm->reads, t.hbm->mean_read_latency, t.hbm->max_outstanding, t.hbm->writes,
                   t.hbm->cache_error || !t.hbm->errors.empty() ? ", CHECK FAILED" : "");
    else
      std::fprintf(out, " (the model of the HBM build)\n");
  }
  if (cycles) {
    const double fpc = *cycles ? double(t.packets) / *cycles : 0.0;
    const double bpc = *cycles ? double(t.beats) / *cycles : 0.0;
    const double mpps = fpc * o.clock_mhz;
    std::fprintf(out,
                 "  %" PRIu64 " clock cycles, %.3f frames per cycle, %.3f beats per cycle, latency %" PRIu64
                 "..%" PRIu64 " cycles\n",
                 *cycles, fpc, bpc, t.lat_min, t.lat_max);
    std::fprintf(out,
                 "  at %.0f MHz: %.1f Mpps, %.1f Gbit/s of frames (%.1f Gbit/s on the wire with FCS, "
                 "preamble and gap)\n",
                 o.clock_mhz, mpps, gbps(t.bytes, t.packets, fpc, o.clock_mhz, 0),
                 gbps(t.bytes, t.packets, fpc, o.clock_mhz, 24));
  }
  std::fprintf(out, "\n");
}

// Frames per clock and the throughput they give at --clock-mhz (rtl engine only).
Json timing_json(const SimOptions& o, const Tally& t, uint64_t cycles) {
  const double fpc = cycles ? double(t.packets) / cycles : 0.0;
  return Json{{"cycles", cycles},
              {"packets_per_cycle", fpc},
              {"latency_cycles", {{"min", t.lat_min}, {"max", t.lat_max}}},
              {"beats", t.beats},
              {"beats_per_cycle", cycles ? double(t.beats) / cycles : 0.0},
              {"throughput",
               {{"clock_mhz", o.clock_mhz},
                {"mpps", fpc * o.clock_mhz},
                {"gbps", gbps(t.bytes, t.packets, fpc, o.clock_mhz, 0)},
                {"gbps_wire", gbps(t.bytes, t.packets, fpc, o.clock_mhz, 24)}}}};
}

Json status_json(const Tally& t) {
  Json out = Json::object();
  for (ParseStatus s : {ParseStatus::kOk, ParseStatus::kNonIp, ParseStatus::kTruncated, ParseStatus::kBadHeader,
                        ParseStatus::kExtLimit})
    out[parse_status_name(s)] = t.status.count(s) ? t.status.at(s) : 0;
  return out;
}

Json members_json(const SimOptions& o, const BucketAllocator& alloc, const Tally& t) {
  Json out = Json::array();
  const auto counts = alloc.counts();
  for (auto& [id, w] : o.weights)
    out.push_back({{"site", id.site},
                   {"member", id.member},
                   {"weight", w},
                   {"buckets", counts.count(id) ? counts.at(id) : 0},
                   {"packets", t.per_member.count(id) ? t.per_member.at(id) : 0}});
  return out;
}

Json learning_json(const SimOptions& o, const Tally& t) {
  return Json{{"ops_issued", t.ops_issued}, {"ops_dropped", t.ops_dropped}, {"learn_dropped", t.learn_dropped},
              {"learned", t.inserts},       {"learn_full", t.learn_full},   {"learn_held", t.learn_held},
              {"learn_hold", o.learn_hold}, {"occupancy", t.occupancy},     {"capacity", t.capacity}};
}

// The one-line JSON summary every run ends with.
void print_summary(std::FILE* out, const SimOptions& o, const BucketAllocator& alloc, const Tally& t,
                   std::optional<uint64_t> cycles, std::optional<bool> counters_match, std::optional<bool> model_match,
                   const std::string& source, double wall, const Json& standby) {
  Json s = {{"engine", engine_name(o.engine)},
            {"source", source},
            {"hash_mode", std::string(config::hash_mode_config_name(o.hash_mode))},
            {"buckets", o.buckets},
            {"flow_table", flow_table_name(o.flow_table)},
            {"packets", t.packets},
            {"bytes", t.bytes}};
  if (cycles)
    s.update(timing_json(o, t, *cycles));
  else
    s.update(Json{{"cycles", nullptr}, {"packets_per_cycle", nullptr}});
  s["delivered"] = t.delivered;
  s["dropped"] = t.dropped;
  s["defaulted"] = t.defaulted;
  s["status"] = status_json(t);
  s["members"] = members_json(o, alloc, t);
  s["actions"] = {
      {"new", t.actions[0]}, {"hit", t.actions[1]}, {"corrected", t.actions[2]}, {"failover", t.actions[3]}};
  s["events"] = t.events;
  s["learning"] = learning_json(o, t);
  s["ageing"] = {{"age_frames", o.age_frames}, {"age_ops", t.age_ops}, {"expired", t.expired}};
  if (t.hbm)
    s["hbm"] = {{"reads", t.hbm->reads},
                {"writes", t.hbm->writes},
                {"mean_read_latency_clocks", t.hbm->mean_read_latency},
                {"max_reads_in_one_channel", t.hbm->max_outstanding},
                {"forced_frees", t.hbm->forced_frees},
                {"ok", !t.hbm->cache_error && t.hbm->errors.empty()}};
  if (o.sync_out)
    s["sync"] = {{"out", *o.sync_out},        {"delay", o.sync_delay},     {"frames", t.sync_frames},
                 {"records", t.sync_records}, {"dropped", t.sync_dropped}, {"bytes", t.sync_bytes}};
  if (!standby.is_null()) s["standby"] = standby;
  if (counters_match) s["counters_match"] = *counters_match;
  if (model_match) s["model_match"] = *model_match;
  s["wall_seconds"] = wall;
  std::fprintf(out, "%s\n", dump_summary_json(s).c_str());
}

}  // namespace

int run_sim(const SimOptions& o, std::FILE* out, std::FILE* err) {
  auto t0 = Clock::now();
  if (o.standby && o.engine != Engine::kRtl) {
    std::fprintf(err,
                 "conductor sim: --standby needs --engine rtl: the standby is a second Verilated core fed by the "
                 "first one's sync frames (m_sync into s_sync)\n");
    return 2;
  }
  if (o.sync_out || o.standby) {
    if (o.engine != Engine::kRtl) {
      std::fprintf(err,
                   "conductor sim: --sync-out needs --engine rtl: the sync frames are the Verilated core's "
                   "(m_sync); the model engine has no sync encoder\n");
      return 2;
    }
    if (auto r = sim_sync_registers(o); !r) {
      std::fprintf(err, "conductor sim: %s\n", r.error().message.c_str());
      return 2;
    }
  }
  std::vector<SimEvent> events;
  if (o.events) {
    auto ev = load_sim_events(*o.events);
    if (!ev) {
      std::fprintf(err, "conductor sim: %s\n", ev.error().message.c_str());
      return 2;
    }
    events = std::move(*ev);
  }
  size_t next_event = 0;
  std::optional<uint64_t> failover_at;
  for (const SimEvent& e : events) {
    if (e.kind != SimEvent::Kind::kOrchestratorFailover) continue;
    if (!o.standby) {
      std::fprintf(err, "conductor sim: %s:%d: orchestrator-failover needs --standby (there is no standby core)\n",
                   o.events->c_str(), e.line);
      return 2;
    }
    failover_at = e.at;
  }

  // The device the Controller programs: the soft device (CoreModel behind the core's register
  // file) for the model engine; for the RTL engine the Verilated core, with a soft device beside it
  // whose model checks every frame in lockstep.
  const int flow_log2_max = static_cast<int>(flow_bucket_log2_max(o.flow_table));
  auto soft = std::make_unique<device::SoftDevice>(flow_log2_max);
  std::unique_ptr<device::SimDevice> rtl;
  std::unique_ptr<LockstepDevice> lockstep;
  HbmFigures hbm_at_start;  // --flow-table hbm: the memory's figures once the core is ready
  device::Device* dev = soft.get();
  if (o.engine == Engine::kRtl) {
    RtlCoreOptions ro;
    ro.seed = o.seed;
    ro.idle_percent = o.idle_percent;
    ro.backpressure_percent = o.backpressure_percent;
    ro.flow_hbm = o.flow_table == FlowTable::kHbm;
    rtl = std::make_unique<device::SimDevice>(ro);
    hbm_at_start = rtl->core().hbm();
    CoreIdentity id = rtl->core().identity();
    if (id.magic != regs::ID_MAGIC_RESET || (id.version >> 16) != (regs::ID_VERSION_RESET >> 16)) {
      std::fprintf(err,
                   "conductor sim: the core's ID block reads magic 0x%08x version 0x%08x; "
                   "expected 0x%08x version %u.x\n",
                   id.magic, id.version, regs::ID_MAGIC_RESET, regs::ID_VERSION_RESET >> 16);
      return 1;
    }
    if (o.buckets > (1u << id.bucket_log2_max())) {
      std::fprintf(err, "conductor sim: --buckets %u exceeds the RTL bucket table (%u entries)\n", o.buckets,
                   1u << id.bucket_log2_max());
      return 2;
    }
    lockstep = std::make_unique<LockstepDevice>(*rtl, *soft);
    dev = lockstep.get();
  }
  // Weights -> buckets, backups, status bits: the Controller, as in conductord. Its log carries
  // only errors (a refused write); its metrics are not exported.
  control::Logger log(err, config::LogLevel::kError);
  control::Metrics metrics;
  control::Controller controller(*dev, log, metrics, control::ControllerOptions{.default_dest = o.default_dest});
  if (Status s = controller.start(sim_cluster(o, events)); !s) {
    std::fprintf(err, "conductor sim: programming the core's registers failed: %s\n", s.error().message.c_str());
    return 1;
  }
  if (Status s = write_run_settings(*dev, o); !s) {
    std::fprintf(err, "conductor sim: programming the core's registers failed: %s\n", s.error().message.c_str());
    return 1;
  }
  // --standby: the standby orchestrator's core, programmed by its own Controller from the same
  // cluster (as its conductord would), with its sync_decoder and no feed of its own.
  std::unique_ptr<device::SoftDevice> sb_soft;
  std::unique_ptr<device::SimDevice> sb_rtl;
  std::unique_ptr<LockstepDevice> sb_lock;
  control::Metrics sb_metrics;
  std::unique_ptr<control::Controller> sb_controller;
  if (o.standby) {
    RtlCoreOptions ro;
    ro.seed = o.seed ^ 0x6a09e667f3bcc908ull;
    ro.idle_percent = o.idle_percent;
    ro.backpressure_percent = o.backpressure_percent;
    ro.flow_hbm = o.flow_table == FlowTable::kHbm;
    sb_soft = std::make_unique<device::SoftDevice>(flow_log2_max);
    sb_rtl = std::make_unique<device::SimDevice>(ro);
    sb_lock = std::make_unique<LockstepDevice>(*sb_rtl, *sb_soft);
    sb_controller = std::make_unique<control::Controller>(*sb_lock, log, sb_metrics,
                                                          control::ControllerOptions{.default_dest = o.default_dest});
    Status s = sb_controller->start(sim_cluster(o, events));
    if (s) s = write_run_settings(*sb_lock, o, SimRole::kStandby);
    if (!s) {
      std::fprintf(err, "conductor sim: programming the standby core's registers failed: %s\n",
                   s.error().message.c_str());
      return 1;
    }
  }
  // An event goes to both orchestrators' Controllers (the standby's daemon follows the same
  // cluster); orchestrator-failover is the run's own.
  auto apply_event = [&](const SimEvent& e) -> Status {
    if (Status s = apply_sim_event(e, controller); !s) return s;
    if (sb_controller) return apply_sim_event(e, *sb_controller);
    return ok_status();
  };
  Json standby_json;
  const BucketAllocator& alloc = controller.allocator();
  if (alloc.unassigned() == alloc.buckets())
    std::fprintf(err,
                 "conductor sim: warning: every weight is 0, so no bucket has a member and every "
                 "parsed frame is marked for drop\n");

  // Frames.
  std::unique_ptr<FrameFeed> feed;
  if (o.pcap) {
    auto reader = PcapReader::open(*o.pcap);
    if (!reader) {
      std::fprintf(err, "conductor sim: %s\n", reader.error().message.c_str());
      return 2;
    }
    feed = std::make_unique<PcapFeed>(std::move(*reader));
  } else {
    GeneratorConfig cfg;
    cfg.seed = o.seed;
    cfg.flows = o.flows;
    cfg.packets = o.packets;
    cfg.min_size_only = o.min_size;
    auto gen = TrafficGenerator::create(cfg);
    if (!gen) {
      std::fprintf(err, "conductor sim: %s\n", gen.error().message.c_str());
      return 2;
    }
    feed = std::make_unique<SyntheticFeed>(std::move(*gen), o.packets);
  }

  std::FILE* per_packet = nullptr;
  if (o.out) {
    per_packet = std::fopen(o.out->c_str(), "w");
    if (!per_packet) {
      std::fprintf(err, "conductor sim: --out %s: cannot open for writing\n", o.out->c_str());
      return 2;
    }
  }
  bool progress_on = o.progress || (o.engine == Engine::kRtl && isatty(fileno(err)));
  Tally tally;
  Sink sink(per_packet, tally);
  std::optional<uint64_t> cycles;
  std::optional<bool> counters_match, model_match;
  int rc = 0;

  // Frame i is stamped with time i (one tick per frame, s_axis_tuser[39:8]) in both engines.
  std::optional<Error> event_error;
  if (o.engine == Engine::kModel) {
    Progress progress(progress_on, err, "model");
    CoreModel& model = soft->model();
    Frame f;
    uint64_t index = 0;
    while (!event_error && feed->next(f)) {
      while (next_event < events.size() && events[next_event].at <= index) {
        if (Status s = apply_event(events[next_event]); !s) {
          event_error = make_error(Errc::kInvalidArgument, *o.events + ":" + std::to_string(events[next_event].line) +
                                                               ": " + s.error().message);
          break;
        }
        ++tally.events;
        ++next_event;
      }
      if (event_error) break;
      CoreOut out_meta = model.process(f.bytes.data(), f.bytes.size(), f.sg_id, static_cast<uint32_t>(index));
      sink.add(out_meta, f.bytes.size());
      ++index;
      progress.tick(tally.packets, 0);
    }
    tally.age_ops = model.steer_counters().age_ops;
    tally.expired = model.steer_counters().expired;
    const auto& fc = model.flow_table().counters();
    tally_learning(tally, model.steer_counters(), fc.inserts, fc.occupancy, model.flow_table().capacity());
  } else {
    RtlCore& core = rtl->core();
    Progress progress(progress_on, err, "rtl");
    // The model in lockstep: every frame's decision is checked against it with the RTL's
    // OP_DROPPED replayed (the only thing that depends on clocks; docs/architecture.md).
    CoreModel& lock = soft->model();
    std::deque<Frame> in_flight;
    Frame f;
    uint64_t index = 0, run_cycles = 0;
    bool feed_done = false, ok = true;
    std::vector<Frame> sync_pcap;  // --sync-out
    // --standby: the link, the standby's side, and the failover's comparison with the active's
    // model carried on (the shadow: what the active would have done).
    RtlCore* sb_core = sb_rtl ? &sb_rtl->core() : nullptr;
    std::optional<SyncLink> link;
    std::optional<StandbyMirror> mirror;
    ConnectionAges ages;
    bool failed_over = false;
    uint64_t sb_frames = 0, sb_mismatches = 0, after_failover = 0, failover_cycle = 0;
    uint64_t misrouted_frames = 0, young_frames = 0;
    std::map<uint64_t, bool> misrouted_conns;  // first frame of the connection -> protected
    std::set<uint64_t> protected_seen;         // protected connections with frames after the failover
    uint64_t protect_frames = 0;
    if (sb_core) {
      link.emplace(SyncLinkOptions{o.link_latency, o.link_loss, o.link_reorder, o.seed});
      mirror.emplace(*sb_core, sb_soft->model(), sim_decoder_config(o),
                     static_cast<int64_t>(sb_core->cycle()) - static_cast<int64_t>(core.cycle()));
      // Connections older than this many frames at the failover are protected: the delay (whole
      // sweeps), the link (its latency, twice under reordering), the encoder's flush and the
      // pipelines (a frame per clock at most, so frames never outnumber clocks).
      const auto sync_regs = sim_sync_registers(o);
      uint64_t delay = 0;
      if (sync_regs)
        delay = uint64_t{sync_regs->second & regs::FLOW_TABLE_SYNC_MATURE_SWEEPS_MASK} * sim_sweep_period(o);
      protect_frames = delay + o.link_latency * (o.link_reorder ? 2 : 1) + kSimSyncFlushCycles + 1024;
    }
    // The active's sync frames since the last call: into the pcap and over the link.
    auto forward_sync = [&] {
      std::vector<RtlCore::SyncFrameOut> frames = core.take_timed_sync_frames();
      if (o.sync_out)
        for (const auto& fr : frames) {
          tally.sync_bytes += fr.bytes.size();
          sync_pcap.push_back(Frame{fr.bytes, 0});
        }
      if (mirror) {
        mirror->deliver(link->carry(std::move(frames)));
        mirror->catch_up(core.cycle());
      }
    };
    // Runs until the next event's frame, drains, writes the event's registers, continues.
    while (ok && !feed_done && !event_error) {
      while (next_event < events.size() && events[next_event].at <= index) {
        if (events[next_event].kind == SimEvent::Kind::kOrchestratorFailover && !failed_over) {
          forward_sync();  // what the active sent before it failed is on the link
          failed_over = true;
          failover_cycle = core.cycle();
        }
        if (Status s = apply_event(events[next_event]); !s) {
          event_error = make_error(Errc::kInvalidArgument, *o.events + ":" + std::to_string(events[next_event].line) +
                                                               ": " + s.error().message);
          break;
        }
        ++tally.events;
        ++next_event;
      }
      if (event_error) break;
      const uint64_t stop = next_event < events.size() ? events[next_event].at : UINT64_MAX;
      RtlCore& cur = failed_over ? *sb_core : core;
      ok = cur.run(RtlCore::TimedFrameSource([&](std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time) {
                     if (index >= stop) return false;
                     if (!feed->next(f)) {
                       feed_done = true;
                       return false;
                     }
                     *bytes = f.bytes;
                     *sg = f.sg_id;
                     *time = static_cast<uint32_t>(index);
                     ++index;
                     in_flight.push_back(std::move(f));
                     return true;
                   }),
                   [&](CoreFrameOut&& fo) {
                     if (!fo.meta_consistent) ++tally.inconsistent_meta;
                     if (in_flight.empty() || in_flight.front().bytes != fo.bytes) ++tally.modified_frames;
                     const CoreOut got{fo.meta, fo.action, fo.op_dropped};
                     if (!in_flight.empty()) {
                       const Frame& fr = in_flight.front();
                       const auto t = static_cast<uint32_t>(tally.packets);
                       flow::CKey ck;
                       const bool keyed = sb_core && ages.key_of(fr.bytes.data(), fr.bytes.size(), fr.sg_id, ck);
                       const uint64_t first = keyed ? ages.see(ck, tally.packets) : tally.packets;
                       if (!failed_over) {
                         CoreOut want = lock.replay(fr.bytes.data(), fr.bytes.size(), fr.sg_id, t, got);
                         if (!(want == got)) ++tally.model_mismatches;
                       } else {
                         if (!mirror->apply_due(sb_frames)) ++sb_mismatches;
                         CoreOut want = sb_soft->model().replay(fr.bytes.data(), fr.bytes.size(), fr.sg_id, t, got);
                         if (!(want == got)) ++sb_mismatches;
                         ++sb_frames;
                         ++after_failover;
                         const CoreOut shadow = lock.process(fr.bytes.data(), fr.bytes.size(), fr.sg_id, t);
                         if (keyed && first + protect_frames <= *failover_at) protected_seen.insert(first);
                         if (keyed && (shadow.meta.member != got.meta.member || shadow.meta.site != got.meta.site ||
                                       shadow.meta.deliver != got.meta.deliver)) {
                           const bool prot = first + protect_frames <= *failover_at;
                           misrouted_conns[first] = prot;
                           if (prot)
                             ++misrouted_frames;
                           else
                             ++young_frames;
                         }
                       }
                       in_flight.pop_front();
                     }
                     uint64_t lat = fo.out_cycle - fo.in_cycle;
                     tally.lat_min = std::min(tally.lat_min, lat);
                     tally.lat_max = std::max(tally.lat_max, lat);
                     sink.add(got, fo.bytes.size());
                     progress.tick(tally.packets, cur.cycle());
                   });
      run_cycles += cur.last_run_cycles();
      if (!failed_over) forward_sync();
      if (!ok) std::fprintf(err, "conductor sim: %s\n", cur.error().c_str());
    }
    if (!ok) rc = 1;
    cycles = run_cycles;
    if (!failed_over) {
      core.settle(200);  // the AGE op after the last frame and its events
      if (o.sync_out || mirror) {
        core.settle(kSimSyncFlushCycles + 200);  // the last records, then the open frame's flush timer
        forward_sync();
      }
    } else {
      sb_core->settle(200);
    }
    if (o.sync_out) {
      tally.sync_frames = sync_pcap.size();
      uint32_t records = 0, dropped = 0;
      core.read_reg(regs::STEER_SYNC_RECORDS_ADDR, &records);
      core.read_reg(regs::STEER_SYNC_DROPPED_ADDR, &dropped);
      tally.sync_records = records;
      tally.sync_dropped = dropped;
      if (Status s = write_pcap(*o.sync_out, sync_pcap); !s) {
        std::fprintf(err, "conductor sim: --sync-out %s: %s\n", o.sync_out->c_str(), s.error().message.c_str());
        rc = 1;
      }
    }
    // The device counters: the active's, plus the standby's for the frames it carried.
    CoreCounters hw = core.counters();
    SteerCounters hs = core.steer_counters();
    uint32_t inserts = 0, occupancy = 0, capacity = 0;
    RtlCore& last = failed_over ? *sb_core : core;
    core.read_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_INSERTS_OFFSET, &inserts);
    last.read_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_OCCUPANCY_OFFSET, &occupancy);
    last.read_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_CAPACITY_OFFSET, &capacity);
    // One AGE op per AGE_FRAMES frames each core looked up (the register is written once).
    uint64_t want_ages = o.age_frames ? (tally.packets - sb_frames) / o.age_frames : 0;
    if (sb_core) {
      mirror->drain(sb_frames);
      const SteerCounters bs = sb_core->steer_counters();
      hw += sb_core->counters();
      hs += bs;
      uint32_t sb_inserts = 0;
      sb_core->read_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_INSERTS_OFFSET, &sb_inserts);
      inserts += sb_inserts;
      want_ages += o.age_frames ? sb_frames / o.age_frames : 0;
      // The standby's figures (docs/hypersync.md §13.3).
      auto rd = [&](uint32_t addr) {
        uint32_t v = 0;
        sb_core->read_reg(addr, &v);
        return v;
      };
      const sync_decoder::SyncDecoderCounters dec =
          sync_decoder::counters_from_regs([&](uint32_t off) { return rd(regs::SYNC_DECODER_BASE + off); });
      const bool dec_exact = dec == mirror->decoder_counters();
      Json rejects = Json::object();
      for (unsigned i = 0; i < sync_decoder::kRejects; ++i)
        if (dec.rejects[i])
          rejects[std::string(sync::sync_rx_error_name(static_cast<sync::SyncRxError>(i)))] = dec.rejects[i];
      uint64_t prot = 0, young = 0;
      for (const auto& [first, p] : misrouted_conns) (p ? prot : young) += 1;
      const bool exact = sb_mismatches == 0 && mirror->exact() && dec_exact && bs.sync_applied == mirror->ops_applied();
      standby_json = Json{{"failover_frame", failover_at ? Json(*failover_at) : Json(nullptr)},
                          {"failover_cycle", failed_over ? Json(failover_cycle) : Json(nullptr)},
                          {"link",
                           {{"latency_cycles", o.link_latency},
                            {"loss_percent", o.link_loss},
                            {"reorder_percent", o.link_reorder},
                            {"frames", link->sent},
                            {"lost", link->lost},
                            {"reordered", link->reordered}}},
                          {"decoder",
                           {{"frames", dec.frames},
                            {"records", dec.records},
                            {"ops", dec.ops},
                            {"not_sync", dec.not_sync},
                            {"rejects", rejects}}},
                          {"sync_applied", bs.sync_applied},
                          {"sync_windows", rd(regs::STEER_SYNC_WINDOWS_ADDR)},
                          {"mirror_lag_cycles", mirror->lag_json()},
                          {"occupancy_at_end", rd(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_OCCUPANCY_OFFSET)},
                          {"expired", bs.expired},
                          {"protected_after_frames", protect_frames},
                          {"frames_after_failover", after_failover},
                          {"protected_connections", protected_seen.size()},
                          {"misrouted", prot},
                          {"misrouted_frames", misrouted_frames},
                          {"misrouted_young", young},
                          {"misrouted_young_frames", young_frames},
                          {"exact", exact}};
      if (!exact) {
        std::fprintf(err,
                     "conductor sim: standby integrity check failed: %" PRIu64
                     " frames differ from its model, sync ops %s, decoder counters %s, SYNC_APPLIED %" PRIu64
                     " for %" PRIu64 " ops\n",
                     sb_mismatches, mirror->exact() ? "placed" : "NOT matched", dec_exact ? "match" : "DIFFER",
                     bs.sync_applied, mirror->ops_applied());
        rc = 1;
      }
    }
    tally.age_ops = hs.age_ops;
    tally.expired = hs.expired;
    tally_learning(tally, hs, inserts, occupancy, capacity);
    auto wrap = [](uint64_t v) { return v & 0xFFFFFFFFull; };
    CoreCounters sw = tally.counts;
    counters_match = wrap(hw.rx_pkts) == wrap(sw.rx_pkts) && wrap(hw.parsed_ok) == wrap(sw.parsed_ok) &&
                     wrap(hw.non_ip) == wrap(sw.non_ip) && wrap(hw.truncated) == wrap(sw.truncated) &&
                     wrap(hw.bad_header) == wrap(sw.bad_header) && wrap(hw.ext_limit) == wrap(sw.ext_limit) &&
                     wrap(hw.defaulted) == wrap(sw.defaulted) && wrap(hw.dropped) == wrap(sw.dropped) &&
                     wrap(hs.new_flows) == wrap(tally.actions[0]) && wrap(hs.hit) == wrap(tally.actions[1]) &&
                     wrap(hs.corrected) == wrap(tally.actions[2]) && wrap(hs.failover) == wrap(tally.actions[3]) &&
                     wrap(hs.age_ops) == wrap(want_ages) && wrap(hs.ops_dropped) == wrap(tally.ops_dropped);
    model_match = tally.model_mismatches == 0;
    // The HBM build's health: the engine never touched a bucket its cache did not hold, and the
    // memory model saw no AXI protocol error (on either core under --standby).
    if (o.flow_table == FlowTable::kHbm) {
      tally.hbm = hbm_since(core.hbm(), hbm_at_start);
      std::vector<std::string> hbm_errors = tally.hbm->errors;
      bool cache_error = tally.hbm->cache_error;
      if (sb_core) {
        const HbmFigures sb = sb_core->hbm();
        cache_error |= sb.cache_error;
        for (const std::string& e : sb.errors) hbm_errors.push_back("standby: " + e);
      }
      if (cache_error || !hbm_errors.empty()) {
        tally.hbm->cache_error = cache_error;
        tally.hbm->errors = hbm_errors;
        std::fprintf(err, "conductor sim: HBM flow table check failed: %s%zu AXI errors seen by the memory model\n",
                     cache_error ? "the engine touched a bucket its cache did not hold (flow_cache_error); " : "",
                     hbm_errors.size());
        for (const std::string& e : hbm_errors) std::fprintf(err, "conductor sim:   memory model: %s\n", e.c_str());
        rc = 1;
      }
    }
    if (tally.inconsistent_meta || tally.modified_frames || !*counters_match || !*model_match) {
      std::fprintf(err,
                   "conductor sim: RTL integrity check failed: %" PRIu64 " frames with changing TUSER, %" PRIu64
                   " frames changed or out of order, %" PRIu64 " frames differ from the model, device counters %s\n",
                   tally.inconsistent_meta, tally.modified_frames, tally.model_mismatches,
                   *counters_match ? "match" : "DIFFER from the frames seen");
      rc = 1;
    }
  }
  if (per_packet && std::fclose(per_packet) != 0) {
    std::fprintf(err, "conductor sim: --out %s: write failed\n", o.out->c_str());
    rc = 1;
  }
  if (auto* pf = dynamic_cast<PcapFeed*>(feed.get()); pf && pf->stats().snapped)
    std::fprintf(err,
                 "conductor sim: warning: %s: %" PRIu64
                 " records were captured shorter than "
                 "sent (first: record %" PRIu64 "); their captured bytes were used\n",
                 o.pcap->c_str(), pf->stats().snapped, pf->stats().first_snapped_record);
  if (feed->error) {
    std::fprintf(err, "conductor sim: %s\n", feed->error->message.c_str());
    return 2;
  }
  if (event_error) {
    std::fprintf(err, "conductor sim: %s\n", event_error->message.c_str());
    return 2;
  }
  if (next_event < events.size())
    std::fprintf(err,
                 "conductor sim: warning: %zu events come after the last frame (%" PRIu64
                 ") and were not applied (first: %s:%d)\n",
                 events.size() - next_event, tally.packets, o.events->c_str(), events[next_event].line);
  if (tally.packets == 0) {
    std::fprintf(err, "conductor sim: %s holds no frames\n", feed->describe().c_str());
    return 2;
  }
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  SimOptions final_o = o;
  final_o.weights = final_weights(o, events, next_event, controller);  // after the scripted changes
  if (o.report) print_report(out, final_o, alloc, tally, cycles, feed->describe());
  print_summary(out, final_o, alloc, tally, cycles, counters_match, model_match, feed->describe(), wall, standby_json);
  return rc;
}

}  // namespace conductor
