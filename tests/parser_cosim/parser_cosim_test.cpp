// Co-simulation of rtl/parser/pkt_parser.sv against the golden model parse_frame()
// (hls/parser/parser_model.hpp): the same frames go to both, every key (320-bit FLOW_KEY and the
// 4-bit status) is compared bit for bit, in order, with random idle cycles on s_axis and random
// back-pressure on m_key. Also asserts II = 1 and the fixed latency LatencyCycles.
//
// Tracing: CONDUCTOR_TRACE=1 (FST files in CONDUCTOR_TRACE_DIR, default the working directory).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vpkt_parser.h"
#include "Vpkt_parser_pkt_parser.h"
#include "axis.hpp"
#include "common/packing.hpp"
#include "frames.hpp"
#include "parser/parser_cases.hpp"
#include "parser/parser_model.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"

namespace conductor {
namespace {

// The command line, for +trace (sim_ctrl.hpp reads the plusargs of the model's context).
int g_argc = 0;
char** g_argv = nullptr;

// Every bench starts the parser from random register contents (the model is built with
// --x-initial unique): no key may depend on state that reset leaves undefined.
std::unique_ptr<VerilatedContext> new_context(uint64_t seed) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(g_argc, g_argv);
  ctx->randReset(2);
  ctx->randSeed(static_cast<int>(seed & 0x7FFFFFFF));
  return ctx;
}

using sim::AxisBeat;
using test::Bytes;

// The RTL's own constant (/*verilator public*/), not a hand copy.
constexpr int kLatencyCycles = Vpkt_parser_pkt_parser::LatencyCycles;
constexpr int kKeyFifoDepth = 16;  // pkt_parser's KeyFifoDepth default
static_assert(kLatencyCycles == 8, "docs and the RTL header say 8; update both together");

// One key as it leaves m_key: FLOW_KEY words (word 0 = bits 31:0) and the status on TUSER.
struct KeyItem {
  std::array<uint32_t, 10> key{};
  uint32_t status = 0;
  bool operator==(const KeyItem& o) const { return key == o.key && status == o.status; }
};

std::string describe(const KeyItem& k) {
  const FlowKey f = unpack_flow_key(from_words<320>(k.key));
  char buf[512];
  auto addr = [](const std::array<uint8_t, 16>& a) {
    std::string s;
    char h[3];
    for (uint8_t b : a) {
      std::snprintf(h, sizeof h, "%02x", b);
      s += h;
    }
    return s;
  };
  std::snprintf(
      buf, sizeof buf,
      "status=%u(%s) src=%s dst=%s sport=%u dport=%u proto=%u v6=%d frag=%d l4=%d ip=%d sg=%u raw[9..0]=", k.status,
      k.status <= 4 ? parse_status_name(static_cast<ParseStatus>(k.status)) : "?", addr(f.src_addr).c_str(),
      addr(f.dst_addr).c_str(), f.src_port, f.dst_port, f.proto, f.is_ipv6, f.is_frag, f.l4_valid, f.ip_valid, f.sg_id);
  std::string s = buf;
  for (int i = 9; i >= 0; --i) {
    std::snprintf(buf, sizeof buf, "%08x", k.key[i]);
    s += buf;
  }
  return s;
}

KeyItem expected_item(const Bytes& frame, uint8_t sg) {
  const ParseResult r = parse_frame(frame.data(), frame.size(), sg);
  KeyItem k;
  k.key = to_words(pack(r.key));
  k.status = static_cast<uint32_t>(r.status);
  return k;
}

struct StreamOptions {
  int idle_percent = 0;     // s_axis: chance per cycle of not starting the next beat
  int ready_percent = 100;  // m_key: chance per cycle of TREADY
  bool garbage = true;      // random bytes and TKEEP bits past the frame end, random TUSER after beat 0
  bool empty_beats = true;  // now and then end a frame that fills its beats with an extra TKEEP-0 beat
};

// The parser, its model and the scoreboard, on the shared harness (sim/common).
class ParserBench {
  using SimCtrl_t = sim::SimCtrl<Vpkt_parser>;

 public:
  explicit ParserBench(const std::string& name, uint64_t seed = 1, StreamOptions opt = {})
      : ctx_(new_context(seed)),
        top_(std::make_unique<Vpkt_parser>(ctx_.get(), "top")),
        sim_(*top_, top_->clk_i, top_->rst_ni, name),
        src_(source_ports(), seed, opt.idle_percent),
        sink_(sink_ports(), seed * 7 + 1, opt.ready_percent),
        sb_(name, describe, 1000000),
        rng_(seed * 13 + 5),
        opt_(opt) {
    src_.on_fire = [this](const AxisBeat& b) { on_beat_accepted(b); };
    sink_.on_beat = [this](const AxisBeat& b) { on_key(b); };
    sim_.add(&src_);
    sim_.add(&sink_);
    sim_.reset();
  }

  // Queues one frame (its beats on s_axis) and its model key.
  void send(const Bytes& frame, uint8_t sg) {
    std::vector<AxisBeat> beats = sim::frame_to_beats(frame.data(), frame.size(), {sg});
    if (opt_.garbage) dirty(beats, frame.size());
    for (auto& b : beats) src_.push(std::move(b));
    const KeyItem want = expected_item(frame, sg);
    ++status_count_[std::min<uint32_t>(want.status, 5)];
    sb_.expect(want);
    ++frames_;
  }

  // Runs until every key is out (plus a few clocks to catch extras); false on timeout.
  bool finish(uint64_t max_cycles) {
    const bool ok = sim_.run_until([this] { return sb_.outstanding() == 0 && src_.idle(); }, max_cycles, "all keys");
    for (int i = 0; i < 3 * kLatencyCycles; ++i) sim_.tick();  // nothing more may come out
    if (!ok) std::printf("%s\n", sb_.summary().c_str());
    return ok;
  }

  // Prints the summary; true when every key matched and none is missing or extra.
  bool report() {
    std::printf("%s (%llu frames, %llu cycles)\n", sb_.summary().c_str(), static_cast<unsigned long long>(frames_),
                static_cast<unsigned long long>(sim_.cycle()));
    return sb_.clean() && sb_.matched() == frames_;
  }

  SimCtrl_t& sim() { return sim_; }
  Vpkt_parser& top() { return *top_; }
  sim::AxisSource& source() { return src_; }
  sim::AxisSink& sink() { return sink_; }
  // Frames sent per expected status (index 5: out of range, never expected).
  const std::array<uint64_t, 6>& status_count() const { return status_count_; }
  const std::vector<uint64_t>& latencies() const { return latencies_; }
  const std::vector<uint64_t>& key_cycles() const { return key_cycles_; }
  const std::vector<uint64_t>& beat_cycles() const { return beat_cycles_; }

 private:
  sim::AxisSourcePorts source_ports() {
    return {[this](const AxisBeat& b, bool valid) {
              if (!b.data.empty()) sim::set_port(top_->s_axis_tdata, b.data);
              top_->s_axis_tkeep = b.keep;
              top_->s_axis_tuser = static_cast<uint8_t>(b.user.empty() ? 0 : b.user[0]);
              top_->s_axis_tlast = b.last;
              top_->s_axis_tvalid = valid;
            },
            [this] { return top_->s_axis_tready != 0; }};
  }
  sim::AxisSinkPorts sink_ports() {
    return {[this] { return top_->m_key_tvalid != 0; },
            [this] {
              AxisBeat b;
              b.data = sim::get_port(top_->m_key_tdata);
              b.user = {top_->m_key_tuser};
              return b;
            },
            [this](bool r) { top_->m_key_tready = r; }};
  }

  // Random bytes past the end of the last beat, random TKEEP bits above the first gap, random TKEEP
  // on beats before the last, random TUSER on every beat but the first: none may change the key.
  void dirty(std::vector<AxisBeat>& beats, size_t len) {
    AxisBeat& last = beats.back();
    const size_t n = sim::beat_bytes(last);
    for (size_t j = n; j < sim::kBeatBytes; ++j) {
      const uint32_t byte = static_cast<uint32_t>(rng_() & 0xFF);
      last.data[j / 4] = (last.data[j / 4] & ~(0xFFu << (8 * (j % 4)))) | byte << (8 * (j % 4));
    }
    if (n + 1 < sim::kBeatBytes) last.keep |= (rng_() << (n + 1)) & ~sim::keep_for_bytes(n + 1);
    for (size_t i = 1; i < beats.size(); ++i) beats[i].user = {static_cast<uint32_t>(rng_() & 0xFF)};
    // TKEEP of a beat that is not the last is not read: make it noise.
    for (size_t i = 0; i + 1 < beats.size(); ++i) beats[i].keep = rng_();
    // Now and then a frame that fills its beats exactly ends with an extra, empty beat (TKEEP 0).
    if (opt_.empty_beats && len > 0 && len % sim::kBeatBytes == 0 && rng_() % 4 == 0) {
      last.last = false;
      last.keep = ~uint64_t{0};
      AxisBeat empty;
      empty.data.assign(sim::kBeatWords, static_cast<uint32_t>(rng_()));
      empty.keep = 0;
      empty.last = true;
      empty.user = {0};
      beats.push_back(std::move(empty));
    }
  }

  // The beat that completes a window (beat 1, or beat 0 with TLAST) starts the latency clock.
  void on_beat_accepted(const AxisBeat& b) {
    const uint64_t cycle = sim_.cycle() - 1;  // on_fire runs after the edge that took the beat
    beat_cycles_.push_back(cycle);
    if ((beat_in_frame_ == 0 && b.last) || beat_in_frame_ == 1) issue_cycles_.push_back(cycle);
    beat_in_frame_ = b.last ? 0 : std::min(beat_in_frame_ + 1, 2);
  }

  void on_key(const AxisBeat& b) {
    KeyItem k;
    for (size_t i = 0; i < k.key.size(); ++i) k.key[i] = b.data[i];
    k.status = b.user[0];
    sb_.step(k);
    key_cycles_.push_back(sim_.cycle());
    if (!issue_cycles_.empty()) {
      latencies_.push_back(sim_.cycle() - issue_cycles_.front());
      issue_cycles_.pop_front();
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vpkt_parser> top_;
  SimCtrl_t sim_;
  sim::AxisSource src_;
  sim::AxisSink sink_;
  sim::Scoreboard<KeyItem> sb_;
  std::mt19937_64 rng_;
  StreamOptions opt_;
  uint64_t frames_ = 0;
  std::array<uint64_t, 6> status_count_{};
  int beat_in_frame_ = 0;
  std::deque<uint64_t> issue_cycles_;
  std::vector<uint64_t> beat_cycles_, key_cycles_, latencies_;
};

// A bound on the clocks a run may take: generous, but a hang fails the test.
uint64_t cycle_budget(uint64_t beats, const StreamOptions& o) {
  const uint64_t slow = 100 / std::max(1, std::min(o.ready_percent, 100 - o.idle_percent));
  return 1000 + beats * 4 * (1 + slow);
}

// Beats a frame may take (one more for the occasional empty last beat).
uint64_t beats_of(size_t len) { return len == 0 ? 1 : (len + 63) / 64 + 1; }

// Every directed case whole and at every prefix length (every truncation point), with random idle
// and back-pressure; the model must also still agree with the hand-worked expectation.
TEST(ParserCosim, DirectedCasesAndEveryPrefix) {
  const StreamOptions opt{.idle_percent = 20, .ready_percent = 70};
  ParserBench bench("parser_cosim_directed", 11, opt);
  const auto cases = test::parser_cases();
  uint64_t beats = 0;
  for (const auto& c : cases) {
    const ParseResult r = parse_frame(c.frame.data(), c.frame.size(), c.sg_id);
    EXPECT_EQ(r.key, c.expected.key) << c.name;
    EXPECT_EQ(r.status, c.expected.status) << c.name;
    for (size_t len = 0; len <= c.frame.size(); ++len) {
      const Bytes prefix(c.frame.begin(), c.frame.begin() + static_cast<std::ptrdiff_t>(len));
      bench.send(prefix, static_cast<uint8_t>(c.sg_id + len));
      beats += beats_of(len);
    }
  }
  EXPECT_TRUE(bench.finish(cycle_budget(beats, opt)));
  EXPECT_TRUE(bench.report());
}

// Random frames: structured IPv4/IPv6/VLAN/extension/fragment frames, garbage, cuts, 0..300 bytes,
// in phases of different idle and back-pressure.
TEST(ParserCosim, RandomFrames) {
  struct Phase {
    int idle, ready, frames;
  };
  const Phase phases[] = {{0, 100, 24000}, {30, 100, 16000}, {0, 50, 16000},
                          {25, 60, 24000}, {60, 20, 8000},   {5, 95, 16000}};
  std::mt19937_64 rng(20240601);
  ParserBench bench("parser_cosim_random", 3, {});
  uint64_t frames = 0;
  for (const Phase& p : phases) {
    bench.source().set_idle_percent(p.idle);
    bench.sink().set_ready_percent(p.ready);
    uint64_t beats = 0;
    for (int i = 0; i < p.frames; ++i) {
      Bytes f = test::random_frame(rng, 300);
      if (f.empty() && rng() % 2) f.push_back(static_cast<uint8_t>(rng()));  // keep a few lengths of 1
      beats += beats_of(f.size());
      bench.send(f, static_cast<uint8_t>(rng()));
    }
    frames += p.frames;
    ASSERT_TRUE(bench.finish(cycle_budget(beats, {.idle_percent = p.idle, .ready_percent = p.ready})))
        << "phase idle " << p.idle << " ready " << p.ready;
  }
  EXPECT_GE(frames, 100000u);
  EXPECT_TRUE(bench.report());
  for (int s = 0; s <= 4; ++s) {
    EXPECT_GE(bench.status_count()[s], 1000u) << parse_status_name(static_cast<ParseStatus>(s));
  }
  // Back-pressure only ever delays a key.
  for (uint64_t l : bench.latencies()) ASSERT_GE(l, static_cast<uint64_t>(kLatencyCycles));
}

// II = 1: N one-beat frames back to back, m_key always ready: a beat is taken every clock and the
// keys leave on consecutive clocks, all N in N - 1 + LatencyCycles clocks after the first beat, each
// exactly LatencyCycles after its beat.
TEST(ParserCosim, OneBeatFramesAtOnePerClock) {
  constexpr int kFrames = 2000;
  ParserBench bench("parser_cosim_ii1", 5, {.idle_percent = 0, .ready_percent = 100, .empty_beats = false});
  std::mt19937_64 rng(77);
  int sent = 0;
  while (sent < kFrames) {
    Bytes f = test::random_frame(rng, 64);
    bench.send(f, static_cast<uint8_t>(sent));
    ++sent;
  }
  ASSERT_TRUE(bench.finish(kFrames + 100));
  EXPECT_TRUE(bench.report());
  const auto& beats = bench.beat_cycles();
  const auto& keys = bench.key_cycles();
  ASSERT_EQ(beats.size(), static_cast<size_t>(kFrames));
  ASSERT_EQ(keys.size(), static_cast<size_t>(kFrames));
  EXPECT_EQ(beats.back() - beats.front(), static_cast<uint64_t>(kFrames - 1)) << "s_axis stalled";
  EXPECT_EQ(keys.back() - keys.front(), static_cast<uint64_t>(kFrames - 1)) << "m_key had gaps";
  EXPECT_EQ(keys.back() - beats.front(), static_cast<uint64_t>(kFrames - 1 + kLatencyCycles));
  for (uint64_t l : bench.latencies()) ASSERT_EQ(l, static_cast<uint64_t>(kLatencyCycles));
}

// Two-beat frames: one key every second clock, fixed latency from the second beat.
TEST(ParserCosim, TwoBeatFramesAtOnePerTwoClocks) {
  constexpr int kFrames = 1000;
  ParserBench bench("parser_cosim_two_beat", 6, {.idle_percent = 0, .ready_percent = 100, .empty_beats = false});
  std::mt19937_64 rng(78);
  for (int i = 0; i < kFrames; ++i) {
    Bytes f = test::random_frame(rng, 128);
    f.resize(65 + rng() % 64, 0x33);
    bench.send(f, static_cast<uint8_t>(i));
  }
  ASSERT_TRUE(bench.finish(2 * kFrames + 100));
  EXPECT_TRUE(bench.report());
  const auto& keys = bench.key_cycles();
  ASSERT_EQ(keys.size(), static_cast<size_t>(kFrames));
  EXPECT_EQ(bench.beat_cycles().back() - bench.beat_cycles().front(), static_cast<uint64_t>(2 * kFrames - 1));
  EXPECT_EQ(keys.back() - keys.front(), static_cast<uint64_t>(2 * (kFrames - 1)));
  for (uint64_t l : bench.latencies()) ASSERT_EQ(l, static_cast<uint64_t>(kLatencyCycles));
}

// Long frames: the key leaves LatencyCycles after the second beat, long before the frame ends.
TEST(ParserCosim, KeyLeavesBeforeTheFrameEnds) {
  ParserBench bench("parser_cosim_long", 8, {.idle_percent = 0, .ready_percent = 100});
  test::FrameBuilder f;
  f.ethernet(kEtherTypeIpv4).ipv4({.proto = kProtoTcp, .total_length = 9000 - 14}).l4(kProtoTcp, 1234, 80);
  f.payload(9000 - 14 - 40);
  const Bytes jumbo = f.build();  // 141 beats
  for (int i = 0; i < 5; ++i) bench.send(jumbo, static_cast<uint8_t>(i));
  ASSERT_TRUE(bench.finish(5 * 141 + 100));
  EXPECT_TRUE(bench.report());
  const auto& beats = bench.beat_cycles();
  const auto& keys = bench.key_cycles();
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_EQ(beats.back() - beats.front(), 5u * 141 - 1);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(keys[i], beats[141 * i + 1] + kLatencyCycles) << "frame " << i;
  }
}

// m_key held off: the parser takes at most KeyFifoDepth windows, then stops s_axis; released, it
// hands out every key once, in order.
TEST(ParserCosim, BackPressureLosesAndDuplicatesNothing) {
  ParserBench bench("parser_cosim_stall", 9, {.idle_percent = 0, .ready_percent = 0});
  std::mt19937_64 rng(79);
  constexpr int kFrames = 200;
  for (int i = 0; i < kFrames; ++i) bench.send(test::random_frame(rng, 64 * (1 + i % 3)), static_cast<uint8_t>(i));
  for (int i = 0; i < 500; ++i) bench.sim().tick();
  EXPECT_EQ(bench.sink().beats_received(), 0u);
  EXPECT_FALSE(bench.top().s_axis_tready);
  // Every accepted frame's window is in the FIFO or the pipeline; one more frame may be partly in.
  EXPECT_EQ(bench.latencies().size(), 0u);
  EXPECT_TRUE(bench.top().m_key_tvalid);
  for (int round = 0; round < 40 && !bench.source().idle(); ++round) {
    bench.sink().set_ready_percent(100);
    for (int i = 0; i < 3; ++i) bench.sim().tick();
    bench.sink().set_ready_percent(0);
    for (int i = 0; i < 50; ++i) bench.sim().tick();
  }
  bench.sink().set_ready_percent(35);
  ASSERT_TRUE(bench.finish(20000));
  EXPECT_TRUE(bench.report());
}

// Frames accepted while m_key is stalled never exceed the credits: KeyFifoDepth windows.
TEST(ParserCosim, StalledOutputAdmitsKeyFifoDepthWindows) {
  ParserBench bench("parser_cosim_credits", 10, {.idle_percent = 0, .ready_percent = 0});
  std::mt19937_64 rng(80);
  for (int i = 0; i < 100; ++i) bench.send(test::random_frame(rng, 60), static_cast<uint8_t>(i));
  for (int i = 0; i < 200; ++i) bench.sim().tick();
  EXPECT_EQ(bench.beat_cycles().size(), static_cast<size_t>(kKeyFifoDepth));
  bench.sink().set_ready_percent(100);
  ASSERT_TRUE(bench.finish(1000));
  EXPECT_TRUE(bench.report());
}

}  // namespace
}  // namespace conductor

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  conductor::g_argc = argc;
  conductor::g_argv = argv;
  return RUN_ALL_TESTS();
}
