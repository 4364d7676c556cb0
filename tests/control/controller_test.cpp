// Controller: what it programs, minimal writes per change, verification of a corrupted device,
// reload keeping run-time state and flow state, refusals. Runs on the soft device and the fake.
#include <gtest/gtest.h>

#include <cstdio>

#include "common/gen/conductor_regs.hpp"
#include "host/config/diff.hpp"
#include "host/config/parser.hpp"
#include "host/control/controller.hpp"
#include "host/device/fake_device.hpp"
#include "host/device/soft_device.hpp"
#include "host/traffic/generator.hpp"

namespace conductor::control {
namespace {

using namespace conductor::regs;

constexpr const char* kConfig =
    "[cluster]\nactive-site = 0\n[site 0]\nname = east\n[site 1]\nname = west\n"
    "[member 0/0]\n[member 0/1]\n[member 0/2]\n[member 0/3]\nweight = 200\n"
    "[member 1/0]\n[member 1/1]\n[member 1/2]\n[member 1/3]\n[member 0/4]\n"
    "[security-group sg1]\nid = 1\nmembers = 0/0-3, 1/0-3\n"
    "[sync]\nkey = 00112233445566778899aabbccddeeff\n";

config::ClusterConfig parse(const std::string& text) {
  auto r = config::parse_config(text, "t.conf");
  EXPECT_TRUE(r.ok()) << r.errors_text();
  return r.ok() ? *r.config : config::ClusterConfig{};
}

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { null_ = std::fopen("/dev/null", "w"); }
  void TearDown() override { std::fclose(null_); }
  std::FILE* null_ = nullptr;
  Metrics metrics_;
};

TEST_F(ControllerTest, ProgramsTheActiveSiteByWeightAndBackupsAcrossSites) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  EXPECT_EQ(c.active_site(), 0);
  const auto g = c.groups();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].buckets, 4096u);
  EXPECT_EQ(g[0].unassigned, 0u);
  // Site 0 by weight 100:100:100:200; site 1 standby.
  EXPECT_EQ(c.member({0, 0})->buckets, 819u);
  EXPECT_EQ(c.member({0, 3})->buckets, 1639u);
  EXPECT_EQ(c.member({1, 0})->buckets, 0u);
  // Backups: next member of the site, same id in the other site.
  const uint16_t e = c.member({0, 3})->backup;
  EXPECT_EQ((e >> BACKUP_ENTRY_LB_MEMBER_LSB) & 0x3F, 0u);
  EXPECT_EQ((e >> BACKUP_ENTRY_RB_MEMBER_LSB) & 0x3F, 3u);
  EXPECT_EQ((e >> BACKUP_ENTRY_RB_SITE_LSB) & 1, 1u);
  // The spare 0/4 is up (status) but has no buckets and no backup entry.
  EXPECT_TRUE(c.member({0, 4})->status_up);
  EXPECT_EQ(c.member({0, 4})->backup, 0u);
  // Unconfigured members are down.
  EXPECT_FALSE(dev.model().regs().steer.member_is_up(0, 9));
  EXPECT_TRUE(c.verify().empty());
}

TEST_F(ControllerTest, MemberDownMovesOnlyItsBucketsAndClearsItsStatusBit) {
  Logger log(null_);
  device::FakeDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  const uint32_t held = c.member({0, 1})->buckets;
  dev.writes.clear();
  ASSERT_TRUE(c.set_member_admin({0, 1}, false, "test").ok());
  EXPECT_EQ(c.bucket_moves(), held);
  EXPECT_EQ(c.member({0, 1})->buckets, 0u);
  EXPECT_FALSE(c.member({0, 1})->status_up);
  // The status word is written first, then only bucket words and backup entries that changed.
  ASSERT_FALSE(dev.writes.empty());
  EXPECT_EQ(dev.writes.front(), STEER_MEMBER_UP0_ADDR);
  EXPECT_LE(dev.writes.size(), 1 + held + 128u);
  EXPECT_EQ((dev.regs[STEER_MEMBER_UP0_ADDR] >> 1) & 1, 0u);
  EXPECT_TRUE(c.verify().empty());
  // Up again: the buckets come back, the status bit is set.
  ASSERT_TRUE(c.set_member_admin({0, 1}, true, "test").ok());
  EXPECT_EQ(c.member({0, 1})->buckets, held);
  EXPECT_TRUE(c.verify().empty());
  EXPECT_EQ(metrics_.find_counter("conductord_member_admin_changes_total", {{"state", "down"}})->value(), 1u);
}

TEST_F(ControllerTest, SiteOfflineMakesTheOtherSiteActive) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  ASSERT_TRUE(c.set_site_online(0, false, "drill").ok());
  EXPECT_EQ(c.active_site(), 1);
  EXPECT_EQ(c.member({0, 0})->buckets, 0u);
  EXPECT_EQ(c.member({1, 0})->buckets, 1024u);
  EXPECT_EQ(dev.model().regs().steer.site_up, 2u);
  EXPECT_TRUE(c.verify().empty());
  // Site 0 back: no automatic flap back (failback off).
  ASSERT_TRUE(c.set_site_online(0, true, "drill over").ok());
  EXPECT_EQ(c.active_site(), 1);
  EXPECT_EQ(c.member({0, 0})->buckets, 0u);
  // Site 1 drained by member down: the ActiveSite moves back to 0.
  for (uint8_t m = 0; m < 4; ++m) ASSERT_TRUE(c.set_member_admin({1, m}, false, "t").ok());
  EXPECT_EQ(c.active_site(), 0);
  EXPECT_EQ(c.member({0, 0})->buckets, 819u);
  EXPECT_TRUE(c.verify().empty());
  EXPECT_FALSE(c.set_site_online(5, false, "t").ok());
}

TEST_F(ControllerTest, FailbackReturnsToTheActiveSite) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  std::string text = kConfig;
  text.replace(text.find("active-site = 0\n"), 16, "active-site = 0\nfailback = on\n");
  ASSERT_TRUE(c.start(parse(text)).ok());
  ASSERT_TRUE(c.set_site_online(0, false, "drill").ok());
  EXPECT_EQ(c.active_site(), 1);
  ASSERT_TRUE(c.set_site_online(0, true, "drill over").ok());
  EXPECT_EQ(c.active_site(), 0);
  EXPECT_EQ(c.member({0, 0})->buckets, 819u);
}

TEST_F(ControllerTest, VerificationReportsEveryCorruptedRegister) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  // Behind the Controller's back: bucket 5 to 1/2, member 0/3 down, site 1 down, a backup entry.
  const uint32_t w = *dev.read_reg(DIST_HASH_BUCKETS_ADDR + 4);
  ASSERT_TRUE(dev.write_reg(DIST_HASH_BUCKETS_ADDR + 4, (w & ~0xFF00u) | (0xC2u << 8)).ok());
  ASSERT_TRUE(dev.write_reg(STEER_MEMBER_UP0_ADDR, *dev.read_reg(STEER_MEMBER_UP0_ADDR) & ~8u).ok());
  ASSERT_TRUE(dev.write_reg(STEER_SITE_UP_ADDR, 1).ok());
  ASSERT_TRUE(dev.write_reg(STEER_BACKUP_ADDR + 4 * 2, 0).ok());
  ASSERT_TRUE(dev.write_reg(DIST_HASH_KEY3_ADDR, 0).ok());
  size_t total = 0;
  const auto d = c.verify(1000, &total);
  ASSERT_EQ(total, 5u);
  std::vector<std::string> text;
  for (const auto& x : d) text.push_back(x.to_string());
  EXPECT_EQ(text[0], "dist_hash KEY3: device 0x00000000, intended 0x43a38fb0");
  EXPECT_EQ(text[1].substr(0, 32), "bucket 5: device 1/2, intended 0");
  EXPECT_EQ(text[2], "MEMBER_UP0: device 0x00000017 (0/3 down), intended 0x0000001f");
  EXPECT_EQ(text[3], "SITE_UP: device 0x00000001, intended 0x00000003");
  EXPECT_EQ(text[4].substr(0, 40), "BACKUP[0/2]: device local none remote no");
  EXPECT_EQ(metrics_.find_gauge("conductord_verify_differences")->value(), 5.0);
  // The limit keeps the list short and the total exact.
  EXPECT_EQ(c.verify(2, &total).size(), 2u);
  EXPECT_EQ(total, 5u);
}

TEST_F(ControllerTest, ReloadAppliesFileChangesKeepsRunTimeStateAndFlows) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  const config::ClusterConfig a = parse(kConfig);
  ASSERT_TRUE(c.start(a).ok());
  // Flows in the table.
  GeneratorConfig g;
  g.flows = 100;
  g.sg_id = 1;
  auto gen = TrafficGenerator::create(g);
  std::vector<device::TimedFrame> frames;
  for (int i = 0; i < 500; ++i) frames.push_back({gen->next(), static_cast<uint32_t>(i)});
  ASSERT_TRUE(dev.process(frames).ok());
  const uint32_t occupancy = *dev.read_reg(FLOW_TABLE_OCCUPANCY_ADDR);
  const uint32_t rx = *dev.read_reg(PARSER_RX_PKTS_ADDR);
  ASSERT_GT(occupancy, 50u);
  // Run-time: 0/2 down. File: 0/0 weight 100 -> 300.
  ASSERT_TRUE(c.set_member_admin({0, 2}, false, "ctl").ok());
  std::string text = kConfig;
  text.replace(text.find("[member 0/0]\n"), 13, "[member 0/0]\nweight = 300\n");
  const config::ClusterConfig b = parse(text);
  const uint64_t moves_before = c.bucket_moves();
  ASSERT_TRUE(c.reload(a, config::apply_live(a, b)).ok());
  EXPECT_EQ(c.member({0, 0})->weight, 300);
  EXPECT_FALSE(c.member({0, 2})->admin_up);  // unchanged in the file: run-time state kept
  // Site 0 serves with 0/0 (300), 0/1 (100), 0/3 (200): 0/0 holds 4096 * 300 / 600.
  EXPECT_EQ(c.member({0, 0})->buckets, 2048u);
  // Minimal moves: only what 0/0 gains (1024 before) moves.
  EXPECT_EQ(c.bucket_moves() - moves_before, 1024u);
  EXPECT_TRUE(c.verify().empty());
  // Flow state and counters untouched.
  EXPECT_EQ(*dev.read_reg(FLOW_TABLE_OCCUPANCY_ADDR), occupancy);
  EXPECT_EQ(*dev.read_reg(PARSER_RX_PKTS_ADDR), rx);
}

TEST_F(ControllerTest, RefusesSecondGroupAndUnknownMembers) {
  Logger log(null_);
  device::FakeDevice dev;
  Controller c(dev, log, metrics_);
  std::string two = std::string(kConfig) + "[security-group sg2]\nid = 2\nmembers = 0/4\n";
  Status s = c.start(parse(two));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("one security group per device"), std::string::npos);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  EXPECT_EQ(c.set_member_admin({0, 9}, false, "t").error().message,
            "member 0/9 is not configured (no [member 0/9] section)");
  EXPECT_FALSE(c.set_member_weight({0, 1}, 513, "t").ok());
  EXPECT_TRUE(c.add_group_member("sg1", {0, 4}, "scale-out").ok());
  EXPECT_GT(c.member({0, 4})->buckets, 0u);
  EXPECT_FALSE(c.add_group_member("sg1", {0, 4}, "again").ok());
  EXPECT_TRUE(c.remove_group_member("sg1", {0, 4}, "scale-in").ok());
  EXPECT_EQ(c.member({0, 4})->buckets, 0u);
  EXPECT_TRUE(c.verify().empty());
}

// Several weights in one call (conductor sim's `weights` event): all checked before any applies,
// then one recomputation, so the table is the one a single BucketAllocator::set_weights gives.
TEST_F(ControllerTest, SetMemberWeightsRebalancesOnce) {
  Logger log(null_);
  device::FakeDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  BucketAllocator want = c.allocator();
  Weights next = want.weights();
  next[{0, 1}] = 300;
  next[{0, 2}] = 0;
  ASSERT_TRUE(want.set_weights(next).ok());
  const uint64_t rebalances = metrics_.find_counter("conductord_rebalances_total")->value();
  ASSERT_TRUE(c.set_member_weights({{{0, 1}, 300}, {{0, 2}, 0}}, "test").ok());
  EXPECT_EQ(metrics_.find_counter("conductord_rebalances_total")->value(), rebalances + 1);
  EXPECT_EQ(c.allocator().table(), want.table());
  EXPECT_EQ(c.member({0, 1})->weight, 300u);
  EXPECT_EQ(c.member({0, 2})->weight, 0u);
  EXPECT_EQ(c.member({0, 2})->backup, 0u);  // weight 0: not a candidate for the backup map
  EXPECT_TRUE(c.verify().empty());
  // One bad entry refuses the whole list; nothing changes and nothing is written.
  dev.writes.clear();
  EXPECT_EQ(c.set_member_weights({{{0, 1}, 100}, {{0, 9}, 100}}, "test").error().message,
            "member 0/9 is not configured (no [member 0/9] section)");
  EXPECT_FALSE(c.set_member_weights({{{0, 1}, 100}, {{0, 3}, 513}}, "test").ok());
  EXPECT_EQ(c.member({0, 1})->weight, 300u);
  EXPECT_TRUE(dev.writes.empty());
  // Unchanged weights: no recomputation.
  ASSERT_TRUE(c.set_member_weights({{{0, 1}, 300}}, "test").ok());
  EXPECT_EQ(metrics_.find_counter("conductord_rebalances_total")->value(), rebalances + 1);
  EXPECT_TRUE(dev.writes.empty());
}

// ControllerOptions::default_dest (conductor sim --default-dest): DEFAULT_DEST stays on the pinned
// member whatever serves; without it the rule follows the ActiveSite's first serving member.
TEST_F(ControllerTest, DefaultDestFollowsTheRuleUnlessPinned) {
  Logger log(null_);
  const uint32_t to_0_1 = (1u << PARSER_DEFAULT_DEST_MEMBER_LSB) | (0u << PARSER_DEFAULT_DEST_SITE_LSB);
  const uint32_t to_1_2 = (2u << PARSER_DEFAULT_DEST_MEMBER_LSB) | (1u << PARSER_DEFAULT_DEST_SITE_LSB);
  device::FakeDevice rule_dev;
  Controller rule(rule_dev, log, metrics_);
  ASSERT_TRUE(rule.start(parse(kConfig)).ok());
  EXPECT_EQ(rule_dev.regs[PARSER_DEFAULT_DEST_ADDR], 0u);  // 0/0
  ASSERT_TRUE(rule.set_member_admin({0, 0}, false, "test").ok());
  EXPECT_EQ(rule_dev.regs[PARSER_DEFAULT_DEST_ADDR], to_0_1);
  Metrics metrics;
  device::FakeDevice pinned_dev;
  Controller pinned(pinned_dev, log, metrics, ControllerOptions{.default_dest = MemberId{1, 2}});
  ASSERT_TRUE(pinned.start(parse(kConfig)).ok());
  EXPECT_EQ(pinned_dev.regs[PARSER_DEFAULT_DEST_ADDR], to_1_2);
  EXPECT_EQ(pinned.intended_default_dest(), to_1_2);
  ASSERT_TRUE(pinned.set_member_admin({0, 0}, false, "test").ok());
  ASSERT_TRUE(pinned.set_site_online(0, false, "test").ok());
  EXPECT_EQ(pinned_dev.regs[PARSER_DEFAULT_DEST_ADDR], to_1_2);
  EXPECT_TRUE(pinned.verify().empty());
}

TEST_F(ControllerTest, DeviceWriteFailureIsReportedAndCounted) {
  Logger log(null_);
  device::FakeDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  dev.fail_writes.insert(STEER_MEMBER_UP0_ADDR);
  Status s = c.set_member_admin({0, 1}, false, "t");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(metrics_.find_counter("conductord_device_write_errors_total")->value(), 1u);
  dev.fail_writes.clear();
  // The intended state says down; the device does not: verification shows it.
  size_t total = 0;
  c.verify(10, &total);
  EXPECT_GT(total, 0u);
}

TEST_F(ControllerTest, HealthFailureMovesConnectionsToBackups) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  ASSERT_TRUE(c.start(parse(kConfig)).ok());
  GeneratorConfig g;
  g.flows = 50;
  g.sg_id = 1;
  g.arp_permille = 50;  // frames the parser cannot key go to DEFAULT_DEST, which follows 0/0's failure
  g.malformed_permille = 50;
  auto gen = TrafficGenerator::create(g);
  std::vector<device::TimedFrame> frames;
  for (int i = 0; i < 300; ++i) frames.push_back({gen->next(), static_cast<uint32_t>(i)});
  ASSERT_TRUE(dev.process(frames).ok());
  ASSERT_TRUE(c.set_member_health({0, 0}, false, "heartbeat timeout").ok());
  auto out = dev.process(frames);
  ASSERT_TRUE(out.ok());
  for (const auto& r : *out) {
    if (r.deliver) EXPECT_FALSE(r.site == 0 && r.member == 0);
  }
  EXPECT_GT(*dev.read_reg(STEER_FAILOVER_ADDR), 0u);
  EXPECT_EQ(*dev.read_reg(PARSER_DEFAULT_DEST_ADDR), 1u);  // 0/1: the first serving member of site 0
  EXPECT_TRUE(c.verify().empty());
}

// HyperSync (program_sync): identities from the orchestrators, [sync] delay as ageing sweeps.
constexpr const char* kOrchestrators =
    "[site 0]\nname = east\nvirtual-addresses = 127.0.0.100\n[site 1]\nname = west\nvirtual-addresses = "
    "127.0.1.100\n[orchestrator east-a]\nsite = 0\naddress = 127.0.0.11\n[orchestrator east-b]\nsite = 0\naddress = "
    "127.0.0.12\n[orchestrator west-a]\nsite = 1\naddress = 127.0.1.11\n"
    "[member 0/0]\n[member 1/0]\n[security-group sg1]\nid = 1\nmembers = 0/0, 1/0\n"
    "[sync]\nkey = 00112233445566778899aabbccddeeff\ndelay = 5s\nflush = 2ms\nmtu = 9000\nport = 18116\n";

TEST(SyncSettings, OrchestratorIdentitiesAndPeer) {
  const config::ClusterConfig c = parse(kOrchestrators);
  EXPECT_EQ(orchestrator_sync_byte(c, "east-a"), 0x3F);  // site 0, member 63
  EXPECT_EQ(orchestrator_sync_byte(c, "east-b"), 0x3E);  // site 0, member 62
  EXPECT_EQ(orchestrator_sync_byte(c, "west-a"), 0x7F);  // site 1, member 63
  EXPECT_EQ(orchestrator_sync_byte(c, "nobody"), std::nullopt);
  SyncSettings a = make_sync_settings(c, "east-a", 7);
  EXPECT_EQ(a.self, 0x3F);
  EXPECT_EQ(a.destination, 0x3E);
  EXPECT_EQ(a.source_ip, 0x7F00000Bu);
  EXPECT_EQ(a.destination_ip, 0x7F00000Cu);
  EXPECT_EQ(a.epoch, 7u);
  EXPECT_EQ(a.members, (std::array<uint32_t, 4>{0, 0xC0000000u, 0, 0x80000000u}));
  EXPECT_EQ(make_sync_settings(c, "east-b", 7).destination, 0x3E ^ 1);  // east-a
  EXPECT_EQ(make_sync_settings(c, "", 7), a);                           // no --name: orchestrator 0 of active-site 0
  // No peer in its site: every member, the limited broadcast.
  const SyncSettings w = make_sync_settings(c, "west-a", 7);
  EXPECT_EQ(w.self, 0x7F);
  EXPECT_EQ(w.destination, 0xFF);
  EXPECT_EQ(w.destination_ip, 0xFFFFFFFFu);
  EXPECT_TRUE(check_sync_identities(c).empty());
  const auto clash = check_sync_identities(parse(std::string(kOrchestrators) + "[member 0/62]\n"));
  ASSERT_EQ(clash.size(), 1u);
  EXPECT_NE(clash[0].find("[member 0/62] has the HyperSync member byte of [orchestrator east-b]"), std::string::npos);
}

// docs/flow_table.md, "Maturing": N = ceil(delay / sweep period) + 1, so a connection matures after
// at least `delay` at line rate.
TEST(SyncSettings, SweepsFromDelay) {
  using std::chrono::milliseconds, std::chrono::seconds;
  const uint32_t units = 2 * 32768 + 16;  // the default table: 1.79 s per sweep at 8192 frames per AGE op
  EXPECT_EQ(sweep_period_us(8192, units), 1790006u);
  EXPECT_EQ(sync_sweeps(seconds{3}, 8192, units), 3u);  // matures 3.58 .. 5.37 s after its insert
  EXPECT_EQ(sync_sweeps(milliseconds{1790}, 8192, units), 2u);
  EXPECT_EQ(sync_sweeps(milliseconds{1}, 8192, units), 2u);
  EXPECT_EQ(sync_sweeps(milliseconds{25060}, 8192, units), 15u);
  EXPECT_EQ(sync_sweeps(seconds{26}, 8192, units), std::nullopt);  // beyond the field
  EXPECT_EQ(sync_sweeps(seconds{27}, 16384, units), 9u);           // slower sweep: fewer
  EXPECT_EQ(sync_sweeps(seconds{60}, 0, units), 1u);               // no ageing
}

TEST_F(ControllerTest, ProgramsHyperSyncAndVerifiesIt) {
  Logger log(null_);
  device::SoftDevice dev;
  Controller c(dev, log, metrics_);
  const config::ClusterConfig cfg = parse(kOrchestrators);
  ASSERT_TRUE(c.start(cfg).ok());
  ASSERT_TRUE(c.device_has_sync_decoder());
  ASSERT_TRUE(c.program_sync(make_sync_settings(cfg, "east-a", 1234)).ok());
  auto reg = [&](uint32_t addr) { return *dev.read_reg(addr); };
  EXPECT_EQ(reg(STEER_SYNC_ADDR), 0x3E01u);  // ENABLE, not AT_INSERT, DEST east-b
  EXPECT_EQ(reg(FLOW_TABLE_SYNC_MATURE_ADDR), 4u | FLOW_TABLE_SYNC_MATURE_KEEPALIVE_MASK);  // ceil(5 s / 1.79 s) + 1
  EXPECT_EQ(reg(SYNC_ENCODER_SOURCE_ADDR), 0x3Fu);
  EXPECT_EQ(reg(SYNC_ENCODER_EPOCH_ADDR), 1234u);
  EXPECT_EQ(reg(SYNC_ENCODER_MTU_ADDR), 9000u);
  EXPECT_EQ(reg(SYNC_ENCODER_FLUSH_CYCLES_ADDR), 600000u);  // 2 ms at 300 MHz
  EXPECT_EQ(reg(SYNC_ENCODER_KEY0_ADDR), 0x33221100u);      // key byte 0 in bits 7:0
  EXPECT_EQ(reg(SYNC_ENCODER_KEY3_ADDR), 0xFFEEDDCCu);
  EXPECT_EQ(reg(SYNC_ENCODER_SRC_IP_ADDR), 0x7F00000Bu);
  EXPECT_EQ(reg(SYNC_ENCODER_UDP_PORTS_ADDR), 0x46C446C4u);  // 18116 both
  EXPECT_EQ(reg(SYNC_ENCODER_DEST0_MEMBER_ADDR), 0x13Eu);
  EXPECT_EQ(reg(SYNC_ENCODER_DEST0_IP_ADDR), 0x7F00000Cu);
  EXPECT_EQ(reg(SYNC_ENCODER_DELAY_DEFAULT_ADDR), 0u);
  EXPECT_EQ(reg(SYNC_DECODER_SELF_ADDR), 0x3Fu);
  EXPECT_EQ(reg(SYNC_DECODER_MEMBERS1_ADDR), 0xC0000000u);
  EXPECT_EQ(reg(SYNC_DECODER_MEMBERS3_ADDR), 0x80000000u);
  EXPECT_EQ(reg(SYNC_DECODER_KEY0_CTRL_ADDR), 1u);
  EXPECT_EQ(reg(SYNC_DECODER_KEY0_3_ADDR), 0xFFEEDDCCu);
  EXPECT_EQ(reg(SYNC_DECODER_FRAMES_ADDR), 0u);  // the soft device's decoder counts nothing yet
  EXPECT_TRUE(c.verify().empty());
  // Behind the Controller's back: verification names the register.
  ASSERT_TRUE(dev.write_reg(SYNC_DECODER_KEY0_1_ADDR, 0).ok());
  const auto d = c.verify();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].to_string(), "sync_decoder KEY0_1: device 0x00000000, intended 0x77665544");
  ASSERT_TRUE(dev.write_reg(SYNC_DECODER_KEY0_1_ADDR, 0x77665544).ok());
  // The same settings again: nothing written. A new delay of 0: only steer SYNC (AT_INSERT) and SWEEPS.
  const uint64_t writes = c.device_writes();
  ASSERT_TRUE(c.program_sync(make_sync_settings(cfg, "east-a", 1234)).ok());
  EXPECT_EQ(c.device_writes(), writes);
  config::ClusterConfig now = cfg;
  now.sync.delay = config::Duration{0};
  ASSERT_TRUE(c.program_sync(make_sync_settings(now, "east-a", 1234)).ok());
  EXPECT_EQ(c.device_writes(), writes + 2);
  EXPECT_EQ(reg(STEER_SYNC_ADDR), 0x3E03u);
  EXPECT_EQ(reg(FLOW_TABLE_SYNC_MATURE_ADDR), 0u);
  EXPECT_TRUE(c.verify().empty());
  // Values the device cannot hold: refused by name, nothing written.
  now.sync.mtu = 9216;
  Status s = c.program_sync(make_sync_settings(now, "east-a", 1234));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("[sync] mtu 9216: the device's sync_encoder sends frames of at most 9000", 0), 0u)
      << s.error().message;
  now.sync.mtu = 1500;
  now.sync.delay = std::chrono::seconds{60};
  s = c.program_sync(make_sync_settings(now, "east-a", 1234));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("[sync] delay 1min: the device's ageing sweep takes 1790 ms", 0), 0u)
      << s.error().message;
  EXPECT_EQ(c.device_writes(), writes + 2);
  EXPECT_TRUE(c.verify().empty());
}

// A device without a sync_decoder (the Verilated core; here the fake, whose decoder GEOMETRY reads
// 0): the feed and the encoder are programmed, the decoder is left alone and not verified.
TEST_F(ControllerTest, HyperSyncWithoutADecoder) {
  Logger log(null_);
  device::FakeDevice dev;
  dev.regs[SYNC_ENCODER_GEOMETRY_ADDR] = SYNC_ENCODER_MAX_MTU;
  dev.regs[STEER_AGE_FRAMES_ADDR] = STEER_AGE_FRAMES_RESET;
  dev.regs[FLOW_TABLE_GEOMETRY_ADDR] = 15u | (16u << FLOW_TABLE_GEOMETRY_STASH_SIZE_LSB);
  dev.regs[FLOW_TABLE_CTRL_ADDR] = FLOW_TABLE_CTRL_RESET;
  Controller c(dev, log, metrics_);
  const config::ClusterConfig cfg = parse(kOrchestrators);
  ASSERT_TRUE(c.start(cfg).ok());
  ASSERT_FALSE(c.device_has_sync_decoder());
  dev.writes.clear();
  ASSERT_TRUE(c.program_sync(make_sync_settings(cfg, "west-a", 1)).ok());
  for (uint32_t a : dev.writes) EXPECT_FALSE(a >= SYNC_DECODER_BASE && a < SYNC_DECODER_BASE + SYNC_DECODER_SIZE);
  EXPECT_EQ(dev.regs[STEER_SYNC_ADDR], 0xFF01u);  // west-a has no peer: every member
  EXPECT_EQ(dev.regs[FLOW_TABLE_SYNC_MATURE_ADDR], 4u | FLOW_TABLE_SYNC_MATURE_KEEPALIVE_MASK);
  EXPECT_EQ(dev.regs[SYNC_ENCODER_COUNTER_CLEAR_ADDR], SYNC_ENCODER_COUNTER_CLEAR_SEQ_MASK);  // new epoch
  EXPECT_TRUE(c.verify().empty());
  // A new key: the feed goes off first, the four key words change, the feed comes back last.
  config::ClusterConfig rekeyed = cfg;
  rekeyed.sync.key[0] = 0xAA;
  dev.writes.clear();
  ASSERT_TRUE(c.program_sync(make_sync_settings(rekeyed, "west-a", 1)).ok());
  EXPECT_EQ(dev.writes, (std::vector<uint32_t>{STEER_SYNC_ADDR, SYNC_ENCODER_KEY0_ADDR, STEER_SYNC_ADDR}));
  EXPECT_EQ(dev.regs[STEER_SYNC_ADDR], 0xFF01u);
  // A write the device refuses: the new values stay intended, the feed stays off, and verification
  // shows both.
  dev.fail_writes.insert(SYNC_ENCODER_KEY0_ADDR);
  EXPECT_FALSE(c.program_sync(make_sync_settings(cfg, "west-a", 1)).ok());
  const auto d = c.verify();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].to_string(), "sync_encoder KEY0: device 0x332211aa, intended 0x33221100");
  EXPECT_EQ(d[1].to_string(), "steer SYNC: device 0x0000ff00, intended 0x0000ff01");
}

}  // namespace
}  // namespace conductor::control
