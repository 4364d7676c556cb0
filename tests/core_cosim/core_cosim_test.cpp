// Co-simulation of rtl/core/conductor_core.sv against the C++ golden model (hls/core CoreModel):
// every frame leaves unchanged and in order with the STEER_META (ACTION included) the model
// computes, on synthetic traffic, random bytes and truncated frames, with random idle and
// back-pressure; member/site failures, backups and bucket changes between batches; the same new
// flow back to back (the in-flight table); a full flow table; ageing (an AGE op every AGE_FRAMES
// frames, flows expiring and coming back new); the device counters equal the model's; one frame per
// clock on minimum-size frames with a fixed latency.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "core/core_model.hpp"
#include "host/sync/codec.hpp"
#include "host/traffic/generator.hpp"
#include "rtl_core.hpp"
#include "scoreboard.hpp"
#include "sync_decoder/sync_decoder_model.hpp"
#include "sync_encoder/sync_encoder.hpp"
#include "sync_encoder/sync_encoder_model.hpp"

namespace conductor {
namespace {

// Clocks from a frame's first beat accepted to its first beat leaving, with the output never
// stalled: parser (LatencyCycles from the beat that completes the 128-byte window or ends the
// frame), dist_hash (5), steer into the meta FIFO and the FIFO's fall-through (1).
constexpr uint64_t kExtraCyclesMultiBeat = 1;  // the window completes on the second beat

std::string print_meta(const CoreOut& o) {
  const SteerMeta& m = o.meta;
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "hash=0x%08x bucket=%u site=%u member=%u deliver=%d status=%s default=%d action=%s op_dropped=%d",
                m.hash, m.bucket, m.site, m.member, m.deliver, parse_status_name(m.status), m.defaulted,
                steer_action_name(o.action), o.op_dropped);
  return buf;
}

CoreRegs make_regs(uint32_t mode, uint32_t log2, std::mt19937_64& rng) {
  CoreRegs r;
  r.hash.ctrl = (mode << regs::DIST_HASH_CTRL_MODE_LSB) | (log2 << regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  for (auto& w : r.hash.key) w = static_cast<uint32_t>(rng());
  for (auto& b : r.hash.buckets) b = static_cast<uint8_t>(rng());
  r.parser_ctrl = 0;
  r.default_dest = (3u << regs::PARSER_DEFAULT_DEST_MEMBER_LSB);
  return r;
}

struct Stimulus {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> sgs;
  std::vector<uint32_t> times;  // empty: every frame at time 0
};

Stimulus make_stimulus(uint64_t seed, size_t n, bool min_size) {
  Stimulus s;
  std::mt19937_64 rng(seed);
  GeneratorConfig cfg;
  cfg.seed = seed;
  cfg.flows = 64;
  cfg.min_size_only = min_size;
  auto gen = TrafficGenerator::create(cfg);
  EXPECT_TRUE(gen.ok());
  for (size_t i = 0; i < n; ++i) {
    Frame f;
    unsigned kind = min_size ? 0 : static_cast<unsigned>(rng() % 10);
    if (kind == 0 || kind > 2) {
      gen->next(f);
    } else if (kind == 1) {  // random bytes, any length 0..300
      f.bytes.resize(rng() % 301);
      for (auto& b : f.bytes) b = static_cast<uint8_t>(rng());
    } else {  // a generated frame cut short anywhere
      gen->next(f);
      f.bytes.resize(rng() % (f.bytes.size() + 1));
    }
    s.frames.push_back(std::move(f.bytes));
    s.sgs.push_back(static_cast<uint8_t>(min_size ? 0 : rng()));
  }
  return s;
}

struct Result {
  uint64_t frames = 0, byte_mismatches = 0, inconsistent = 0, ops_dropped = 0;
  std::vector<uint64_t> latency;
  std::vector<size_t> lengths;
  uint64_t cycles = 0;
  uint64_t first_in = 0, last_out = 0;  // cycle of the first frame's first beat in, last frame's out
};

// The model runs each frame when the RTL's answer for it leaves (frames leave in order), with the
// RTL's OP_DROPPED replayed into it: whether the op queue had room depends on clocks, everything
// else (destination, ACTION, whether the frame has an op at all, and every later frame given the
// drops) must equal the model. `model` carries the state (flow table, counters) from batch to
// batch like the device does.
Result run_core(RtlCore& core, CoreModel& model, const Stimulus& s, sim::Scoreboard<CoreOut>& board) {
  Result r;
  auto time_of = [&](size_t i) { return s.times.empty() ? 0u : s.times[i]; };
  size_t next = 0, out = 0;
  bool ok = core.run(RtlCore::TimedFrameSource([&](std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time) {
                       if (next == s.frames.size()) return false;
                       *bytes = s.frames[next];
                       *sg = s.sgs[next];
                       *time = time_of(next);
                       ++next;
                       return true;
                     }),
                     [&](CoreFrameOut&& fo) {
                       if (out < s.frames.size())
                         board.expect(model.replay(s.frames[out].data(), s.frames[out].size(), s.sgs[out], time_of(out),
                                                   CoreOut{fo.meta, fo.action, fo.op_dropped}));
                       if (fo.op_dropped) ++r.ops_dropped;
                       board.step(CoreOut{fo.meta, fo.action, fo.op_dropped});
                       if (out < s.frames.size() && fo.bytes != s.frames[out]) ++r.byte_mismatches;
                       if (!fo.meta_consistent) ++r.inconsistent;
                       r.latency.push_back(fo.out_cycle - fo.in_cycle);
                       if (out == 0) r.first_in = fo.in_cycle;
                       r.last_out = fo.out_cycle;
                       r.lengths.push_back(fo.bytes.size());
                       ++out;
                     });
  EXPECT_TRUE(ok) << core.error();
  r.frames = out;
  r.cycles = core.last_run_cycles();
  return r;
}

void expect_steer_counters(RtlCore& core, const CoreModel& model) {
  core.settle();  // the last ops may still run after the last frame left
  SteerCounters got = core.steer_counters(), want = model.steer_counters();
  EXPECT_EQ(got.new_flows, want.new_flows);
  EXPECT_EQ(got.hit, want.hit);
  EXPECT_EQ(got.corrected, want.corrected);
  EXPECT_EQ(got.failover, want.failover);
  EXPECT_EQ(got.learn_full, want.learn_full);
  EXPECT_EQ(got.ops_issued, want.ops_issued);
  EXPECT_EQ(got.age_ops, want.age_ops);
  EXPECT_EQ(got.expired, want.expired);
  EXPECT_EQ(got.ops_dropped, want.ops_dropped);
  EXPECT_EQ(got.learn_dropped, want.learn_dropped);
  EXPECT_EQ(got.learn_held, want.learn_held);
  // The in-flight table never filled (a full table would only stall, but the bound says it cannot).
  uint32_t most = core.inflight_max();
  EXPECT_LT(most, kCoreInflightEntries);
  if (want.ops_issued > 0) EXPECT_GT(most, 0u);
  std::printf("in-flight table: at most %u of %u entries\n", most, kCoreInflightEntries);
  // The flow table's own registers: the op sequence is the model's, so everything the ops decide
  // matches. (HITS is left out: a frame whose lookup overtook an op sees it through the in-flight
  // table, not in the table.)
  const uint32_t offs[] = {regs::FLOW_TABLE_OCCUPANCY_OFFSET,   regs::FLOW_TABLE_STASH_USED_OFFSET,
                           regs::FLOW_TABLE_NOW_OFFSET,         regs::FLOW_TABLE_FIRST_FULL_OCCUPANCY_OFFSET,
                           regs::FLOW_TABLE_LOOKUPS_OFFSET,     regs::FLOW_TABLE_INSERTS_OFFSET,
                           regs::FLOW_TABLE_INSERT_FULL_OFFSET, regs::FLOW_TABLE_INSERT_EXISTS_OFFSET,
                           regs::FLOW_TABLE_UPDATES_OFFSET,     regs::FLOW_TABLE_TOUCHES_OFFSET,
                           regs::FLOW_TABLE_NOT_FOUND_OFFSET,   regs::FLOW_TABLE_INVALID_OPS_OFFSET,
                           regs::FLOW_TABLE_MOVES_OFFSET,       regs::FLOW_TABLE_EXPIRIES_OFFSET,
                           regs::FLOW_TABLE_AGE_STEPS_OFFSET,   regs::FLOW_TABLE_AGE_CURSOR_OFFSET};
  for (uint32_t off : offs) {
    uint32_t v = 0;
    EXPECT_TRUE(core.read_reg(regs::FLOW_TABLE_BASE + off, &v));
    EXPECT_EQ(v, model.flow_table().read_reg(off)) << "flow_table register 0x" << std::hex << off;
  }
}

void expect_counters(RtlCore& core, const CoreCounters& want) {
  CoreCounters got = core.counters();
  EXPECT_EQ(got.rx_pkts, want.rx_pkts);
  EXPECT_EQ(got.parsed_ok, want.parsed_ok);
  EXPECT_EQ(got.non_ip, want.non_ip);
  EXPECT_EQ(got.truncated, want.truncated);
  EXPECT_EQ(got.bad_header, want.bad_header);
  EXPECT_EQ(got.ext_limit, want.ext_limit);
  EXPECT_EQ(got.defaulted, want.defaulted);
  EXPECT_EQ(got.dropped, want.dropped);
}

TEST(CoreCosim, IdBlockAndRegisterBus) {
  RtlCore core;
  CoreIdentity id = core.identity();
  EXPECT_EQ(id.magic, regs::ID_MAGIC_RESET);
  EXPECT_EQ(id.version, regs::ID_VERSION_RESET);
  EXPECT_EQ(id.build_hash, static_cast<uint32_t>(std::stoul(CONDUCTOR_GIT_HASH, nullptr, 16)));
  EXPECT_EQ(id.bucket_log2_max(), 16u);
  EXPECT_TRUE(core.write_reg(regs::ID_SCRATCH_ADDR, 0xA5A5F00Du));
  uint32_t v = 0;
  EXPECT_TRUE(core.read_reg(regs::ID_SCRATCH_ADDR, &v));
  EXPECT_EQ(v, 0xA5A5F00Du);
  EXPECT_TRUE(core.read_reg(regs::DIST_HASH_CTRL_ADDR, &v));
  EXPECT_EQ(v, regs::DIST_HASH_CTRL_RESET);
  EXPECT_TRUE(core.read_reg(regs::DIST_HASH_KEY9_ADDR, &v));
  EXPECT_EQ(v, regs::DIST_HASH_KEY9_RESET);
  // Holes in the map answer SLVERR.
  EXPECT_FALSE(core.read_reg(0x08000, &v));
  EXPECT_FALSE(core.write_reg(0x08000, 1));
  EXPECT_FALSE(core.read_reg(regs::PARSER_BASE + 0x800, &v));  // inside a block, no register
}

TEST(CoreCosim, RandomTrafficWithIdleAndBackPressure) {
  const uint64_t seed = 424242;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  struct Cfg {
    int idle, stall;
    uint32_t mode, log2;
  };
  const Cfg cfgs[] = {{0, 0, 0, 12}, {30, 0, 1, 16}, {0, 40, 2, 6}, {25, 25, 1, 12}};
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = rng();
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    o.random_initial_state = true;  // no output may depend on state reset leaves undefined
    RtlCore core(o);
    CoreModel model;
    model.regs() = make_regs(c.mode, c.log2, rng);
    ASSERT_TRUE(core.load(model.regs()));
    Stimulus s = make_stimulus(rng(), 10000, false);
    sim::Scoreboard<CoreOut> board("conductor_core", print_meta);
    Result r = run_core(core, model, s, board);
    std::printf("idle %d%% stall %d%% mode %u log2 %u: %s; %llu cycles\n", c.idle, c.stall, c.mode, c.log2,
                board.summary().c_str(), static_cast<unsigned long long>(r.cycles));
    EXPECT_TRUE(board.clean());
    EXPECT_EQ(r.frames, s.frames.size());
    EXPECT_EQ(r.byte_mismatches, 0u);
    EXPECT_EQ(r.inconsistent, 0u);
    expect_counters(core, model.counters());
    expect_steer_counters(core, model);
  }
}

TEST(CoreCosim, DefaultActionAndCounterClear) {
  std::mt19937_64 rng(7);
  RtlCore core;
  CoreModel model;
  CoreRegs regs = make_regs(1, 12, rng);
  Stimulus s;
  const std::vector<uint8_t> arp(60, 0);  // EtherType 0: non-ip
  std::vector<uint8_t> runt(10, 0xFF);    // truncated Ethernet header
  for (int i = 0; i < 20; ++i) {
    s.frames.push_back(i % 2 ? arp : runt);
    s.sgs.push_back(0);
  }
  for (bool drop : {false, true}) {
    regs.parser_ctrl = drop ? 1u : 0u;
    regs.default_dest = (1u << regs::PARSER_DEFAULT_DEST_SITE_LSB) | (17u << regs::PARSER_DEFAULT_DEST_MEMBER_LSB);
    ASSERT_TRUE(core.load(regs));
    model.regs() = regs;
    ASSERT_TRUE(core.write_reg(regs::PARSER_COUNTER_CLEAR_ADDR, 1));
    model.clear_counters();
    sim::Scoreboard<CoreOut> board("default", print_meta);
    Result r = run_core(core, model, s, board);
    EXPECT_TRUE(board.clean());
    EXPECT_EQ(r.frames, 20u);
    expect_counters(core, model.counters());
    EXPECT_EQ(model.counters().defaulted, 20u);
    EXPECT_EQ(model.counters().dropped, drop ? 20u : 0u);
  }
}

// One frame per clock and a fixed latency on one-beat frames: N frames back to back take exactly
// N + kCoreLatencyCycles clocks from the first beat in to the last beat out. The lookup path is
// II = 1; learning costs one op per new flow (9 clocks each), so the flows are learned by a first
// pass and the measured pass is all hits (a hit needs no op).
TEST(CoreCosim, OneFramePerClockAndFixedLatency) {
  RtlCore core;
  std::mt19937_64 rng(11);
  CoreModel model;
  model.regs() = make_regs(1, 12, rng);
  model.regs().steer.age_frames = 0;  // an AGE op holds the next lookup (AgeingCostsABubble)
  ASSERT_TRUE(core.load(model.regs()));
  Stimulus all = make_stimulus(99, 6000, true), s;
  for (size_t i = 0; i < all.frames.size(); ++i) {
    if (all.frames[i].size() > 64) continue;
    s.frames.push_back(all.frames[i]);
    s.sgs.push_back(all.sgs[i]);
  }
  ASSERT_GT(s.frames.size(), 4000u);
  sim::Scoreboard<CoreOut> learn("learn", print_meta);
  run_core(core, model, s, learn);
  EXPECT_TRUE(learn.clean());
  sim::Scoreboard<CoreOut> board("one-beat", print_meta);
  Result r = run_core(core, model, s, board);
  EXPECT_TRUE(board.clean());
  for (size_t i = 0; i < r.latency.size(); ++i) ASSERT_EQ(r.latency[i], kCoreLatencyCycles) << "frame " << i;
  std::printf("%zu one-beat frames in %llu cycles: %.4f frames/cycle, latency %llu cycles\n", r.lengths.size(),
              static_cast<unsigned long long>(r.cycles), double(r.frames) / r.cycles,
              static_cast<unsigned long long>(kCoreLatencyCycles));
  // Frame i enters at first_in + i and leaves kCoreLatencyCycles later: nothing else.
  EXPECT_EQ(r.last_out - r.first_in, r.frames - 1 + kCoreLatencyCycles);
}

// Minimum-size frames of one and two beats (VLAN tags, IPv6 extension headers): one beat per clock,
// latency kCoreLatencyCycles or one more behind a two-beat frame (its window completes a beat later).
TEST(CoreCosim, MixedMinimumSizeFramesKeepOneBeatPerClock) {
  RtlCore core;
  std::mt19937_64 rng(12);
  CoreModel model;
  model.regs() = make_regs(0, 12, rng);
  model.regs().steer.age_frames = 0;  // an AGE op holds the next lookup (AgeingCostsABubble)
  ASSERT_TRUE(core.load(model.regs()));
  Stimulus s = make_stimulus(98, 5000, true);
  sim::Scoreboard<CoreOut> learn("learn", print_meta);
  run_core(core, model, s, learn);
  EXPECT_TRUE(learn.clean());
  sim::Scoreboard<CoreOut> board("min-size", print_meta);
  Result r = run_core(core, model, s, board);
  EXPECT_TRUE(board.clean());
  uint64_t beats = 0, two_beat = 0;
  for (size_t len : r.lengths) {
    beats += len ? (len + 63) / 64 : 1;
    two_beat += len > 64;
  }
  for (size_t i = 0; i < r.latency.size(); ++i) {
    ASSERT_GE(r.latency[i], kCoreLatencyCycles) << "frame " << i;
    ASSERT_LE(r.latency[i], kCoreLatencyCycles + kExtraCyclesMultiBeat) << "frame " << i;
  }
  std::printf("%zu frames (%llu of two beats), %llu beats in %llu cycles: %.4f beats/cycle, %.4f frames/cycle\n",
              r.lengths.size(), static_cast<unsigned long long>(two_beat), static_cast<unsigned long long>(beats),
              static_cast<unsigned long long>(r.cycles), double(beats) / r.cycles, double(r.frames) / r.cycles);
  // Fill and drain only: the run starts a clock before the first beat, and the last frame may
  // have two beats.
  EXPECT_LE(r.cycles, beats + kCoreLatencyCycles + kExtraCyclesMultiBeat + 2);
}

// ---- correction layer ---------------------------------------------------------------------------
uint8_t bucket_byte(unsigned site, unsigned member) {
  return static_cast<uint8_t>(0x80u | ((site & 1) << 6) | (member & 63));
}

// Ethernet + IPv4 + UDP, 60 bytes: flow f (unique addresses and ports per f), either direction.
std::vector<uint8_t> udp_frame(uint32_t f, bool reply) {
  std::vector<uint8_t> b(60, 0);
  b[12] = 0x08;
  uint8_t* ip = &b[14];
  ip[0] = 0x45;
  ip[3] = 28;
  ip[8] = 64;
  ip[9] = 17;
  uint8_t a[4] = {198, 18, static_cast<uint8_t>(f >> 8), static_cast<uint8_t>(f)};
  uint8_t c[4] = {198, 19, static_cast<uint8_t>(f >> 16), 1};
  uint16_t pa = static_cast<uint16_t>(1024 + (f & 0x3FFF)), pc = 53;
  for (int i = 0; i < 4; ++i) {
    ip[12 + i] = reply ? c[i] : a[i];
    ip[16 + i] = reply ? a[i] : c[i];
  }
  uint16_t sp = reply ? pc : pa, dp = reply ? pa : pc;
  ip[20] = static_cast<uint8_t>(sp >> 8);
  ip[21] = static_cast<uint8_t>(sp);
  ip[22] = static_cast<uint8_t>(dp >> 8);
  ip[23] = static_cast<uint8_t>(dp);
  ip[25] = 8;
  return b;
}

// Buckets over `members` members of both sites (some unassigned), random backups.
void random_cluster(CoreRegs& r, unsigned members, std::mt19937_64& rng) {
  for (auto& b : r.hash.buckets)
    b = rng() % 16 == 0 ? 0 : bucket_byte(static_cast<unsigned>(rng() % 2), static_cast<unsigned>(rng() % members));
  for (unsigned s = 0; s < 2; ++s)
    for (unsigned k = 0; k < members; ++k)
      r.steer.backup[s * 64 + k] =
          static_cast<uint16_t>((rng() % members) | (rng() % 4 ? 0x40 : 0) | ((rng() % members) << 8) |
                                ((1 - s) << 14) | (rng() % 4 ? 0x8000 : 0));
}

// Random traffic in batches; between batches (core drained) a weight change (new bucket table),
// members and sites going down and up, new backups. Every frame's STEER_META and every counter
// equal the model's.
TEST(CoreCosim, CorrectionLayerAcrossFailuresAndWeightChanges) {
  const uint64_t seed = 2026;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  struct Cfg {
    int idle, stall;
    bool min_size;
  };
  const Cfg cfgs[] = {{0, 0, true}, {20, 30, false}};
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = rng();
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    o.random_initial_state = c.stall > 0;  // no output may depend on state reset leaves undefined
    RtlCore core(o);
    CoreModel model;
    model.regs() = make_regs(1, 8, rng);
    const unsigned members = 6;
    random_cluster(model.regs(), members, rng);
    ASSERT_TRUE(core.load(model.regs()));
    GeneratorConfig g;
    g.seed = rng();
    g.flows = 300;
    g.min_size_only = c.min_size;
    auto gen = TrafficGenerator::create(g);
    ASSERT_TRUE(gen.ok());
    uint32_t t = 0;
    uint64_t failovers = 0, corrected = 0;
    for (int batch = 0; batch < 12; ++batch) {
      Stimulus s;
      for (int i = 0; i < 700; ++i) {
        Frame f;
        gen->next(f);
        s.frames.push_back(std::move(f.bytes));
        s.sgs.push_back(0);
        s.times.push_back(t++);
      }
      sim::Scoreboard<CoreOut> board("correction", print_meta);
      Result r = run_core(core, model, s, board);
      EXPECT_TRUE(board.clean()) << "batch " << batch << ": " << board.summary();
      EXPECT_EQ(r.byte_mismatches, 0u);
      if (!board.clean()) break;
      SteerRegs& st = model.regs().steer;
      switch (rng() % 4) {
        case 0:  // weight change: a new bucket table
          for (auto& b : model.regs().hash.buckets)
            if (rng() % 3 == 0)
              b = bucket_byte(static_cast<unsigned>(rng() % 2), static_cast<unsigned>(rng() % members));
          ASSERT_TRUE(core.load(model.regs()));
          break;
        case 1:
          st.set_member(static_cast<unsigned>(rng() % 2), static_cast<unsigned>(rng() % members), false);
          break;
        case 2:
          st.set_member(static_cast<unsigned>(rng() % 2), static_cast<unsigned>(rng() % members), true);
          break;
        default:
          st.set_site(static_cast<unsigned>(rng() % 2), rng() % 2 == 0);
          break;
      }
      ASSERT_TRUE(core.load_steer(st));
      failovers = model.steer_counters().failover;
      corrected = model.steer_counters().corrected;
    }
    std::printf("idle %d%% stall %d%%: new %llu hit %llu corrected %llu failover %llu ops %llu\n", c.idle, c.stall,
                static_cast<unsigned long long>(model.steer_counters().new_flows),
                static_cast<unsigned long long>(model.steer_counters().hit), static_cast<unsigned long long>(corrected),
                static_cast<unsigned long long>(failovers),
                static_cast<unsigned long long>(model.steer_counters().ops_issued));
    EXPECT_GT(failovers, 0u);
    EXPECT_GT(corrected, 0u);
    expect_counters(core, model.counters());
    expect_steer_counters(core, model);
  }
}

// The same new flow's frames back to back: the second frame's lookup overtakes the first frame's
// INSERT (and later TOUCH), so only the in-flight table gives the sequential answer.
TEST(CoreCosim, SameNewFlowBackToBack) {
  for (int stall : {0, 30}) {
    RtlCoreOptions o;
    o.backpressure_percent = stall;
    RtlCore core(o);
    CoreModel model;
    std::mt19937_64 rng(5);
    model.regs() = make_regs(1, 8, rng);
    random_cluster(model.regs(), 4, rng);
    ASSERT_TRUE(core.load(model.regs()));
    Stimulus s;
    uint32_t t = 0;
    for (uint32_t f = 0; f < 1500; ++f) {
      unsigned reps = 1 + static_cast<unsigned>(rng() % 5);
      for (unsigned k = 0; k < reps; ++k) {
        s.frames.push_back(udp_frame(f % 700, k % 2 == 1));  // flows come back later too
        s.sgs.push_back(0);
        s.times.push_back(t++);
      }
    }
    sim::Scoreboard<CoreOut> board("back-to-back", print_meta);
    run_core(core, model, s, board);
    EXPECT_TRUE(board.clean()) << board.summary();
    expect_counters(core, model.counters());
    expect_steer_counters(core, model);
    EXPECT_EQ(model.flow_table().counters().touches, 0u);  // hits are marked in line, no TOUCH op
  }
}

void set_flow_table(RtlCore& core, CoreModel& model, uint32_t bucket_log2, uint32_t timeout_new);

// More new flows than the flow table holds: every failed INSERT is counted (LEARN_FULL), and a flow
// that was not learned stays new (its repeat, in flight behind the FULL insert, misses too). The
// input idles most clocks, so the op engine keeps up and most inserts reach the table (the few
// that find the op queue full are dropped, replayed into the model).
TEST(CoreCosim, FullFlowTableIsCounted) {
  RtlCoreOptions o;
  o.idle_percent = 90;
  RtlCore core(o);
  CoreModel model;
  std::mt19937_64 rng(6);
  model.regs() = make_regs(1, 8, rng);
  for (auto& b : model.regs().hash.buckets) b = bucket_byte(0, 1);
  ASSERT_TRUE(core.load(model.regs()));
  set_flow_table(core, model, 8, 0);  // 2 x 256 x 4 + 16 = 2064 entries, no expiry
  const uint32_t n = model.flow_table().capacity() + 400;
  Stimulus s;
  for (uint32_t f = 0; f < n; ++f) {
    for (int k = 0; k < 2; ++k) {
      s.frames.push_back(udp_frame(f, k == 1));
      s.sgs.push_back(0);
      s.times.push_back(f);
    }
  }
  sim::Scoreboard<CoreOut> board("full", print_meta);
  run_core(core, model, s, board);
  EXPECT_TRUE(board.clean()) << board.summary();
  expect_counters(core, model.counters());
  expect_steer_counters(core, model);
  EXPECT_GT(model.steer_counters().learn_full, 0u);
  std::printf("%u flows, capacity %u: learn_full %llu\n", n, model.flow_table().capacity(),
              static_cast<unsigned long long>(model.steer_counters().learn_full));
}

// ---- ageing -------------------------------------------------------------------------------------
// The flow table's timeouts and active size, in the device and the model alike.
void set_flow_table(RtlCore& core, CoreModel& model, uint32_t bucket_log2, uint32_t timeout_new) {
  flow::Config c = model.flow_table().config();
  const uint32_t mask = ((1u << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH) - 1) << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB;
  c.ctrl = (c.ctrl & ~mask) | (bucket_log2 << regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB);
  c.timeout_new = timeout_new;
  c.timeout_est = timeout_new * 2;
  c.timeout_closing = timeout_new / 2;
  model.flow_table().set_config(c);
  EXPECT_TRUE(core.write_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_CTRL_OFFSET, c.ctrl));
  EXPECT_TRUE(core.write_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_TIMEOUT_NEW_OFFSET, c.timeout_new));
  EXPECT_TRUE(core.write_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_TIMEOUT_EST_OFFSET, c.timeout_est));
  EXPECT_TRUE(core.write_reg(regs::FLOW_TABLE_BASE + regs::FLOW_TABLE_TIMEOUT_CLOSING_OFFSET, c.timeout_closing));
}

// Short timeouts, a small table and an AGE op every few frames: entries expire all the time, among
// them flows whose frames are in the lookup pipeline or whose INSERT/TOUCH/UPDATE is still in
// flight, and come back new. Hot flows back to back, generated traffic, failures between batches,
// random idle and back-pressure, random initial state: every STEER_META and counter equals the
// model's.
TEST(CoreCosim, AgeingExpiresFlowsAndTheyComeBackNew) {
  const uint64_t seed = 5150;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  struct Cfg {
    int idle, stall;
    uint32_t age_frames, bucket_log2, timeout;
    bool random_init;
  };
  const Cfg cfgs[] = {{0, 0, 1, 4, 120, false}, {20, 30, 3, 5, 200, true}, {10, 10, 7, 3, 60, true}};
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = rng();
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    o.random_initial_state = c.random_init;
    RtlCore core(o);
    CoreModel model;
    model.regs() = make_regs(1, 8, rng);
    const unsigned members = 6;
    random_cluster(model.regs(), members, rng);
    model.regs().steer.age_frames = c.age_frames;
    ASSERT_TRUE(core.load(model.regs()));
    set_flow_table(core, model, c.bucket_log2, c.timeout);
    GeneratorConfig g;
    g.seed = rng();
    g.flows = 200;
    g.min_size_only = c.stall == 0;
    auto gen = TrafficGenerator::create(g);
    ASSERT_TRUE(gen.ok());
    uint32_t t = 0;
    for (int batch = 0; batch < 6; ++batch) {
      Stimulus s;
      for (int i = 0; i < 1500; ++i) {
        if (rng() % 3 == 0) {  // a hot flow, often several frames in a row
          uint32_t f = static_cast<uint32_t>(rng() % 40);
          for (unsigned k = 0, reps = 1 + static_cast<unsigned>(rng() % 3); k < reps; ++k) {
            s.frames.push_back(udp_frame(f, rng() % 2 == 0));
            s.sgs.push_back(0);
            s.times.push_back(t);
          }
        } else {
          Frame f;
          gen->next(f);
          s.frames.push_back(std::move(f.bytes));
          s.sgs.push_back(0);
          s.times.push_back(t);
        }
        t += static_cast<uint32_t>(rng() % 3);  // several frames per tick, or a tick apart
      }
      sim::Scoreboard<CoreOut> board("ageing", print_meta);
      Result r = run_core(core, model, s, board);
      EXPECT_TRUE(board.clean()) << "batch " << batch << ": " << board.summary();
      EXPECT_EQ(r.byte_mismatches, 0u);
      if (!board.clean()) break;
      SteerRegs& st = model.regs().steer;
      st.set_member(static_cast<unsigned>(rng() % 2), static_cast<unsigned>(rng() % members), rng() % 2 == 0);
      ASSERT_TRUE(core.load_steer(st));
      t += static_cast<uint32_t>(rng() % (2 * c.timeout));  // a quiet spell: idle flows expire
    }
    const SteerCounters& m = model.steer_counters();
    std::printf(
        "age every %u frames, %u buckets, timeout %u, idle %d%% stall %d%%: new %llu hit %llu "
        "corrected %llu failover %llu ops %llu age ops %llu expired %llu learn_full %llu\n",
        c.age_frames, 1u << c.bucket_log2, c.timeout, c.idle, c.stall, static_cast<unsigned long long>(m.new_flows),
        static_cast<unsigned long long>(m.hit), static_cast<unsigned long long>(m.corrected),
        static_cast<unsigned long long>(m.failover), static_cast<unsigned long long>(m.ops_issued),
        static_cast<unsigned long long>(m.age_ops), static_cast<unsigned long long>(m.expired),
        static_cast<unsigned long long>(m.learn_full));
    EXPECT_GT(m.expired, 300u);
    EXPECT_GT(m.age_ops, 1000u);
    expect_counters(core, model.counters());
    expect_steer_counters(core, model);
  }
}

// What ageing costs at line rate: after an AGE op the next lookup waits for the AGE's handshake.
// All-hit one-beat frames back to back with an AGE op every 1024 and every 64
// frames; results equal the model's, and each AGE op costs exactly kCoreAgeBubbleCycles.
TEST(CoreCosim, AgeingCostsABubble) {
  RtlCore core;
  std::mt19937_64 rng(13);
  CoreModel model;
  model.regs() = make_regs(1, 12, rng);
  model.regs().steer.age_frames = 0;
  ASSERT_TRUE(core.load(model.regs()));
  Stimulus all = make_stimulus(97, 6000, true), s;
  for (size_t i = 0; i < all.frames.size(); ++i) {
    if (all.frames[i].size() > 64) continue;
    s.frames.push_back(all.frames[i]);
    s.sgs.push_back(all.sgs[i]);
  }
  sim::Scoreboard<CoreOut> learn("learn", print_meta);
  run_core(core, model, s, learn);
  EXPECT_TRUE(learn.clean());
  for (uint32_t every : {0u, 1024u, 64u}) {
    model.regs().steer.age_frames = every;
    ASSERT_TRUE(core.load_steer(model.regs().steer));
    uint64_t ages0 = model.steer_counters().age_ops;
    sim::Scoreboard<CoreOut> board("ageing bubble", print_meta);
    Result r = run_core(core, model, s, board);
    EXPECT_TRUE(board.clean());
    uint64_t ages = model.steer_counters().age_ops - ages0;
    uint64_t extra = r.last_out - r.first_in - (r.frames - 1 + kCoreLatencyCycles);
    std::printf("AGE_FRAMES %u: %llu frames, %llu AGE ops, %llu cycles: %.4f frames/cycle, %.1f cycles per AGE op\n",
                every, static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(ages),
                static_cast<unsigned long long>(r.cycles), double(r.frames) / r.cycles,
                ages ? double(extra) / ages : 0.0);
    if (every == 0) {
      EXPECT_EQ(ages, 0u);
    }
    EXPECT_GE(ages, every ? s.frames.size() / every : 0u);
    EXPECT_EQ(extra, ages * kCoreAgeBubbleCycles);  // exactly: nothing else stalls
  }
  expect_steer_counters(core, model);
}

// ---- learning never stalls the data path ------------------------------------------------------------
// A flood of new connections (every frame a new flow, minimum size, back to back): the input never
// waits. Each frame's INSERT goes to the op queue when it has room and is dropped (OP_DROPPED,
// OPS_DROPPED, LEARN_DROPPED) when it has none; every STEER_META and counter equals the model with
// the drops replayed. Without idle or back-pressure frame i leaves exactly i clocks after the first:
// the flood costs the data path nothing. Then the same under random idle, back-pressure, ageing and
// random initial state.
TEST(CoreCosim, FloodOfNewFlowsKeepsOneFramePerClock) {
  struct Cfg {
    int idle, stall;
    uint32_t age_frames;
    bool random_init;
  };
  const Cfg cfgs[] = {{0, 0, 0, false}, {0, 0, 1024, false}, {20, 20, 64, true}, {50, 0, 16, true}};
  uint32_t base = 0;
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = 77 + base;
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    o.random_initial_state = c.random_init;
    RtlCore core(o);
    CoreModel model;
    std::mt19937_64 rng(8 + base);
    model.regs() = make_regs(1, 10, rng);
    random_cluster(model.regs(), 8, rng);
    model.regs().steer.age_frames = c.age_frames;
    ASSERT_TRUE(core.load(model.regs()));
    const uint32_t n = 12000;
    Stimulus s;
    for (uint32_t f = 0; f < n; ++f) {
      s.frames.push_back(udp_frame(base + f, (f & 1) != 0));
      s.sgs.push_back(0);
      s.times.push_back(f);
    }
    base += n;
    sim::Scoreboard<CoreOut> board("flood", print_meta);
    Result r = run_core(core, model, s, board);
    EXPECT_TRUE(board.clean()) << board.summary();
    EXPECT_EQ(r.frames, n);
    expect_counters(core, model.counters());
    expect_steer_counters(core, model);
    const SteerCounters& sc = model.steer_counters();
    EXPECT_GT(sc.learn_dropped, 0u);
    // Every new flow whose bucket has a member has an INSERT, issued or dropped (nothing else).
    EXPECT_EQ(sc.ops_issued + sc.ops_dropped, sc.learn_dropped + model.flow_table().counters().inserts);
    EXPECT_GT(sc.ops_issued + sc.ops_dropped, sc.new_flows * 8 / 10);
    const double learned = double(model.flow_table().counters().inserts) / n;
    std::printf(
        "flood idle %d%% stall %d%% AGE_FRAMES %u: %u new flows in %llu cycles (%.4f frames/cycle), "
        "%llu inserts issued, %llu dropped, %.1f%% learned\n",
        c.idle, c.stall, c.age_frames, n, static_cast<unsigned long long>(r.cycles), double(r.frames) / r.cycles,
        static_cast<unsigned long long>(sc.ops_issued), static_cast<unsigned long long>(sc.learn_dropped),
        100.0 * learned);
    if (c.idle == 0 && c.stall == 0 && c.age_frames == 0) {
      // Not one clock lost: frame i leaves kCoreLatencyCycles after entering, one per clock.
      EXPECT_EQ(r.last_out - r.first_in, r.frames - 1 + kCoreLatencyCycles);
      for (size_t i = 0; i < r.latency.size(); ++i) ASSERT_EQ(r.latency[i], kCoreLatencyCycles) << "frame " << i;
    }
  }
}

// Drops happen only when the op queue is full: new connections one every 3 frames among
// established ones (the op engine takes 2 clocks per INSERT) are all learned, none dropped, and a
// second pass over the same connections is all hits.
TEST(CoreCosim, LearningBelowTheEngineRateDropsNothing) {
  RtlCore core;
  CoreModel model;
  std::mt19937_64 rng(21);
  model.regs() = make_regs(1, 10, rng);
  random_cluster(model.regs(), 8, rng);
  for (auto& b : model.regs().hash.buckets) b |= 0x80;  // every bucket has a member: every new flow learns
  model.regs().steer.age_frames = 0;
  ASSERT_TRUE(core.load(model.regs()));
  Stimulus s;
  uint32_t next_new = 0;
  for (uint32_t i = 0; i < 12000; ++i) {
    const bool fresh = i % 3 == 0 || next_new == 0;
    const uint32_t f = fresh ? next_new++ : static_cast<uint32_t>(rng() % next_new);
    s.frames.push_back(udp_frame(f, (rng() & 1) != 0));
    s.sgs.push_back(0);
    s.times.push_back(i);
  }
  sim::Scoreboard<CoreOut> board("sparse", print_meta);
  Result r = run_core(core, model, s, board);
  EXPECT_TRUE(board.clean()) << board.summary();
  expect_steer_counters(core, model);
  EXPECT_EQ(model.flow_table().counters().occupancy, next_new);
  // No waits: a frame of a connection whose INSERT is still in flight (the random pick hits a
  // connection created a few frames before) is steered as new by its bucket without an op
  // (OP_DROPPED, counted in LEARN_DROPPED); every connection's own INSERT was issued.
  EXPECT_EQ(model.steer_counters().ops_dropped, model.steer_counters().learn_dropped);
  EXPECT_LT(model.steer_counters().learn_dropped, s.frames.size() / 100);
  std::printf("sparse learning: %zu frames in %llu cycles (%.4f frames/cycle), %u connections learned\n",
              s.frames.size(), static_cast<unsigned long long>(r.cycles), double(r.frames) / r.cycles, next_new);
  EXPECT_GT(double(r.frames) / r.cycles, 0.99);
  sim::Scoreboard<CoreOut> again("sparse again", print_meta);
  const uint64_t hits0 = model.steer_counters().hit + model.steer_counters().corrected;
  run_core(core, model, s, again);
  EXPECT_TRUE(again.clean()) << again.summary();
  EXPECT_EQ(model.steer_counters().hit + model.steer_counters().corrected - hits0, s.frames.size());
}

// ---- a full table costs nothing ----------------------------------------------------------------------
// 600 connections, each sending 16 frames in turn, into a 48-entry table: most cannot be learned.
// The table has 4 x 4 bucket pairs, the filter's signatures. Nothing waits for the op engine: a
// frame whose connection's INSERT (a walk that will fail) is in flight is steered as new without an
// op, so one frame per clock with or without the filter. The filter (LEARN_HOLD longer than the
// run) saves the engine's time: a failure is recorded 16 ring ops after it, and from then on every
// INSERT into that pair is held (OP_DROPPED, LEARN_HELD); without it (LEARN_HOLD 0) every frame
// that finds room in the op queue walks the table again. Either way every STEER_META and counter
// equals the model, also under random idle and back-pressure. With ageing on (an AGE op every 4096
// frames, the lookups after it wait for its handshake) and walks failing all the time, the steer
// stage keeps the engine idle before each AGE, so an AGE costs tens of clocks, not the ~700 of the
// walks queued ahead of it: still above 0.98 frames per clock (0.93 without that rule).
TEST(CoreCosim, AFullTableIsNotWalkedOnEveryFrame) {
  struct Cfg {
    uint32_t hold;
    int idle, stall;
    uint32_t age;
  };
  const Cfg cfgs[] = {{1000000, 0, 0, 0}, {0, 0, 0, 0},    {1000000, 20, 20, 0},
                      {300, 10, 30, 0},   {0, 0, 0, 4096}, {0, 10, 10, 1024}};
  uint64_t full_with = 0, full_without = 0;
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = 99 + c.hold + c.idle;
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    RtlCore core(o);
    CoreModel model;
    std::mt19937_64 rng(31);
    model.regs() = make_regs(1, 8, rng);
    for (auto& b : model.regs().hash.buckets) b = bucket_byte(0, 1);
    model.regs().steer.age_frames = c.age;
    model.regs().steer.learn_hold = c.hold;
    ASSERT_TRUE(core.load(model.regs()));
    set_flow_table(core, model, 2, 0);  // 2 x 4 x 4 + 16 = 48 entries, no expiry
    const uint32_t conns = 600, rounds = 16;
    Stimulus s;
    for (uint32_t r = 0; r < rounds; ++r) {
      for (uint32_t f = 0; f < conns; ++f) {
        s.frames.push_back(udp_frame(f, (r & 1) != 0));
        s.sgs.push_back(0);
        s.times.push_back(r * conns + f);
      }
    }
    sim::Scoreboard<CoreOut> board("full table", print_meta);
    Result r = run_core(core, model, s, board);
    EXPECT_TRUE(board.clean()) << board.summary();
    EXPECT_EQ(r.frames, s.frames.size());
    expect_counters(core, model.counters());
    expect_steer_counters(core, model);
    const SteerCounters& sc = model.steer_counters();
    const double fpc = double(r.frames) / r.cycles;
    std::printf(
        "LEARN_HOLD %u AGE_FRAMES %u idle %d%% stall %d%%: %llu frames in %llu cycles (%.4f "
        "frames/cycle), %llu learned, %llu INSERTs failed (walks), %llu held, %llu dropped\n",
        c.hold, c.age, c.idle, c.stall, static_cast<unsigned long long>(r.frames),
        static_cast<unsigned long long>(r.cycles), fpc,
        static_cast<unsigned long long>(model.flow_table().counters().occupancy),
        static_cast<unsigned long long>(sc.learn_full), static_cast<unsigned long long>(sc.learn_held),
        static_cast<unsigned long long>(sc.learn_dropped));
    if (c.idle == 0 && c.stall == 0) EXPECT_GT(fpc, c.age ? 0.98 : 0.99);
    if (c.age) EXPECT_GT(sc.age_ops, r.frames / c.age - 1);
    if (c.hold == 1000000 && c.idle == 0) {
      full_with = sc.learn_full;
      // Each pair fails until its first failure is recorded (16 ring ops later, all of them walks).
      EXPECT_LE(sc.learn_full, 16u * 4);
      EXPECT_GT(sc.learn_held, uint64_t{conns} * rounds / 2);
    }
    if (c.hold == 0 && c.age == 0) {
      full_without = sc.learn_full;
      EXPECT_EQ(sc.learn_held, 0u);
    }
  }
  EXPECT_LT(full_with * 2, full_without);
}

}  // namespace
// ---- HyperSync feed (issue 11) ------------------------------------------------------------------
// The core's m_sync frames, decoded by host/sync's decode_frame, carry exactly the model's records
// (rtl/core/sync_feed.sv's rule) in order: delayed notifications through the sweep (SYNC_MATURE,
// with a GEN flip: the whole table offered again), and NEW at insert (AT_INSERT). Flows expire and
// come back, members fail over (UPDATE records); idle and back-pressure on the data path. The
// encoder keeps up here, so SYNC_DROPPED is 0 and nothing is missing.
sync_encoder::SyncEncoderConfig sync_cfg() {
  sync_encoder::SyncEncoderConfig c;
  c.cluster_id = 7;
  c.source = sync::member_byte(1, 0);
  c.epoch = 3;
  c.mtu = 1500;
  c.flush_cycles = 400;
  for (unsigned i = 0; i < 16; ++i) c.key[i] = static_cast<uint8_t>(0xA0 + i);
  c.src_mac = 0x020000000001ull;
  c.src_ip = 0xC6120001u;  // 198.18.0.1
  c.dest[0] = {true, sync::kBroadcast, 0x020000000002ull, 0xC6120002u};
  c.delay_default = 0;  // the table does the delaying
  return c;
}

std::vector<sync::Record> decode_sync(const std::vector<std::vector<uint8_t>>& frames,
                                      const sync_encoder::SyncEncoderConfig& c, sync::ReplayState& replay) {
  sync::Membership m;
  m.cluster_id = c.cluster_id;
  m.self = sync::member_byte(2, 0);
  m.add(m.self);
  m.add(c.source);
  const sync::KeyRing keys = sync::KeyRing::single(c.key_number, c.key);
  std::vector<sync::Record> out;
  for (const auto& f : frames) {
    EXPECT_GT(f.size(), size_t{sync_encoder::kHeaderAt});
    if (f.size() <= sync_encoder::kHeaderAt) continue;
    auto d =
        sync::decode_frame(f.data() + sync_encoder::kHeaderAt, f.size() - sync_encoder::kHeaderAt, keys, replay, m);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    if (d.ok()) out.insert(out.end(), d->records.begin(), d->records.end());
  }
  return out;
}

// The model's record as the wire carries it.
sync::Record wire_record(const CoreModel::SyncRecordOut& r) {
  ap_uint<448> w = 0;
  for (int i = 0; i < flow::kKeyWords; ++i) w.range(64 * i + 63, 64 * i) = r.event.key.w[i];
  const sync_encoder::SyncRecord sr = sync_encoder::unpack_sync_record(w);
  sync::Record out;
  const bool v6 = sr.ipv6;
  using RT = sync::RecordType;
  out.type = r.op == regs::SyncRecordOp::kNew      ? (v6 ? RT::kNewV6 : RT::kNewV4)
             : r.op == regs::SyncRecordOp::kUpdate ? (v6 ? RT::kUpdateV6 : RT::kUpdateV4)
                                                   : (v6 ? RT::kDeleteV6 : RT::kDeleteV4);
  out.key.is_ipv6 = v6;
  out.key.a_addr = sr.a_addr;
  out.key.b_addr = sr.b_addr;
  out.key.a_port = sr.a_port;
  out.key.b_port = sr.b_port;
  out.key.proto = sr.proto;
  out.key.sg_id = sr.sg_id;
  out.value = r.op == regs::SyncRecordOp::kDelete ? 0 : pack(r.event.value);
  return out;
}

TEST(CoreCosim, SyncFeedCarriesTheModelsRecords) {
  const uint64_t seed = 1111;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  struct Cfg {
    bool at_insert;
    uint32_t sweeps;
    int idle, stall;
  };
  const Cfg cfgs[] = {{false, 1, 0, 0}, {false, 3, 20, 30}, {true, 0, 10, 10}};
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = rng();
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    RtlCore core(o);
    CoreModel model;
    model.keep_sync_records(true);
    model.regs() = make_regs(1, 8, rng);
    const unsigned members = 6;
    random_cluster(model.regs(), members, rng);
    SteerRegs& st = model.regs().steer;
    st.age_frames = 3;
    st.sync = (1u << regs::STEER_SYNC_ENABLE_LSB) | (uint32_t{c.at_insert} << regs::STEER_SYNC_AT_INSERT_LSB) |
              (uint32_t{sync::kBroadcast} << regs::STEER_SYNC_DEST_LSB);
    ASSERT_TRUE(core.load(model.regs()));
    set_flow_table(core, model, 4, 200);
    const sync_encoder::SyncEncoderConfig ec = sync_cfg();
    for (const auto& [off, val] : sync_encoder::register_writes(ec))
      ASSERT_TRUE(core.write_reg(regs::SYNC_ENCODER_BASE + off, val));
    auto set_mature = [&](uint32_t v) {
      flow::Config fc = model.flow_table().config();
      fc.sync_mature = v;
      model.flow_table().set_config(fc);
      ASSERT_TRUE(core.write_reg(regs::FLOW_TABLE_SYNC_MATURE_ADDR, v));
    };
    set_mature(c.sweeps);
    sync::ReplayState replay;
    size_t records = 0, news = 0, updates = 0, deletes = 0;
    uint32_t t = 0;
    for (int batch = 0; batch < 5; ++batch) {
      if (batch == 3 && c.sweeps != 0) set_mature(c.sweeps | (1u << regs::FLOW_TABLE_SYNC_MATURE_GEN_LSB));  // resync
      Stimulus s;
      for (int i = 0; i < 1200; ++i) {
        const uint32_t f = static_cast<uint32_t>(rng() % 120);
        s.frames.push_back(udp_frame(f, rng() % 2 == 0));
        s.sgs.push_back(0);
        s.times.push_back(t);
        t += static_cast<uint32_t>(rng() % 2);
      }
      sim::Scoreboard<CoreOut> board("sync", print_meta);
      Result r = run_core(core, model, s, board);
      EXPECT_TRUE(board.clean()) << board.summary();
      core.settle(4000);  // the last ops, then the encoder's flush timer
      const std::vector<sync::Record> got = decode_sync(core.take_sync_frames(), ec, replay);
      const std::vector<CoreModel::SyncRecordOut> want = model.take_sync_records();
      ASSERT_EQ(got.size(), want.size()) << "batch " << batch;
      for (size_t i = 0; i < want.size(); ++i) {
        const sync::Record w = wire_record(want[i]);
        ASSERT_EQ(got[i].type, w.type) << "batch " << batch << " record " << i;
        ASSERT_TRUE(got[i].key == w.key) << "batch " << batch << " record " << i;
        ASSERT_EQ(got[i].value, w.value) << "batch " << batch << " record " << i;
        news += want[i].op == regs::SyncRecordOp::kNew;
        updates += want[i].op == regs::SyncRecordOp::kUpdate;
        deletes += want[i].op == regs::SyncRecordOp::kDelete;
      }
      records += want.size();
      st.set_member(0, static_cast<unsigned>(rng() % members), rng() % 2 == 0);  // failovers: UPDATEs
      ASSERT_TRUE(core.load_steer(st));
      t += static_cast<uint32_t>(rng() % 400);  // a quiet spell: idle flows expire
    }
    uint32_t sent = 0, dropped = 0;
    ASSERT_TRUE(core.read_reg(regs::STEER_SYNC_RECORDS_ADDR, &sent));
    ASSERT_TRUE(core.read_reg(regs::STEER_SYNC_DROPPED_ADDR, &dropped));
    std::printf("sync %s, SWEEPS %u: %zu records (%zu NEW, %zu UPDATE, %zu DELETE), SYNC_RECORDS %u, dropped %u\n",
                c.at_insert ? "at insert" : "matured", c.sweeps, records, news, updates, deletes, sent, dropped);
    EXPECT_EQ(dropped, 0u);
    EXPECT_EQ(sent, records);
    EXPECT_GT(news, 100u);
    EXPECT_GT(deletes, 20u);
  }
}

// A standby's side: the active core's sync frames (m_sync) into a second core's s_sync, through a
// link with latency, while the standby carries traffic of its own (or none). The standby's frames
// match its model with every sync op applied where the RTL's sync window put it (after the
// lookups RtlCore reports), the ops are the sync_decoder model's for the same frames, and the
// counters agree: SYNC_APPLIED, the decoder's FRAMES and OPS, the flow table's registers.
TEST(CoreCosim, StandbyAppliesTheActivesSyncOpsBetweenFrames) {
  const uint64_t seed = 2222;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  struct Cfg {
    bool standby_traffic;
    int idle, stall;
  };
  const Cfg cfgs[] = {{false, 0, 0}, {true, 0, 0}, {true, 20, 30}};
  for (const Cfg& c : cfgs) {
    RtlCoreOptions oa, ob;
    oa.seed = rng();
    ob.seed = rng();
    ob.idle_percent = c.idle;
    ob.backpressure_percent = c.stall;
    RtlCore active(oa), standby(ob);
    CoreModel ma, mb;
    ma.keep_sync_records(true);
    ma.regs() = make_regs(1, 8, rng);
    const unsigned members = 6;
    random_cluster(ma.regs(), members, rng);
    ma.regs().steer.age_frames = 5;
    ma.regs().steer.sync = (1u << regs::STEER_SYNC_ENABLE_LSB) | (1u << regs::STEER_SYNC_AT_INSERT_LSB) |
                           (uint32_t{sync::kBroadcast} << regs::STEER_SYNC_DEST_LSB);
    mb.regs() = ma.regs();
    mb.regs().steer.sync = 0;  // the standby feeds nothing on
    ASSERT_TRUE(active.load(ma.regs()));
    ASSERT_TRUE(standby.load(mb.regs()));
    set_flow_table(active, ma, 4, 300);
    set_flow_table(standby, mb, 4, 300);
    const sync_encoder::SyncEncoderConfig ec = sync_cfg();
    for (const auto& [off, val] : sync_encoder::register_writes(ec))
      ASSERT_TRUE(active.write_reg(regs::SYNC_ENCODER_BASE + off, val));
    sync_decoder::SyncDecoderConfig dc;
    dc.cluster_id = ec.cluster_id;
    dc.self = sync::member_byte(2, 0);
    dc.add_member(ec.source);
    dc.add_member(dc.self);
    dc.keys[ec.key_number].valid = true;
    dc.keys[ec.key_number].key = ec.key;
    for (const auto& [off, val] : sync_decoder::register_writes(dc))
      ASSERT_TRUE(standby.write_reg(regs::SYNC_DECODER_BASE + off, val));
    sync_decoder::SyncDecoderModel dec;
    dec.configure(dc);

    std::deque<flow::OpWord> ops;    // the decoder model's ops, in order
    std::deque<uint64_t> positions;  // where the RTL applied them
    uint64_t applied = 0, frames_sent = 0, b_frames = 0;
    auto apply_due = [&](uint64_t before_frame) {
      for (const RtlCore::SyncOpPlace& p : standby.take_sync_op_positions()) positions.push_back(p.lookups);
      while (!positions.empty() && positions.front() <= before_frame) {
        ASSERT_FALSE(ops.empty()) << "the RTL applied more sync ops than the decoder model made";
        mb.apply_sync_op(ops.front());
        ops.pop_front();
        positions.pop_front();
        ++applied;
      }
    };
    uint32_t t = 0;
    sim::Scoreboard<CoreOut> board("standby", print_meta);
    for (int batch = 0; batch < 4; ++batch) {
      Stimulus sa;
      for (int i = 0; i < 1000; ++i) {
        sa.frames.push_back(udp_frame(static_cast<uint32_t>(rng() % 300), rng() % 2 == 0));
        sa.sgs.push_back(0);
        sa.times.push_back(t);
        t += static_cast<uint32_t>(rng() % 2);
      }
      sim::Scoreboard<CoreOut> board_a("active", print_meta);
      run_core(active, ma, sa, board_a);
      EXPECT_TRUE(board_a.clean()) << board_a.summary();
      active.settle(1500);  // the encoder's flush timer
      (void)ma.take_sync_records();
      // The link: each frame arrives 300 clocks after it left, in order.
      const uint64_t base = standby.cycle();
      uint64_t first = 0;
      bool have_first = false;
      for (auto& f : active.take_timed_sync_frames()) {
        if (!have_first) first = f.cycle, have_first = true;
        ASSERT_EQ(dec.receive(f.bytes.data(), static_cast<unsigned>(f.bytes.size())), sync_decoder::Reject::kNone);
        while (dec.op_ready()) {
          ops.push_back(dec.op());
          dec.pop_op();
        }
        standby.send_sync_frame(std::move(f.bytes), base + 300 + (f.cycle - first) / 4);
        ++frames_sent;
      }
      if (c.standby_traffic) {
        Stimulus sb;
        for (int i = 0; i < 1500; ++i) {
          sb.frames.push_back(udp_frame(static_cast<uint32_t>(rng() % 300), rng() % 2 == 0));
          sb.sgs.push_back(0);
          sb.times.push_back(t);
          t += static_cast<uint32_t>(rng() % 2);
        }
        size_t next = 0, out = 0;
        const bool ok =
            standby.run(RtlCore::TimedFrameSource([&](std::vector<uint8_t>* bytes, uint8_t* sg, uint32_t* time) {
                          if (next == sb.frames.size()) return false;
                          *bytes = sb.frames[next];
                          *sg = 0;
                          *time = sb.times[next];
                          ++next;
                          return true;
                        }),
                        [&](CoreFrameOut&& fo) {
                          apply_due(b_frames);
                          const CoreOut got{fo.meta, fo.action, fo.op_dropped};
                          board.expect(mb.replay(sb.frames[out].data(), sb.frames[out].size(), 0, sb.times[out], got));
                          board.step(got);
                          ++out;
                          ++b_frames;
                        });
        EXPECT_TRUE(ok) << standby.error();
      }
      for (int i = 0; i < 200 && standby.sync_frames_waiting() > 0; ++i) standby.settle(200);
      ASSERT_EQ(standby.sync_frames_waiting(), 0u) << "the standby's s_sync did not take every frame";
      standby.settle(3000);  // the last frame's checks and ops
      apply_due(b_frames);
      EXPECT_TRUE(ops.empty()) << ops.size() << " sync ops the RTL did not apply";
      EXPECT_TRUE(positions.empty());
    }
    EXPECT_TRUE(board.clean()) << board.summary();
    const SteerCounters got = standby.steer_counters(), want = mb.steer_counters();
    EXPECT_EQ(got, want);
    EXPECT_EQ(got.sync_applied, applied);
    uint32_t dframes = 0, dops = 0, windows = 0;
    ASSERT_TRUE(standby.read_reg(regs::SYNC_DECODER_BASE + regs::SYNC_DECODER_FRAMES_OFFSET, &dframes));
    ASSERT_TRUE(standby.read_reg(regs::SYNC_DECODER_BASE + regs::SYNC_DECODER_OPS_OFFSET, &dops));
    ASSERT_TRUE(standby.read_reg(regs::STEER_SYNC_WINDOWS_ADDR, &windows));
    EXPECT_EQ(dframes, frames_sent);
    EXPECT_EQ(dops, applied);
    for (uint32_t off :
         {regs::FLOW_TABLE_OCCUPANCY_OFFSET, regs::FLOW_TABLE_INSERTS_OFFSET, regs::FLOW_TABLE_UPDATES_OFFSET,
          regs::FLOW_TABLE_DELETES_OFFSET, regs::FLOW_TABLE_NOT_FOUND_OFFSET, regs::FLOW_TABLE_EXPIRIES_OFFSET,
          regs::FLOW_TABLE_INSERT_FULL_OFFSET}) {
      uint32_t v = 0;
      ASSERT_TRUE(standby.read_reg(regs::FLOW_TABLE_BASE + off, &v));
      EXPECT_EQ(v, mb.flow_table().read_reg(off)) << "flow_table register 0x" << std::hex << off;
    }
    std::printf("standby %s: %" PRIu64 " sync frames, %" PRIu64 " ops applied in %u windows, %" PRIu64
                " frames of its own, occupancy %u\n",
                c.standby_traffic ? "with traffic" : "idle", frames_sent, applied, windows, b_frames,
                mb.flow_table().read_reg(regs::FLOW_TABLE_OCCUPANCY_OFFSET));
    EXPECT_GT(applied, 200u);
    EXPECT_GT(frames_sent, 3u);
  }
}

}  // namespace conductor
