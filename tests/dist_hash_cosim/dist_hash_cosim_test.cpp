// Co-simulation of rtl/dist_hash/dist_hash.sv against the HLS C++ golden model
// (hls/dist_hash): directed vectors (Microsoft's RSS verification suite) and random keys, modes,
// Toeplitz keys and bucket tables, with random idle and back-pressure; every DECISION compared bit
// for bit. Also asserts II = 1 and the latency, and the bucket table read back over AXI-Lite.
#include <Vdist_hash.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "axil_master.hpp"
#include "axis.hpp"
#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "dist_hash/rss_vectors.hpp"
#include "ports.hpp"
#include "scoreboard.hpp"
#include "sim_ctrl.hpp"

namespace conductor {
namespace {

constexpr unsigned kLatencyCycles = 5;            // dist_hash.sv LatencyCycles
constexpr uint32_t kBase = regs::DIST_HASH_BASE;  // local addresses = absolute - base

std::string print_decision(const Decision& d) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "hash=0x%08x bucket=%u site=%u member=%u valid=%d sg=%u", d.hash, d.bucket, d.site,
                d.member, d.valid, d.sg_id);
  return buf;
}

// A bench around one Verilated dist_hash: register access, key source, decision sink.
struct Bench {
  explicit Bench(uint64_t seed, int idle = 0, int stall = 0)
      : top(std::make_unique<Vdist_hash>(&ctx, "dist_hash")),
        ctrl(*top, top->ap_clk, top->ap_rst_n, "dist_hash"),
        axil(ctrl),
        src(sim::AxisSourcePorts{[this](const sim::AxisBeat& b, bool v) {
                                   sim::set_port(top->s_key_TDATA, b.data);
                                   top->s_key_TVALID = v;
                                 },
                                 [this] { return top->s_key_TREADY != 0; }},
            seed, idle),
        sink(sim::AxisSinkPorts{[this] { return top->m_dec_TVALID != 0; },
                                [this] {
                                  sim::AxisBeat b;
                                  b.data = sim::get_port(top->m_dec_TDATA);
                                  return b;
                                },
                                [this](bool r) { top->m_dec_TREADY = r; }},
             seed * 7 + 1, 100 - stall),
        board("dist_hash", print_decision) {
    ctrl.add(&src);
    ctrl.add(&sink);
    ctrl.reset();
    sink.on_beat = [this](const sim::AxisBeat& b) {
      out_cycles.push_back(ctrl.cycle());
      board.step(unpack_decision(from_words<64>(b.data.data())));
    };
    src.on_fire = [this](const sim::AxisBeat&) { in_cycles.push_back(ctrl.cycle()); };
  }

  void program(const DistHashRegs& r) {
    axil.write_ok(regs::DIST_HASH_CTRL_OFFSET, r.ctrl);
    for (unsigned i = 0; i < 10; ++i) axil.write_ok(regs::DIST_HASH_KEY0_OFFSET + 4 * i, r.key[i]);
    unsigned log2 = std::min<unsigned>(16, (r.ctrl >> regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB) & 0x1F);
    for (uint32_t b = 0; b < (1u << log2); b += 4) {
      uint32_t w = 0;
      for (unsigned j = 0; j < 4; ++j) w |= uint32_t{r.buckets[b + j]} << (8 * j);
      axil.write_ok(regs::DIST_HASH_BUCKETS_OFFSET + b, w);
    }
  }

  void send(const DistHashRegs& r, const FlowKey& k) {
    board.expect(dist_hash_model(r, k));
    sim::AxisBeat beat;
    beat.data.resize(10);
    to_words(pack(k), beat.data.data());
    src.push(std::move(beat));
  }

  bool drain(uint64_t max_cycles = 1000000) {
    return ctrl.run_until([this] { return board.outstanding() == 0 && src.idle(); }, max_cycles, "all decisions");
  }

  VerilatedContext ctx;
  std::unique_ptr<Vdist_hash> top;
  sim::SimCtrl<Vdist_hash> ctrl;
  sim::AxilMaster<Vdist_hash> axil;
  sim::AxisSource src;
  sim::AxisSink sink;
  sim::Scoreboard<Decision> board;
  std::vector<uint64_t> in_cycles, out_cycles;
};

DistHashRegs default_regs(uint32_t mode, uint32_t log2) {
  DistHashRegs r;
  r.ctrl = (mode << regs::DIST_HASH_CTRL_MODE_LSB) | (log2 << regs::DIST_HASH_CTRL_BUCKET_LOG2_LSB);
  const uint32_t resets[10] = {regs::DIST_HASH_KEY0_RESET, regs::DIST_HASH_KEY1_RESET, regs::DIST_HASH_KEY2_RESET,
                               regs::DIST_HASH_KEY3_RESET, regs::DIST_HASH_KEY4_RESET, regs::DIST_HASH_KEY5_RESET,
                               regs::DIST_HASH_KEY6_RESET, regs::DIST_HASH_KEY7_RESET, regs::DIST_HASH_KEY8_RESET,
                               regs::DIST_HASH_KEY9_RESET};
  for (unsigned i = 0; i < 10; ++i) r.key[i] = resets[i];
  for (uint32_t b = 0; b < r.buckets.size(); ++b)
    r.buckets[b] = static_cast<uint8_t>(0x80 | ((b % 5) & 0x3F) | ((b & 8) ? 0x40 : 0));
  return r;
}

FlowKey random_key(std::mt19937_64& rng) {
  FlowKey k;
  unsigned kind = rng() % 16;
  k.ip_valid = kind != 0;
  k.sg_id = static_cast<uint8_t>(rng());
  if (!k.ip_valid) return k;
  k.is_ipv6 = rng() & 1;
  auto addr = [&](std::array<uint8_t, 16>& a) {
    for (unsigned i = k.is_ipv6 ? 0 : 12; i < 16; ++i) a[i] = static_cast<uint8_t>(rng());
  };
  addr(k.src_addr);
  if (kind == 1)
    k.dst_addr = k.src_addr;  // equal addresses: the port tie-break
  else
    addr(k.dst_addr);
  const uint8_t protos[] = {6, 17, 132, 1, 58, 50, 47};
  k.proto = protos[rng() % 7];
  k.is_frag = (rng() % 8) == 0;
  bool has_ports = !k.is_frag && (k.proto == 6 || k.proto == 17 || k.proto == 132) && (rng() % 8);
  if (has_ports) {
    k.l4_valid = true;
    k.src_port = static_cast<uint16_t>(rng());
    k.dst_port = kind == 2 ? k.src_port : static_cast<uint16_t>(rng());
  }
  return k;
}

// Microsoft's RSS verification suite, IPv4 and IPv6, with and without ports, through the RTL: every
// decision equals the model's and every hash the published one.
TEST(DistHashCosim, MicrosoftRssVectors) {
  std::vector<RssVector> vectors;
  std::string error;
  ASSERT_TRUE(load_rss_vectors(CONDUCTOR_RSS_VECTORS, &vectors, &error)) << error;
  size_t v6 = 0;
  for (const auto& v : vectors) v6 += v.key.is_ipv6;
  ASSERT_GE(v6, 3u);
  ASSERT_GE(vectors.size() - v6, 5u);
  Bench b(1);
  DistHashRegs r = default_regs(0, 12);  // rss mode, Microsoft's key (the reset value)
  b.program(r);
  std::vector<uint32_t> want_hashes;
  for (const RssVector& v : vectors) {
    FlowKey k = v.key;
    b.send(r, k);
    want_hashes.push_back(v.hash_with_ports);
    k.l4_valid = false;
    k.src_port = k.dst_port = 0;
    b.send(r, k);
    want_hashes.push_back(v.hash_addresses);
  }
  std::vector<uint32_t> got_hashes;
  b.sink.on_beat = [&](const sim::AxisBeat& beat) {
    Decision d = unpack_decision(from_words<64>(beat.data.data()));
    got_hashes.push_back(d.hash);
    b.board.step(d);
  };
  ASSERT_TRUE(b.drain());
  std::printf("%s\n", b.board.summary().c_str());
  EXPECT_TRUE(b.board.clean());
  ASSERT_EQ(got_hashes.size(), want_hashes.size());
  for (size_t i = 0; i < want_hashes.size(); ++i)
    EXPECT_EQ(got_hashes[i], want_hashes[i]) << vectors[i / 2].text << (i % 2 ? " (addresses)" : " (ports)");
}

// Random keys, random configuration per batch, random idle and back-pressure.
TEST(DistHashCosim, RandomTrafficWithBackPressure) {
  std::mt19937_64 rng(20261121);
  std::printf("seed 20261121\n");
  uint64_t total = 0;
  for (int batch = 0; batch < 6; ++batch) {
    int idle = batch == 0 ? 0 : static_cast<int>(rng() % 50);
    int stall = batch == 0 ? 0 : static_cast<int>(rng() % 50);
    Bench b(rng(), idle, stall);
    uint32_t mode = static_cast<uint32_t>(rng() % 4);
    uint32_t log2 = static_cast<uint32_t>(rng() % 20);  // 17..19 exercise the clamp to 16
    if (batch == 1) log2 = 16;
    DistHashRegs r = default_regs(mode, log2);
    if (batch >= 2)
      for (auto& w : r.key) w = static_cast<uint32_t>(rng());
    for (auto& e : r.buckets) e = static_cast<uint8_t>(rng());
    b.program(r);
    for (int i = 0; i < 20000; ++i) b.send(r, random_key(rng));
    ASSERT_TRUE(b.drain()) << "batch " << batch;
    std::printf("batch %d mode %u log2 %u idle %d%% stall %d%%: %s\n", batch, mode, log2, idle, stall,
                b.board.summary().c_str());
    EXPECT_TRUE(b.board.clean()) << "batch " << batch;
    total += b.board.matched();
  }
  EXPECT_EQ(total, 6u * 20000u);
}

// II = 1 and the fixed latency: with the input never idle and the output never stalled, key i is
// accepted at cycle c0 + i and its decision leaves at c0 + i + kLatencyCycles.
TEST(DistHashCosim, InitiationIntervalAndLatency) {
  Bench b(3);
  std::mt19937_64 rng(5);
  DistHashRegs r = default_regs(1, 12);
  b.program(r);
  const int n = 1000;
  for (int i = 0; i < n; ++i) b.send(r, random_key(rng));
  ASSERT_TRUE(b.drain());
  EXPECT_TRUE(b.board.clean());
  ASSERT_EQ(b.in_cycles.size(), static_cast<size_t>(n));
  ASSERT_EQ(b.out_cycles.size(), static_cast<size_t>(n));
  for (int i = 1; i < n; ++i) ASSERT_EQ(b.in_cycles[i], b.in_cycles[0] + i) << "input II at " << i;
  for (int i = 0; i < n; ++i) ASSERT_EQ(b.out_cycles[i], b.in_cycles[i] + kLatencyCycles) << "latency at " << i;
  uint64_t cycles = b.out_cycles.back() - b.in_cycles.front() + 1;
  std::printf("%d keys in %llu cycles (II=1, latency %u)\n", n, static_cast<unsigned long long>(cycles),
              kLatencyCycles);
  EXPECT_EQ(cycles, static_cast<uint64_t>(n) + kLatencyCycles);
}

TEST(DistHashCosim, BucketTableReadsBack) {
  Bench b(4);
  std::mt19937_64 rng(9);
  DistHashRegs r = default_regs(0, 8);
  for (auto& e : r.buckets) e = static_cast<uint8_t>(rng());
  b.program(r);
  for (uint32_t w = 0; w < 64; ++w) {
    uint32_t want = 0;
    for (unsigned j = 0; j < 4; ++j) want |= uint32_t{r.buckets[4 * w + j]} << (8 * j);
    EXPECT_EQ(b.axil.read_ok(regs::DIST_HASH_BUCKETS_OFFSET + 4 * w), want) << "word " << w;
  }
  // A byte write (WSTRB) changes one bucket only.
  ASSERT_TRUE(b.axil.write(regs::DIST_HASH_BUCKETS_OFFSET + 8, 0x00C50000u, 0x4).ok());
  uint32_t want = 0;
  for (unsigned j = 0; j < 4; ++j) want |= uint32_t{r.buckets[8 + j]} << (8 * j);
  want = (want & 0xFF00FFFFu) | 0x00C50000u;
  EXPECT_EQ(b.axil.read_ok(regs::DIST_HASH_BUCKETS_OFFSET + 8), want);
  EXPECT_EQ(b.axil.read_ok(regs::DIST_HASH_CTRL_OFFSET), r.ctrl);
}

}  // namespace
}  // namespace conductor
