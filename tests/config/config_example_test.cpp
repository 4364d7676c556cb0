// The checked-in example parses to exactly the model it describes, and the model survives
// to_text() -> parse_config() unchanged.
#include <gtest/gtest.h>

#include "host/config/parser.hpp"
#include "host/config/values.hpp"
#include "tests/config/config_test_util.hpp"

namespace conductor::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

IpAddress ip(const char* s) { return *parse_ip(s); }

SyncKey sync_key(const char* s) {
  SyncKey k{};
  const std::vector<uint8_t> bytes = *parse_hex(s, kSyncKeyBytes, kSyncKeyBytes);
  std::copy(bytes.begin(), bytes.end(), k.begin());
  return k;
}

ClusterConfig expected_example() {
  ClusterConfig c{
      .cluster = {.name = "lab", .active_site = 0},
      .sites = {{.id = 0,
                 .name = "east",
                 .vrid = 10,
                 .advert_interval_cs = 20,
                 .preempt = true,
                 .virtual_addresses = {ip("198.18.0.1")}},
                {.id = 1,
                 .name = "west",
                 .vrid = 20,
                 .advert_interval_cs = 20,
                 .preempt = true,
                 .virtual_addresses = {ip("198.19.0.1")}}},
      .orchestrators = {{.name = "east-a", .site = 0, .address = ip("198.18.0.2"), .priority = 200},
                        {.name = "east-b", .site = 0, .address = ip("198.18.0.3"), .priority = 100},
                        {.name = "west-a", .site = 1, .address = ip("198.19.0.2"), .priority = 200},
                        {.name = "west-b", .site = 1, .address = ip("198.19.0.3"), .priority = 100}},
      .groups = {{.name = "sg1", .id = 1, .members = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 0}, {1, 1}, {1, 2}, {1, 3}}}},
      .autoscale = {{.group = "sg1",
                     .enabled = true,
                     .min_members = 8,
                     .max_members = 10,
                     .spares = {{0, 4}, {1, 4}},
                     .scale_out_cpu_percent = 75,
                     .scale_in_cpu_percent = 30,
                     .scale_out_bps = 40'000'000'000,
                     .scale_in_bps = 10'000'000'000,
                     .scale_out_after = minutes{1},
                     .scale_in_after = minutes{10},
                     .cooldown = minutes{5}}},
      .timers = {.heartbeat_interval = milliseconds{50}, .heartbeat_timeout = milliseconds{150}},
      .sync = {.port = 8116,
               .key = sync_key("3f8a0c6d2b1e4f5a9c7d8e0f1a2b3c4d"),
               .delay = seconds{3},
               .flush = milliseconds{1},
               .mtu = 1500},
      .control = {.socket = "/run/conductor/conductord.sock",
                  .socket_group = "conductor",
                  .metrics = Endpoint{ip("127.0.0.1"), 9816},
                  .log_level = LogLevel::kInfo},
      .device = {.type = DeviceType::kSim},
      .hash = {.mode = HashMode::kSymL4, .key = default_hash_key(), .buckets = 4096},
  };
  for (uint8_t site = 0; site < 2; ++site) {
    for (uint8_t m = 0; m < 5; ++m) {
      const std::string a = site == 0 ? "198.18.1." : "198.19.1.";
      c.members.push_back({.id = {site, m}, .address = ip((a + std::to_string(m)).c_str())});
    }
  }
  c.members[3].weight = 200;               // 0/3
  c.members[8].admin = AdminState::kDown;  // 1/3
  return c;
}

TEST(ConfigExample, ParsesToTheExpectedModel) {
  const ParseResult r = parse_config(test::example_text(), "two-sites.conf");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty());
  const ClusterConfig want = expected_example();
  EXPECT_EQ(r.config->cluster, want.cluster);
  EXPECT_EQ(r.config->sites, want.sites);
  EXPECT_EQ(r.config->orchestrators, want.orchestrators);
  EXPECT_EQ(r.config->members, want.members);
  EXPECT_EQ(r.config->groups, want.groups);
  EXPECT_EQ(r.config->autoscale, want.autoscale);
  EXPECT_EQ(r.config->timers, want.timers);
  EXPECT_EQ(r.config->sync, want.sync);
  EXPECT_EQ(r.config->control, want.control);
  EXPECT_EQ(r.config->device, want.device);
  EXPECT_EQ(r.config->hash, want.hash);
  EXPECT_TRUE(*r.config == want);
}

TEST(ConfigExample, LoadConfigReadsTheFile) {
  std::vector<Diagnostic> warnings{{"x", 1, "stale"}};
  auto c = load_config(CONDUCTOR_CONFIG_EXAMPLE, &warnings);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(*c == expected_example());
  EXPECT_TRUE(warnings.empty());
}

TEST(ConfigExample, LoadConfigMissingFileIsNotFound) {
  auto c = load_config("/nonexistent/conductord.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kNotFound);
  EXPECT_EQ(c.error().message, "/nonexistent/conductord.conf: cannot open the file");
}

TEST(ConfigExample, LoadConfigErrorListsEveryDiagnostic) {
  const std::string path = ::testing::TempDir() + "/config_bad.conf";
  {
    std::ofstream out(path);
    out << "[site 0]\nvrid = 0\n[sync]\nkey = 00\n";
  }
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(c.error().message, path + ":2: vrid: 0 is below 1 (allowed 1..255)\n" + path +
                                   ":4: key: needs 16 bytes (32 hex digits), got 2 hex digits");
  std::remove(path.c_str());
}

TEST(ConfigExample, RoundTripsThroughToText) {
  const ClusterConfig c = expected_example();
  const std::string text = to_text(c);
  const ParseResult r = parse_config(text, "to_text");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r) << text;
  EXPECT_TRUE(*r.config == c) << text;
  EXPECT_EQ(to_text(*r.config), text);
}

TEST(ConfigExample, LookupsAndWeights) {
  const ClusterConfig c = expected_example();
  ASSERT_NE(c.site(1), nullptr);
  EXPECT_EQ(c.site(1)->name, "west");
  EXPECT_EQ(c.site(2), nullptr);
  ASSERT_NE(c.orchestrator("west-b"), nullptr);
  EXPECT_EQ(c.orchestrator("west-b")->priority, 100);
  ASSERT_NE(c.member({0, 3}), nullptr);
  EXPECT_EQ(c.member({0, 3})->weight, 200);
  EXPECT_EQ(c.member({1, 5}), nullptr);
  const SecurityGroup* g = c.group("sg1");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(c.group_of({1, 2}), g);
  EXPECT_EQ(c.group_of({1, 4}), nullptr);  // a spare
  ASSERT_NE(c.autoscale_of("sg1"), nullptr);
  EXPECT_EQ(c.autoscale_of("sg1")->spares.size(), 2u);
  const Weights w = c.weights_of(*g);
  const Weights want = {{{0, 0}, 100}, {{0, 1}, 100}, {{0, 2}, 100}, {{0, 3}, 200},
                        {{1, 0}, 100}, {{1, 1}, 100}, {{1, 2}, 100}, {{1, 3}, 0}};  // 1/3 is down
  EXPECT_EQ(w, want);
}

TEST(ConfigExample, MinimalConfigTakesEveryDefault) {
  const ParseResult r = parse_config(test::kMinimal, "min.conf");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r);
  const ClusterConfig& c = *r.config;
  ASSERT_EQ(c.sites.size(), 1u);
  EXPECT_EQ(c.sites[0].vrid, 1);  // 1 + site id
  EXPECT_EQ(c.sites[0].advert_interval_cs, 20);
  EXPECT_TRUE(c.sites[0].preempt);
  EXPECT_FALSE(c.sites[0].accept_mode);
  EXPECT_EQ(c.cluster.name, "conductor");
  EXPECT_EQ(c.sync.port, kDefaultSyncPort);
  EXPECT_EQ(c.sync.delay, seconds{3});
  EXPECT_EQ(c.timers.heartbeat_interval, milliseconds{50});
  EXPECT_EQ(c.control.socket, "/run/conductor/conductord.sock");
  EXPECT_FALSE(c.control.metrics.has_value());
  EXPECT_EQ(c.device.type, DeviceType::kSim);
  EXPECT_EQ(c.hash.mode, HashMode::kSymL4);
  EXPECT_EQ(c.hash.buckets, 4096u);
  EXPECT_EQ(format_hex(c.hash.key), "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");
  EXPECT_TRUE(c.members.empty());
  // [site 1]'s default VRID is 2.
  const ParseResult r1 = parse_config(std::string(test::kMinimal) + "[site 1]\n", "min.conf");
  ASSERT_TRUE(r1.ok()) << test::diagnostics(r1);
  EXPECT_EQ(r1.config->sites[1].vrid, 2);
}

TEST(ConfigExample, AcceptsCrLfCommentsBomAndSpacing) {
  const std::string text =
      "\xEF\xBB\xBF# caf\xC3\xA9 comment with UTF-8\r\n"
      "  [ site   0 ]  # trailing comment\r\n"
      "\tvrid=7\r\n"
      "[sync]\r\n"
      "key   =   0011:2233-4455 6677 8899aabbccddeeff   \r\n";
  const ParseResult r = parse_config(text, "crlf.conf");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r);
  EXPECT_EQ(r.config->sites[0].vrid, 7);
  EXPECT_EQ(format_hex(r.config->sync.key), "00112233445566778899aabbccddeeff");
}

TEST(ConfigExample, WarnsAboutAnUnusedMember) {
  const ParseResult r = parse_config(std::string(test::kMinimal) + "[member 0/7]\n", "w.conf");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].to_string(), "w.conf:4: [member 0/7]: the member is in no security group and no spare pool");
}

TEST(ConfigExample, NoWarningsBesideErrors) {
  const ParseResult r = parse_config(std::string(test::kMinimal) + "[member 0/7]\nweight = 600\n", "w.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ConfigExample, OrchestratorInterfaceAndHeartbeatPort) {
  const ParseResult r = parse_config(
      "[site 0]\nvirtual-addresses = 127.0.0.1\n"
      "[sync]\nkey = 00112233445566778899aabbccddeeff\n"
      "[orchestrator o1]\nsite = 0\naddress = 127.0.0.2\ninterface = veth0.100\n"
      "[timers]\nheartbeat-port = 9117\n",
      "t.conf");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r);
  EXPECT_EQ(r.config->orchestrator("o1")->interface, "veth0.100");
  EXPECT_EQ(r.config->timers.heartbeat_port, 9117);
  const ParseResult d = parse_config(test::kMinimal, "t.conf");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.config->timers.heartbeat_port, kDefaultHeartbeatPort);
  // Round trip through the renderer keeps both.
  const ParseResult again = parse_config(to_text(*r.config), "again.conf");
  ASSERT_TRUE(again.ok()) << test::diagnostics(again);
  EXPECT_EQ(*again.config, *r.config);
}

}  // namespace
}  // namespace conductor::config
