// Co-simulation of rtl/core/conductor_core.sv against the C++ golden model (hls/core): every frame
// leaves unchanged and in order with the STEER_META the model computes, on synthetic traffic,
// random bytes and truncated frames, with random idle and back-pressure; the device counters equal
// the model's; one frame per clock on minimum-size frames with a fixed latency.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "core/core_model.hpp"
#include "host/traffic/generator.hpp"
#include "rtl_core.hpp"
#include "scoreboard.hpp"

namespace conductor {
namespace {

// Clocks from a frame's first beat accepted to its first beat leaving, with the output never
// stalled: parser (LatencyCycles from the beat that completes the 128-byte window or ends the
// frame), dist_hash (5), steer into the meta FIFO and the FIFO's fall-through (1).
constexpr uint64_t kExtraCyclesMultiBeat = 1;  // the window completes on the second beat

std::string print_meta(const SteerMeta& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "hash=0x%08x bucket=%u site=%u member=%u deliver=%d status=%s default=%d",
                m.hash, m.bucket, m.site, m.member, m.deliver, parse_status_name(m.status), m.defaulted);
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
  uint64_t frames = 0, byte_mismatches = 0, inconsistent = 0;
  std::vector<uint64_t> latency;
  std::vector<size_t> lengths;
  uint64_t cycles = 0;
  uint64_t first_in = 0, last_out = 0;  // cycle of the first frame's first beat in, last frame's out
};

Result run_core(RtlCore& core, const CoreRegs& regs, const Stimulus& s,
                sim::Scoreboard<SteerMeta>& board, CoreCounters* model_counters) {
  Result r;
  for (size_t i = 0; i < s.frames.size(); ++i)
    board.expect(core_process(regs, s.frames[i].data(), s.frames[i].size(), s.sgs[i], model_counters));
  size_t next = 0, out = 0;
  bool ok = core.run(
      [&](std::vector<uint8_t>* bytes, uint8_t* sg) {
        if (next == s.frames.size()) return false;
        *bytes = s.frames[next];
        *sg = s.sgs[next];
        ++next;
        return true;
      },
      [&](CoreFrameOut&& fo) {
        board.step(fo.meta);
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
  struct Cfg { int idle, stall; uint32_t mode, log2; };
  const Cfg cfgs[] = {{0, 0, 0, 12}, {30, 0, 1, 16}, {0, 40, 2, 6}, {25, 25, 1, 12}};
  for (const Cfg& c : cfgs) {
    RtlCoreOptions o;
    o.seed = rng();
    o.idle_percent = c.idle;
    o.backpressure_percent = c.stall;
    o.random_initial_state = true;  // no output may depend on state reset leaves undefined
    RtlCore core(o);
    CoreRegs regs = make_regs(c.mode, c.log2, rng);
    ASSERT_TRUE(core.load(regs));
    Stimulus s = make_stimulus(rng(), 10000, false);
    sim::Scoreboard<SteerMeta> board("conductor_core", print_meta);
    CoreCounters model;
    Result r = run_core(core, regs, s, board, &model);
    std::printf("idle %d%% stall %d%% mode %u log2 %u: %s; %llu cycles\n", c.idle, c.stall, c.mode,
                c.log2, board.summary().c_str(), static_cast<unsigned long long>(r.cycles));
    EXPECT_TRUE(board.clean());
    EXPECT_EQ(r.frames, s.frames.size());
    EXPECT_EQ(r.byte_mismatches, 0u);
    EXPECT_EQ(r.inconsistent, 0u);
    expect_counters(core, model);
  }
}

TEST(CoreCosim, DefaultActionAndCounterClear) {
  std::mt19937_64 rng(7);
  RtlCore core;
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
    ASSERT_TRUE(core.write_reg(regs::PARSER_COUNTER_CLEAR_ADDR, 1));
    sim::Scoreboard<SteerMeta> board("default", print_meta);
    CoreCounters model;
    Result r = run_core(core, regs, s, board, &model);
    EXPECT_TRUE(board.clean());
    EXPECT_EQ(r.frames, 20u);
    expect_counters(core, model);
    EXPECT_EQ(model.defaulted, 20u);
    EXPECT_EQ(model.dropped, drop ? 20u : 0u);
  }
}

// One frame per clock and a fixed latency on one-beat frames: N frames back to back take exactly
// N + kCoreLatencyCycles clocks from the first beat in to the last beat out.
TEST(CoreCosim, OneFramePerClockAndFixedLatency) {
  RtlCore core;
  std::mt19937_64 rng(11);
  CoreRegs regs = make_regs(1, 12, rng);
  ASSERT_TRUE(core.load(regs));
  Stimulus all = make_stimulus(99, 6000, true), s;
  for (size_t i = 0; i < all.frames.size(); ++i) {
    if (all.frames[i].size() > 64) continue;
    s.frames.push_back(all.frames[i]);
    s.sgs.push_back(all.sgs[i]);
  }
  ASSERT_GT(s.frames.size(), 4000u);
  sim::Scoreboard<SteerMeta> board("one-beat", print_meta);
  Result r = run_core(core, regs, s, board, nullptr);
  EXPECT_TRUE(board.clean());
  for (size_t i = 0; i < r.latency.size(); ++i)
    ASSERT_EQ(r.latency[i], kCoreLatencyCycles) << "frame " << i;
  std::printf("%zu one-beat frames in %llu cycles: %.4f frames/cycle, latency %llu cycles\n",
              r.lengths.size(), static_cast<unsigned long long>(r.cycles), double(r.frames) / r.cycles,
              static_cast<unsigned long long>(kCoreLatencyCycles));
  // Frame i enters at first_in + i and leaves kCoreLatencyCycles later: nothing else.
  EXPECT_EQ(r.last_out - r.first_in, r.frames - 1 + kCoreLatencyCycles);
}

// Minimum-size frames of one and two beats (VLAN tags, IPv6 extension headers): one beat per clock,
// latency kCoreLatencyCycles or one more behind a two-beat frame (its window completes a beat later).
TEST(CoreCosim, MixedMinimumSizeFramesKeepOneBeatPerClock) {
  RtlCore core;
  std::mt19937_64 rng(12);
  CoreRegs regs = make_regs(0, 12, rng);
  ASSERT_TRUE(core.load(regs));
  Stimulus s = make_stimulus(98, 5000, true);
  sim::Scoreboard<SteerMeta> board("min-size", print_meta);
  Result r = run_core(core, regs, s, board, nullptr);
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
              r.lengths.size(), static_cast<unsigned long long>(two_beat),
              static_cast<unsigned long long>(beats), static_cast<unsigned long long>(r.cycles),
              double(beats) / r.cycles, double(r.frames) / r.cycles);
  // Fill and drain only: the run starts a clock before the first beat, and the last frame may
  // have two beats.
  EXPECT_LE(r.cycles, beats + kCoreLatencyCycles + kExtraCyclesMultiBeat + 2);
}

}  // namespace
}  // namespace conductor
