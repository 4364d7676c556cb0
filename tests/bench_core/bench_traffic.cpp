// Line rate on a user's traffic: the Verilated conductor_core (exact clock cycles, one lane) on
// minimum-size TCP frames with many connections, a flood of new ones and a mix, and an IMIX; every
// frame's STEER_META checked against the C++ model (CoreModel, with the RTL's OP_DROPPED replayed:
// docs/architecture.md, "Learning never waits"). Prints one JSON object (and writes it to --out).
//
//   bench_traffic [--scale PCT] [--flow-table onchip|hbm] [--out FILE]
//
// Scenarios (flows and frames at --scale 100):
//   established_1k / _20k / _200k  connections learned first (frames of the still-unlearned ones
//                 until every one is in the table), then frames of random established connections
//   flood         every frame a new connection (a SYN flood or a port scan)
//   new30         30% of the frames open a new connection, 70% belong to 20k established ones
//   imix_established  Simple IMIX sizes (60/590/1514 bytes, 7:4:1) over 1k established connections
//   flood_sync / new30_sync  flood and new30 with the HyperSync feed on (issue 11): every learned
//                 connection a NEW record at its insert (steer.SYNC.AT_INSERT), or matured by the
//                 sweep (SYNC_MATURE.SWEEPS 1); the sync frames' records, drops and bytes
// --flow-table hbm: the HBM build of the core (the flow table's buckets behind the memory model's
// AXI channels, 100..150 clocks of read latency, docs/flow_table.md "Connections in HBM") on
//   hbm_established_1m / _4m  1M / 4M connections learned first, then frames of random ones
//   hbm_new30_1m / _4m        then 30% new connections, 70% of the established ones
//   hbm_flood_1m / _4m        then every frame a new connection
// (the three phases of one size run on one core, in that order; sizes scale with --scale).
// Frame i of the run is stamped with tick i. An established connection needs no op (the table marks
// it active in line), so only INSERTs and UPDATEs go through the op engine.
// Figures: frames and beats per clock, Mpps and Gbit/s at 300 MHz, ops issued and dropped,
// connections learned per clock (the learning rate at 300 MHz beside published SmartNIC figures),
// simulation speed. Exit code 1 when any frame differs from the model.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "core/core_model.hpp"
#include "host/common/cli.hpp"
#include "rtl_core.hpp"
#include "sync_encoder/sync_encoder_model.hpp"
#include "tests/bench_core/bench_json.hpp"

namespace conductor {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kClockMhz = 300.0;

// Ethernet + IPv4 + TCP (ACK), `len` bytes without FCS (60 = a 64-byte frame on the wire):
// connection c (unique addresses and client port per c < 2^24), either direction.
std::vector<uint8_t> tcp_frame(uint32_t c, bool reply, size_t len) {
  std::vector<uint8_t> b(len < 60 ? 60 : len, 0);
  b[0] = 0x02, b[6] = 0x02, b[11] = 1;
  b[12] = 0x08;
  uint8_t* ip = &b[14];
  const size_t ip_len = b.size() - 14;
  ip[0] = 0x45;
  ip[2] = static_cast<uint8_t>(ip_len >> 8);
  ip[3] = static_cast<uint8_t>(ip_len);
  ip[8] = 64;
  ip[9] = 6;
  const uint8_t a[4] = {198, 18, static_cast<uint8_t>(c >> 8), static_cast<uint8_t>(c)};
  const uint8_t s[4] = {198, 19, static_cast<uint8_t>(c >> 16), 1};
  const uint16_t pa = static_cast<uint16_t>(1024 + (c & 0x3FFF)), ps = 443;
  for (int i = 0; i < 4; ++i) {
    ip[12 + i] = reply ? s[i] : a[i];
    ip[16 + i] = reply ? a[i] : s[i];
  }
  const uint16_t sp = reply ? ps : pa, dp = reply ? pa : ps;
  uint8_t* tcp = ip + 20;
  tcp[0] = static_cast<uint8_t>(sp >> 8), tcp[1] = static_cast<uint8_t>(sp);
  tcp[2] = static_cast<uint8_t>(dp >> 8), tcp[3] = static_cast<uint8_t>(dp);
  tcp[12] = 0x50;
  tcp[13] = 0x10;  // ACK
  return b;
}

CoreRegs bench_regs() {
  CoreRegs r;
  r.hash.ctrl = (1u << regs::DIST_HASH_CTRL_MODE_LSB) | (12u << regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  for (uint32_t b = 0; b < 4096; ++b) r.hash.buckets[b] = static_cast<uint8_t>(0x80 | (b % 8));
  for (unsigned m = 0; m < 8; ++m)  // local backup: the next member
    r.steer.backup[m] = static_cast<uint16_t>(((m + 1) % 8) | (1u << regs::BACKUP_ENTRY_LB_VALID_LSB));
  return r;
}

struct Phase {
  uint64_t frames = 0, beats = 0, bytes = 0, cycles = 0;
  uint64_t new_frames = 0, inserts_issued = 0, learn_dropped = 0, ops_dropped = 0;
  double seconds = 0;
};

// One device and its model, frames stamped with a running tick.
class Bench {
 public:
  // `bucket_log2` < 0: the core's full table; else 2 x 2^bucket_log2 x 4 + 16 entries.
  explicit Bench(int bucket_log2 = -1, bool hbm = false)
      : core_(core_options(hbm)), model_(hbm ? kCoreHbmFlowBucketLog2Max : kCoreFlowBucketLog2Max) {
    model_.regs() = bench_regs();
    if (!core_.load(model_.regs())) fail("register programming failed");
    if (hbm) {  // the HBM build has no cuckoo walk: the model must not walk either
      flow::Config c = model_.flow_table().config();
      c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB, regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH, 0);
      model_.flow_table().set_config(c);
      if (!core_.write_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_CTRL_OFFSET, c.ctrl))
        fail("FLOW_TABLE.CTRL write failed");
    }
    if (bucket_log2 >= 0) {
      flow::Config c = model_.flow_table().config();
      const uint32_t mask = ((1u << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH) - 1)
                            << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB;
      c.ctrl = (c.ctrl & ~mask) | (static_cast<uint32_t>(bucket_log2) << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB);
      model_.flow_table().set_config(c);
      if (!core_.write_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_CTRL_OFFSET, c.ctrl))
        fail("FLOW_TABLE.CTRL write failed");
    }
  }

  // Runs frames (connection, reply, length) through the core and the model; returns the figures.
  // `unlearned` receives the connections whose frame was new and whose INSERT was dropped.
  Phase run(const std::vector<uint32_t>& conn, const std::vector<uint8_t>& reply, const std::vector<uint16_t>& len,
            std::vector<uint32_t>* unlearned = nullptr) {
    Phase p;
    std::vector<std::vector<uint8_t>> frames(conn.size());
    for (size_t i = 0; i < conn.size(); ++i) frames[i] = tcp_frame(conn[i], reply[i] != 0, len[i]);
    const uint64_t t0 = tick_;
    size_t next = 0, out = 0;
    auto w0 = Clock::now();
    bool ok =
        core_.run(RtlCore::TimedFrameSource([&](std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time) {
                    if (next == frames.size()) return false;
                    *bytes = frames[next];
                    *sg = 0;
                    *time = static_cast<uint32_t>(t0 + next);
                    ++next;
                    return true;
                  }),
                  [&](CoreFrameOut&& fo) {
                    const std::vector<uint8_t>& f = frames[out];
                    CoreOut got{fo.meta, fo.action, fo.op_dropped};
                    CoreOut want = model_.replay(f.data(), f.size(), 0, static_cast<uint32_t>(t0 + out), got);
                    if (!(want == got) || fo.bytes != f) {
                      if (mismatches_ < 10)
                        std::fprintf(stderr, "bench_traffic: frame %zu differs from the model (action %s vs %s)\n", out,
                                     steer_action_name(got.action), steer_action_name(want.action));
                      ++mismatches_;
                    }
                    if (fo.action == SteerAction::kNew) {
                      ++p.new_frames;
                      if (fo.op_dropped) {
                        ++p.learn_dropped;
                        if (unlearned) unlearned->push_back(conn[out]);
                      } else {
                        ++p.inserts_issued;
                      }
                    }
                    if (fo.op_dropped) ++p.ops_dropped;
                    p.bytes += f.size();
                    p.beats += (f.size() + 63) / 64;
                    ++out;
                  });
    p.seconds = std::chrono::duration<double>(Clock::now() - w0).count();
    if (!ok) fail(core_.error());
    tick_ += frames.size();
    p.frames = out;
    p.cycles = core_.last_run_cycles();
    return p;
  }

  // Learns `conns`: frames of the connections not yet learned, until every one is in the table.
  void learn(std::vector<uint32_t> conns) {
    for (int round = 0; round < 200 && !conns.empty(); ++round) {
      std::vector<uint8_t> reply(conns.size(), 0);
      std::vector<uint16_t> len(conns.size(), 60);
      std::vector<uint32_t> left;
      run(conns, reply, len, &left);
      conns.swap(left);
    }
    if (!conns.empty()) fail("connections still unlearned after 200 rounds");
  }

  // The HyperSync feed: steer.SYNC (every record to 0xFF), flow_table.SYNC_MATURE and the core's
  // sync_encoder (1500-byte MTU, thresholds 0: the table does the delaying).
  void enable_sync(bool at_insert, uint32_t sweeps) {
    SteerRegs& st = model_.regs().steer;
    st.sync = (1u << regs::STEER_SYNC_ENABLE_LSB) | (uint32_t{at_insert} << regs::STEER_SYNC_AT_INSERT_LSB) |
              (0xFFu << regs::STEER_SYNC_DEST_LSB);
    if (!core_.write_reg(regs::STEER_SYNC_ADDR, st.sync)) fail("STEER.SYNC write failed");
    flow::Config c = model_.flow_table().config();
    c.sync_mature = sweeps;
    model_.flow_table().set_config(c);
    if (!core_.write_reg(regs::FLOW_TABLE_SYNC_MATURE_ADDR, sweeps)) fail("SYNC_MATURE write failed");
    sync_encoder::SyncEncoderConfig e;
    e.cluster_id = 1;
    e.mtu = 1500;
    e.flush_cycles = 1000;
    e.key[0] = 1;
    e.dest[0] = {true, 0xFF, 0x020000000002ull, 0xC6120002u};
    e.delay_default = 0;
    for (const auto& [off, val] : sync_encoder::register_writes(e))
      if (!core_.write_reg(regs::SYNC_ENCODER_BASE + off, val)) fail("sync_encoder write failed");
  }

  // steer.LEARN_HOLD on the device and in the model.
  void set_learn_hold(uint32_t ticks) {
    model_.regs().steer.learn_hold = ticks;
    if (!core_.write_reg(regs::STEER_LEARN_HOLD_ADDR, ticks)) fail("STEER.LEARN_HOLD write failed");
  }

  CoreModel& model() { return model_; }
  RtlCore& core() { return core_; }
  static RtlCoreOptions core_options(bool hbm) {
    RtlCoreOptions o;
    o.flow_hbm = hbm;
    o.max_idle_cycles = 2000000;
    return o;
  }
  uint64_t mismatches() const { return mismatches_; }

  [[noreturn]] static void fail(const std::string& why) {
    std::fprintf(stderr, "bench_traffic: %s\n", why.c_str());
    std::exit(1);
  }

 private:
  RtlCore core_;
  CoreModel model_;
  uint64_t tick_ = 0;
  uint64_t mismatches_ = 0;
};

struct Result {
  std::string name;
  uint64_t connections = 0;
  Phase p;
  uint64_t occupancy = 0;
  uint64_t age_ops = 0;
  uint64_t mismatches = 0;                  // frames that differ from the model (learning phases included)
  uint64_t learn_full = 0, learn_held = 0;  // INSERTs that failed (walks), INSERTs held by the filter
  // The HyperSync feed, when on: records handed to the encoder and dropped (steer.SYNC_RECORDS,
  // SYNC_DROPPED), frames and bytes on m_sync (their records put in frames: encoder RECORDS).
  bool sync = false;
  // The HBM build: the memory model's reads over the whole run of the size (learning included),
  // their mean latency in clocks, the most reads one channel held.
  bool hbm = false;
  uint64_t hbm_reads = 0, hbm_max_outstanding = 0;
  double hbm_mean_latency = 0;
  uint64_t sync_records = 0, sync_dropped = 0, sync_frames = 0, sync_bytes = 0, sync_in_frames = 0;
};

bench::Json to_json(const Result& r) {
  const Phase& p = r.p;
  const double fpc = p.cycles ? double(p.frames) / p.cycles : 0.0;
  const double bpc = p.cycles ? double(p.beats) / p.cycles : 0.0;
  const double learned_per_clock = p.cycles ? double(p.inserts_issued) / p.cycles : 0.0;
  using bench::fixed, bench::whole;
  return {{"scenario", r.name},
          {"connections", r.connections},
          {"frames", p.frames},
          {"beats", p.beats},
          {"bytes", p.bytes},
          {"cycles", p.cycles},
          {"frames_per_cycle", fixed(fpc, 4)},
          {"beats_per_cycle", fixed(bpc, 4)},
          {"at_least_0_99", (r.name.rfind("imix", 0) == 0 ? bpc : fpc) >= 0.99},
          {"mpps_at_300mhz", fixed(fpc * kClockMhz, 1)},
          {"gbps_at_300mhz", fixed(p.cycles ? double(p.bytes) * 8 * kClockMhz * 1e6 / p.cycles / 1e9 : 0.0, 1)},
          {"new_frames", p.new_frames},
          {"inserts_issued", p.inserts_issued},
          {"learn_dropped", p.learn_dropped},
          {"ops_dropped", p.ops_dropped},
          {"learned_fraction", fixed(p.new_frames ? double(p.inserts_issued) / p.new_frames : 1.0, 4)},
          {"learned_per_cycle", fixed(learned_per_clock, 4)},
          {"learned_per_second_at_300mhz", whole(learned_per_clock * kClockMhz * 1e6)},
          {"table_occupancy", r.occupancy},
          {"age_ops", r.age_ops},
          {"sim_frames_per_second", whole(p.seconds > 0 ? p.frames / p.seconds : 0.0)},
          {"learn_full", r.learn_full},
          {"learn_held", r.learn_held},
          {"rtl_vs_model_mismatches", r.mismatches}};
}

// The sync figures of a scenario with the feed on: records per clock offered and dropped, bytes of
// sync per connection synced.
void add_sync_json(bench::Json& j, const Result& r) {
  if (!r.sync) return;
  const Phase& p = r.p;
  using bench::fixed;
  j["sync"] = {{"records", r.sync_records},
               {"dropped", r.sync_dropped},
               {"records_per_cycle", fixed(p.cycles ? double(r.sync_records) / p.cycles : 0.0, 4)},
               {"offered_per_cycle", fixed(p.cycles ? double(r.sync_records + r.sync_dropped) / p.cycles : 0.0, 4)},
               {"frames", r.sync_frames},
               {"bytes", r.sync_bytes},
               {"records_in_frames", r.sync_in_frames},
               {"bytes_per_connection", fixed(r.sync_in_frames ? double(r.sync_bytes) / r.sync_in_frames : 0.0, 1)}};
}

uint64_t scaled(uint64_t n, unsigned pct) { return n * pct / 100 ? n * pct / 100 : 1; }

Result finish(Bench& b, const char* name, uint64_t conns, const Phase& p, uint64_t age0, uint64_t full0 = 0,
              uint64_t held0 = 0) {
  Result r;
  r.learn_full = b.model().steer_counters().learn_full - full0;
  r.learn_held = b.model().steer_counters().learn_held - held0;
  r.name = name;
  r.connections = conns;
  r.p = p;
  r.occupancy = b.model().flow_table().counters().occupancy;
  r.age_ops = b.model().steer_counters().age_ops - age0;
  r.mismatches = b.mismatches();
  const double fpc = p.cycles ? double(p.frames) / p.cycles : 0.0;
  std::fprintf(stderr,
               "bench_traffic: %-18s %8" PRIu64 " conns %8" PRIu64
               " frames: %.4f frames/clock, %.4f beats/clock, "
               "%.0f Mpps at 300 MHz; learned %" PRIu64 " of %" PRIu64 " new (%" PRIu64 " INSERTs dropped), %" PRIu64
               " ops dropped; %.0f frames/s simulated\n",
               name, conns, p.frames, fpc, p.cycles ? double(p.beats) / p.cycles : 0.0, fpc * kClockMhz,
               p.inserts_issued, p.new_frames, p.learn_dropped, p.ops_dropped,
               p.seconds > 0 ? p.frames / p.seconds : 0.0);
  return r;
}

// `frames` frames of connections 0..conns-1 picked at random, either direction; 64-byte frames, or
// an IMIX of 64, 594 and 1518 bytes (7:4:1).
struct Traffic {
  std::vector<uint32_t> conn;
  std::vector<uint8_t> reply;
  std::vector<uint16_t> len;
};
Traffic random_traffic(uint32_t conns, uint64_t frames, bool imix, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Traffic t{std::vector<uint32_t>(frames), std::vector<uint8_t>(frames), std::vector<uint16_t>(frames, 60)};
  for (uint64_t i = 0; i < frames; ++i) {
    t.conn[i] = static_cast<uint32_t>(rng() % conns);
    t.reply[i] = static_cast<uint8_t>(rng() & 1);
    if (imix) {
      const unsigned k = static_cast<unsigned>(rng() % 12);
      t.len[i] = k < 7 ? 60 : k < 11 ? 590 : 1514;
    }
  }
  return t;
}

// `frames` 64-byte frames of which `new_pct` % open a new connection (ids from 2^22, above every
// established one) and the rest belong to random ones of 0..established_conns-1, either direction.
Traffic with_new_traffic(uint32_t established_conns, uint64_t frames, unsigned new_pct, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Traffic t{std::vector<uint32_t>(frames), std::vector<uint8_t>(frames), std::vector<uint16_t>(frames, 60)};
  uint32_t fresh = 1u << 22;
  for (uint64_t i = 0; i < frames; ++i) {
    const bool is_new = established_conns == 0 || rng() % 100 < new_pct;
    t.conn[i] = is_new ? fresh++ : static_cast<uint32_t>(rng() % established_conns);
    t.reply[i] = static_cast<uint8_t>(is_new ? 0 : rng() & 1);
  }
  return t;
}

// Established connections 0..conns-1 learned, then `frames` frames of random ones.
Result established(const char* name, uint32_t conns, uint64_t frames, bool imix, uint64_t seed) {
  Bench b;
  std::vector<uint32_t> all(conns);
  for (uint32_t c = 0; c < conns; ++c) all[c] = c;
  b.learn(all);
  const Traffic t = random_traffic(conns, frames, imix, seed);
  const uint64_t age0 = b.model().steer_counters().age_ops;
  Phase p = b.run(t.conn, t.reply, t.len);
  return finish(b, name, conns, p, age0);
}

// `established_conns` learned first; then frames of which `new_pct` % open a new connection.
Result with_new(const char* name, uint32_t established_conns, uint64_t frames, unsigned new_pct, uint64_t seed) {
  Bench b;
  std::vector<uint32_t> all(established_conns);
  for (uint32_t c = 0; c < established_conns; ++c) all[c] = c;
  if (established_conns) b.learn(all);
  const Traffic t = with_new_traffic(established_conns, frames, new_pct, seed);
  const uint64_t age0 = b.model().steer_counters().age_ops;
  Phase p = b.run(t.conn, t.reply, t.len);
  return finish(b, name, established_conns, p, age0);
}

// with_new with the HyperSync feed on: at insert, or matured by the sweep (SYNC_MATURE 1: at the
// sweep's first visit) in a table of 2 x 2^bucket_log2 x 4 + 16 entries with an AGE op every
// `age_frames` frames; then the feed's figures after the encoder has flushed.
Result with_new_sync(const char* name, uint32_t established_conns, uint64_t frames, unsigned new_pct, bool at_insert,
                     int bucket_log2, uint32_t age_frames, uint64_t seed) {
  Bench b(bucket_log2);
  b.model().regs().steer.age_frames = age_frames;
  if (!b.core().write_reg(regs::STEER_AGE_FRAMES_ADDR, age_frames)) Bench::fail("AGE_FRAMES write failed");
  b.enable_sync(at_insert, at_insert ? 0 : 1);
  std::vector<uint32_t> all(established_conns);
  for (uint32_t c = 0; c < established_conns; ++c) all[c] = c;
  if (established_conns) b.learn(all);
  b.core().take_sync_frames();
  uint32_t rec0 = 0, drop0 = 0, inf0 = 0;
  b.core().read_reg(regs::STEER_SYNC_RECORDS_ADDR, &rec0);
  b.core().read_reg(regs::STEER_SYNC_DROPPED_ADDR, &drop0);
  b.core().read_reg(regs::SYNC_ENCODER_RECORDS_ADDR, &inf0);
  const Traffic t = with_new_traffic(established_conns, frames, new_pct, seed);
  const uint64_t age0 = b.model().steer_counters().age_ops;
  Phase p = b.run(t.conn, t.reply, t.len);
  b.core().settle(3000);
  Result r = finish(b, name, established_conns, p, age0);
  r.sync = true;
  uint32_t rec = 0, drop = 0, inf = 0;
  b.core().read_reg(regs::STEER_SYNC_RECORDS_ADDR, &rec);
  b.core().read_reg(regs::STEER_SYNC_DROPPED_ADDR, &drop);
  b.core().read_reg(regs::SYNC_ENCODER_RECORDS_ADDR, &inf);
  r.sync_records = rec - rec0;
  r.sync_dropped = drop - drop0;
  r.sync_in_frames = inf - inf0;
  for (const auto& f : b.core().take_sync_frames()) {
    ++r.sync_frames;
    r.sync_bytes += f.size();
  }
  std::fprintf(stderr,
               "bench_traffic: %-18s sync: %" PRIu64 " records (%.4f per clock), %" PRIu64 " dropped, %" PRIu64
               " frames, %.1f bytes per connection\n",
               name, r.sync_records, p.cycles ? double(r.sync_records) / p.cycles : 0.0, r.sync_dropped, r.sync_frames,
               r.sync_in_frames ? double(r.sync_bytes) / r.sync_in_frames : 0.0);
  return r;
}

// A table that is full: `conns` connections, each sending frames in random order, into a table of
// about a third of their number (2 x 2^bucket_log2 x 4 + 16 entries). Most connections cannot be
// learned; their frames follow their bucket without waiting for the failed INSERTs (walks), and the
// recently-failed filter spares the engine most of those walks. Its hold is the reset value's
// meaning, one second (LEARN_HOLD 1000 at 1 ms ticks), in this bench's ticks: one per frame, so
// 300,000,000 at 300 Mpps.
constexpr uint32_t kBenchLearnHold = 300000000;
Result full_table(const char* name, uint32_t conns, uint64_t frames, int bucket_log2, uint64_t seed) {
  Bench b(bucket_log2);
  b.set_learn_hold(kBenchLearnHold);
  const Traffic t = random_traffic(conns, frames, false, seed);
  Phase p = b.run(t.conn, t.reply, t.len);
  return finish(b, name, conns, p, 0);
}

// The HBM build on one size: `conns` connections learned, then `frames` frames of each phase
// (established, 30% new, a flood), each measured on its own. The memory model's figures and the
// engine's cache check go with each phase.
void hbm_phases(uint32_t conns, uint64_t frames, const char* suffix, uint64_t seed, std::vector<Result>* out) {
  Bench b(-1, true);
  std::vector<uint32_t> all(conns);
  for (uint32_t c = 0; c < conns; ++c) all[c] = c;
  const auto l0 = Clock::now();
  b.learn(all);
  std::fprintf(stderr, "bench_traffic: hbm %s: %u connections learned in %.0f s (simulated)\n", suffix, conns,
               std::chrono::duration<double>(Clock::now() - l0).count());
  const std::string n1 = std::string("hbm_established_") + suffix, n2 = std::string("hbm_new30_") + suffix,
                    n3 = std::string("hbm_flood_") + suffix;
  {
    const Traffic t = random_traffic(conns, frames, false, seed);
    const uint64_t age0 = b.model().steer_counters().age_ops;
    out->push_back(finish(b, n1.c_str(), conns, b.run(t.conn, t.reply, t.len), age0));
  }
  {
    const Traffic t = with_new_traffic(conns, frames, 30, seed + 1);
    const uint64_t age0 = b.model().steer_counters().age_ops;
    out->push_back(finish(b, n2.c_str(), conns, b.run(t.conn, t.reply, t.len), age0));
  }
  {
    Traffic t = with_new_traffic(0, frames, 100, seed + 2);
    for (uint32_t& c : t.conn) c += 1u << 23;  // above the new30 phase's new connections
    const uint64_t age0 = b.model().steer_counters().age_ops;
    out->push_back(finish(b, n3.c_str(), conns, b.run(t.conn, t.reply, t.len), age0));
  }
  const HbmFigures h = b.core().hbm();
  std::fprintf(stderr,
               "bench_traffic: hbm %s: %" PRIu64 " reads (mean %.0f clocks, at most %" PRIu64
               " in one channel), %" PRIu64 " writes, %" PRIu64 " rows in use, %" PRIu64 " forced frees\n",
               suffix, h.reads, h.mean_read_latency, h.max_outstanding, h.writes, h.rows, h.forced_frees);
  if (h.cache_error) Bench::fail("the HBM table's engine touched a bucket its cache did not hold");
  for (const std::string& e : h.errors) Bench::fail("memory model: " + e);
  for (size_t i = out->size() - 3; i < out->size(); ++i) {
    (*out)[i].hbm = true;
    (*out)[i].hbm_reads = h.reads;
    (*out)[i].hbm_mean_latency = h.mean_read_latency;
    (*out)[i].hbm_max_outstanding = h.max_outstanding;
  }
}

}  // namespace
}  // namespace conductor

int main(int argc, char** argv) {
  using namespace conductor;
  unsigned scale = 100;
  std::string out_path;
  CLI::App app{
      "Line rate on a user's traffic: the Verilated core on established connections, a flood of new "
      "ones, a mix and an IMIX, every frame checked against the C++ model. Prints one JSON object.",
      "bench_traffic"};
  cli::setup(app);
  cli::add_uint(app, "--scale", scale, 1, 1000, "flows and frames in percent of the default sizes (default 100)")
      ->type_name("PCT");
  app.add_option("--out", out_path, "also write the JSON to FILE")->type_name("FILE");
  std::string flow_table = "onchip";
  app.add_option("--flow-table", flow_table,
                 "onchip: the on-chip scenarios; hbm: 1M and 4M connections through the HBM build")
      ->check(CLI::IsMember({"onchip", "hbm"}))
      ->type_name("onchip|hbm");
  if (Status s = cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s)
    return cli::report(s, "bench_traffic");
  std::vector<Result> rs;
  if (flow_table == "hbm") {
    hbm_phases(static_cast<uint32_t>(scaled(1000000, scale)), scaled(1000000, scale), "1m", 11, &rs);
    hbm_phases(static_cast<uint32_t>(scaled(4000000, scale)), scaled(1000000, scale), "4m", 12, &rs);
  } else {
    rs.push_back(
        established("established_1k", static_cast<uint32_t>(scaled(1000, scale)), scaled(60000, scale), false, 1));
    rs.push_back(
        established("established_20k", static_cast<uint32_t>(scaled(20000, scale)), scaled(100000, scale), false, 2));
    rs.push_back(
        established("established_200k", static_cast<uint32_t>(scaled(200000, scale)), scaled(400000, scale), false, 3));
    rs.push_back(with_new("flood", 0, scaled(100000, scale), 100, 4));
    rs.push_back(with_new("new30", static_cast<uint32_t>(scaled(20000, scale)), scaled(100000, scale), 30, 5));
    {
      // table ~ a third of the connections: 2 x 2^k x 4 + 16 >= conns / 3
      const uint32_t conns = static_cast<uint32_t>(scaled(3000, scale));
      int k = 0;
      while (k < 15 && 2u * (1u << k) * 4 + 16 < conns / 3) ++k;
      rs.push_back(full_table("full_table", conns, scaled(60000, scale), k, 7));
    }
    rs.push_back(
        established("imix_established", static_cast<uint32_t>(scaled(1000, scale)), scaled(40000, scale), true, 6));
    rs.push_back(with_new_sync("flood_sync", 0, scaled(100000, scale), 100, true, -1, regs::STEER_AGE_FRAMES_RESET, 8));
    // 400 established connections in a 528-entry table (144 sweep units): one AGE op per 4096 frames
    // sweeps it every 590k frames, so each connection is matured once in the run (at --scale 100).
    rs.push_back(with_new_sync("established_sync_matured", static_cast<uint32_t>(scaled(400, scale)),
                               scaled(700000, scale), 0, false, 6, 4096, 9));
  }

  uint64_t bad = 0;
  bench::Json json = {{"benchmark", "core_traffic"},
                      {"clock_mhz", 300},
                      {"lanes", 1},
                      {"flow_table", flow_table},
                      {"scale_percent", scale},
                      {"published_setup_rate_per_second", {{"napatech_smartnic", 3500000}, {"tiara", 1800000}}},
                      {"scenarios", bench::Json::array()}};
  for (const Result& r : rs) {
    bench::Json j = to_json(r);
    add_sync_json(j, r);
    if (r.hbm) {
      j["hbm_reads"] = r.hbm_reads;
      j["hbm_mean_read_latency_clocks"] = bench::fixed(r.hbm_mean_latency, 1);
      j["hbm_max_reads_in_one_channel"] = r.hbm_max_outstanding;
    }
    json["scenarios"].push_back(std::move(j));
  }
  for (const Result& r : rs) bad += r.mismatches;
  if (!bench::write_json(json, out_path)) {
    std::fprintf(stderr, "bench_traffic: cannot write %s\n", out_path.c_str());
    return 1;
  }
  if (bad) {
    std::fprintf(stderr, "bench_traffic: %" PRIu64 " frames where the RTL and the model disagree\n", bad);
    return 1;
  }
  return 0;
}
