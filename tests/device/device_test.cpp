// Device back ends: identity checks, address checks, and that `soft` (CoreModel behind the
// register-file emulation) answers every register access exactly as `sim` (the Verilated core):
// the same programming sequence, random writes to every register of the core's blocks, unmapped
// addresses, window words, and frames through the data path.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "common/gen/conductor_regs.hpp"
#include "host/config/parser.hpp"
#include "host/control/controller.hpp"
#include "host/device/fake_device.hpp"
#include "host/device/soft_device.hpp"
#include "host/traffic/generator.hpp"
#ifdef CONDUCTOR_HAVE_SIM_DEVICE
#include "host/device/sim_device.hpp"
#endif

namespace conductor::device {
namespace {

using namespace conductor::regs;

// The result of one access, comparable across back ends.
struct Access {
  bool ok = false;
  uint32_t value = 0;
  friend bool operator==(const Access&, const Access&) = default;
};

Access read(Device& d, uint32_t addr) {
  auto v = d.read_reg(addr);
  return v ? Access{true, *v} : Access{false, 0};
}

// Every address worth checking: each register of every block, the first, last and some middle
// words of each window, gaps inside blocks, addresses between blocks and in blocks outside the core.
std::vector<uint32_t> probe_addresses() {
  std::vector<uint32_t> a;
  for (const RegInfo& r : kRegisters) a.push_back(r.addr);
  for (const WindowInfo& w : kWindows)
    for (uint32_t off : {0u, 4u, w.size / 2, w.size - 4}) a.push_back(w.addr + off);
  for (const BlockInfo& b : kBlocks)
    for (uint32_t off : {0x3Cu, 0x100u, 0x800u, b.size - 4}) a.push_back(b.base + off);
  for (uint32_t x : {0x2000u, 0x10000u, 0x50000u, 0x7FFFCu, 0xFFFFCu}) a.push_back(x);
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  // The sync_decoder sits beside the core: the soft device serves it, the Verilated core has none
  // (SoftDevice.ServesTheSyncDecoderBlock covers it).
  std::erase_if(a, [](uint32_t x) { return x >= SYNC_DECODER_BASE && x < SYNC_DECODER_BASE + SYNC_DECODER_SIZE; });
  return a;
}

config::ClusterConfig example_config() {
  auto r = config::parse_config(
      "[site 0]\n[site 1]\n"
      "[member 0/0]\n[member 0/1]\nweight = 300\n[member 0/2]\n[member 0/5]\nweight = 50\n"
      "[member 1/0]\n[member 1/1]\n[member 1/2]\nadmin = down\n"
      "[security-group sg1]\nid = 3\nmembers = 0/0-2, 0/5, 1/0-2\n"
      "[sync]\nkey = 00112233445566778899aabbccddeeff\n[hash]\nmode = sym-ip\nbuckets = 4096\n",
      "dev.conf");
  EXPECT_TRUE(r.ok()) << r.errors_text();
  return *r.config;
}

TEST(Identity, SoftIsAConductorCore) {
  SoftDevice d;
  auto id = d.identity();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->magic, ID_MAGIC_RESET);
  EXPECT_EQ(id->bucket_log2_max(), 16u);
  EXPECT_EQ(id->max_sites(), 2u);
  EXPECT_EQ(id->max_members(), 64u);
  EXPECT_TRUE(check_identity(*id, d.kind(), 65536).ok());
}

TEST(Identity, RefusesWrongMagicVersionAndSmallTables) {
  FakeDevice d;
  auto good = d.identity();
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(check_identity(*good, "fake", 4096).ok());

  Identity bad_magic = *good;
  bad_magic.magic = 0x12345678;
  Status s = check_identity(bad_magic, "fake", 4096);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "fake device: ID magic is 0x12345678 ('.4Vx'), expected 0x434e4452 ('CNDR'): not a Conductor core");

  Identity bad_version = *good;
  bad_version.version = 0x00020001;
  s = check_identity(bad_version, "fake", 4096);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "fake device: register map version 2.1, this build speaks major version 1 (0x00010000)");

  Identity small = *good;
  small.caps = (10u << ID_CAPS_BUCKET_LOG2_MAX_LSB) | (2u << ID_CAPS_MAX_SITES_LSB) | (64u << ID_CAPS_MAX_MEMBERS_LSB);
  s = check_identity(small, "fake", 4096);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "fake device: its bucket table holds 2^10 entries, the configuration asks for 4096 ([hash] buckets)");

  Identity one_site = *good;
  one_site.caps =
      (16u << ID_CAPS_BUCKET_LOG2_MAX_LSB) | (1u << ID_CAPS_MAX_SITES_LSB) | (64u << ID_CAPS_MAX_MEMBERS_LSB);
  EXPECT_FALSE(check_identity(one_site, "fake", 4096).ok());

  d.fail_reads.insert(ID_VERSION_ADDR);
  auto failed = d.identity();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("reading the ID block"), std::string::npos);
}

TEST(SoftDevice, RejectsUnalignedOutOfRangeAndUnmapped) {
  SoftDevice d;
  EXPECT_EQ(d.write_reg(0x41022, 1).error().message, "register address 0x00041022 is not word-aligned");
  EXPECT_EQ(d.read_reg(0x100000).error().message,
            "register address 0x00100000 is beyond the core's 20-bit register port");
  EXPECT_EQ(d.read_reg(0x41100).error().message,
            "soft device: read of 0x00041100: no register of block steer there (SLVERR)");
  EXPECT_EQ(d.write_reg(0x50000, 1).error().message, "soft device: write to 0x00050000: no block decodes it (SLVERR)");
}

// The soft device serves the sync_decoder block (conductord programs it): its registers hold what
// is written (fields only), GEOMETRY is the default build's, counters read 0, COUNTER_CLEAR is
// accepted; addresses between its registers answer SLVERR as everywhere.
TEST(SoftDevice, ServesTheSyncDecoderBlock) {
  SoftDevice d;
  EXPECT_EQ(*d.read_reg(SYNC_DECODER_GEOMETRY_ADDR) & SYNC_DECODER_GEOMETRY_MAX_MTU_MASK, SYNC_DECODER_MAX_MTU);
  ASSERT_TRUE(d.write_reg(SYNC_DECODER_SELF_ADDR, 0xFFFFFFFF).ok());
  EXPECT_EQ(*d.read_reg(SYNC_DECODER_SELF_ADDR), 0x7Fu);  // MEMBER is 7 bits
  ASSERT_TRUE(d.write_reg(SYNC_DECODER_KEY3_3_ADDR, 0x12345678).ok());
  EXPECT_EQ(*d.read_reg(SYNC_DECODER_KEY3_3_ADDR), 0x12345678u);
  for (uint32_t a = SYNC_DECODER_FRAMES_ADDR; a <= SYNC_DECODER_RECORD_COUNT_MISMATCH_ADDR; a += 4)
    if (a <= SYNC_DECODER_NOT_SYNC_ADDR || a >= SYNC_DECODER_TRUNCATED_ADDR) EXPECT_EQ(*d.read_reg(a), 0u) << a;
  EXPECT_TRUE(d.write_reg(SYNC_DECODER_COUNTER_CLEAR_ADDR, 3).ok());
  EXPECT_EQ(d.read_reg(SYNC_DECODER_BASE + 0x300).error().message,
            "soft device: read of 0x00081300: no register of block sync_decoder there (SLVERR)");
}

TEST(SoftDevice, FieldsStrobesAndCounterClear) {
  SoftDevice d;
  ASSERT_TRUE(d.write_reg(DIST_HASH_CTRL_ADDR, 0xFFFFFFFF).ok());
  EXPECT_EQ(*d.read_reg(DIST_HASH_CTRL_ADDR), 0x1F03u);                   // MODE and BUCKET_LOG2 only
  ASSERT_TRUE(d.write_reg(STEER_MEMBER_UP0_ADDR, 0x00000000, 0x2).ok());  // byte 1 only
  EXPECT_EQ(*d.read_reg(STEER_MEMBER_UP0_ADDR), 0xFFFF00FFu);
  EXPECT_FALSE(d.model().regs().steer.member_is_up(0, 8));
  ASSERT_TRUE(d.write_reg(STEER_BACKUP_ADDR + 4 * 3, 0xFFFFFFFF).ok());
  EXPECT_EQ(*d.read_reg(STEER_BACKUP_ADDR + 4 * 3), 0xFF7Fu);  // BACKUP_ENTRY bit 7 is not stored
  ASSERT_TRUE(d.write_reg(DIST_HASH_BUCKETS_ADDR + 8, 0x8182, 0x3).ok());
  EXPECT_EQ(d.model().regs().hash.buckets[8], 0x82);
  EXPECT_EQ(d.model().regs().hash.buckets[9], 0x81);
  ASSERT_TRUE(d.write_reg(ID_MAGIC_ADDR, 0).ok());  // const: ignored
  EXPECT_EQ(*d.read_reg(ID_MAGIC_ADDR), ID_MAGIC_RESET);
}

#ifdef CONDUCTOR_HAVE_SIM_DEVICE

// Registers that count what the pipeline does rather than what the map holds: steer.INFLIGHT_MAX
// (the model has no in-flight table) and, once frames ran, flow_table.HITS (the RTL looks a frame
// up before the ops of the frames just ahead of it have landed; the in-flight table supplies their
// entries, so some lookups the model counts as hits are misses of the table there).
void expect_same_map(Device& soft, Device& sim, const std::string& when, bool after_traffic = false) {
  size_t mismatches = 0;
  for (uint32_t a : probe_addresses()) {
    const Access s = read(soft, a), r = read(sim, a);
    if ((a == STEER_INFLIGHT_MAX_ADDR || (after_traffic && a == FLOW_TABLE_HITS_ADDR)) && s.ok && r.ok) continue;
    if (!(s == r)) {
      ++mismatches;
      ADD_FAILURE() << when << ": " << hex32(a) << " soft " << (s.ok ? hex32(s.value) : "SLVERR") << " sim "
                    << (r.ok ? hex32(r.value) : "SLVERR");
    }
  }
  // The whole bucket table and backup map.
  for (uint32_t w = 0; w < DIST_HASH_BUCKETS_WORDS; ++w) {
    const uint32_t a = DIST_HASH_BUCKETS_ADDR + 4 * w;
    if (!(read(soft, a) == read(sim, a)) && ++mismatches < 10) ADD_FAILURE() << when << ": bucket word " << w;
  }
  for (uint32_t w = 0; w < STEER_BACKUP_WORDS; ++w) {
    const uint32_t a = STEER_BACKUP_ADDR + 4 * w;
    if (!(read(soft, a) == read(sim, a)) && ++mismatches < 10) ADD_FAILURE() << when << ": backup word " << w;
  }
  EXPECT_EQ(mismatches, 0u) << when;
}

TEST(DeviceEquivalence, ResetStateIsTheSame) {
  SoftDevice soft;
  SimDevice sim;
  expect_same_map(soft, sim, "after reset");
  auto a = soft.identity(), b = sim.identity();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->to_string(), b->to_string());
}

TEST(DeviceEquivalence, ControllerProgrammingReadsBackTheSame) {
  FILE* null = std::fopen("/dev/null", "w");
  control::Logger log(null);
  control::Metrics m1, m2;
  SoftDevice soft;
  SimDevice sim;
  control::Controller c1(soft, log, m1), c2(sim, log, m2);
  const config::ClusterConfig cfg = example_config();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c1.start(cfg).ok());
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c2.start(cfg).ok());
  const auto t2 = std::chrono::steady_clock::now();
  std::printf(
      "programming 4096 buckets + status + backups (%llu writes): soft %.3f ms, sim %.3f ms (%llu cycles)\n",
      static_cast<unsigned long long>(c1.device_writes()), std::chrono::duration<double, std::milli>(t1 - t0).count(),
      std::chrono::duration<double, std::milli>(t2 - t1).count(), static_cast<unsigned long long>(sim.cycles()));
  expect_same_map(soft, sim, "after programming");
  for (auto* c : {&c1, &c2}) {
    ASSERT_TRUE(c->set_member_admin(MemberId{0, 1}, false, "test").ok());
    ASSERT_TRUE(c->set_site_online(1, false, "test").ok());
    ASSERT_TRUE(c->set_member_weight(MemberId{0, 5}, 512, "test").ok());
  }
  expect_same_map(soft, sim, "after member down, site offline, weight");
  EXPECT_TRUE(c1.verify().empty());
  EXPECT_TRUE(c2.verify().empty());
  std::fclose(null);
}

TEST(DeviceEquivalence, RandomWritesToEveryAddressReadBackTheSame) {
  SoftDevice soft;
  SimDevice sim;
  std::mt19937 rng(7);
  const auto addrs = probe_addresses();
  for (int round = 0; round < 3; ++round) {
    for (uint32_t a : addrs) {
      // Leave the ID SCRATCH alone? No: every register, including w1p COUNTER_CLEARs.
      const uint32_t v = rng();
      const uint8_t strb = static_cast<uint8_t>(rng() & 0xF);
      const bool s_ok = soft.write_reg(a, v, strb).ok();
      const bool r_ok = sim.write_reg(a, v, strb).ok();
      EXPECT_EQ(s_ok, r_ok) << "write " << hex32(a);
    }
    expect_same_map(soft, sim, "after random writes, round " + std::to_string(round));
  }
}

TEST(DeviceEquivalence, FramesGiveTheSameAnswersAndCounters) {
  FILE* null = std::fopen("/dev/null", "w");
  control::Logger log(null);
  control::Metrics m1, m2;
  SoftDevice soft;
  SimDevice sim;
  control::Controller c1(soft, log, m1), c2(sim, log, m2);
  const config::ClusterConfig cfg = example_config();
  ASSERT_TRUE(c1.start(cfg).ok());
  ASSERT_TRUE(c2.start(cfg).ok());
  // Age often, so that AGE_OPS (and the flow table's ageing counters) are compared too.
  ASSERT_TRUE(soft.write_reg(STEER_AGE_FRAMES_ADDR, 16).ok());
  ASSERT_TRUE(sim.write_reg(STEER_AGE_FRAMES_ADDR, 16).ok());
  GeneratorConfig g;
  g.flows = 64;
  g.sg_id = 3;
  auto gen = TrafficGenerator::create(g);
  ASSERT_TRUE(gen.ok());
  std::vector<TimedFrame> frames;
  for (uint32_t i = 0; i < 400; ++i) frames.push_back(TimedFrame{gen->next(), 10 * i});
  // One frame per call: the core drains between frames, so its op engine keeps up and no
  // flow-table op is dropped (a software data path has no op queue and never drops one;
  // docs/architecture.md, "Learning never waits"). Back to back, the two may differ by design.
  auto one_by_one = [](Device& d, const std::vector<TimedFrame>& in) -> Expected<std::vector<FrameResult>> {
    std::vector<FrameResult> out;
    for (const TimedFrame& f : in) {
      auto r = d.process({f});
      if (!r) return r.error();
      out.insert(out.end(), r->begin(), r->end());
    }
    return out;
  };
  auto a = one_by_one(soft, frames);
  auto b = one_by_one(sim, frames);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i], (*b)[i]) << "frame " << i;
  // A member fails: its connections fail over the same way on both.
  for (auto* c : {&c1, &c2}) ASSERT_TRUE(c->set_member_admin(MemberId{0, 0}, false, "test").ok());
  a = one_by_one(soft, frames);
  b = one_by_one(sim, frames);
  ASSERT_TRUE(a.ok() && b.ok());
  size_t failovers = 0;
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i], (*b)[i]) << "frame " << i << " after member down";
    failovers += (*a)[i].action == 3;
  }
  EXPECT_GT(failovers, 0u);
  EXPECT_EQ(*soft.read_reg(STEER_AGE_OPS_ADDR), 800u / 16);
  expect_same_map(soft, sim, "after traffic", true);
  std::fclose(null);
}

#endif

}  // namespace
}  // namespace conductor::device
