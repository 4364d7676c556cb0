// diff(): what changed between two configurations and whether it applies live or needs a restart.
#include <gtest/gtest.h>

#include "host/config/diff.hpp"
#include "host/config/parser.hpp"
#include "host/config/values.hpp"
#include "tests/config/config_test_util.hpp"

namespace conductor::config {
namespace {

ClusterConfig example() {
  ParseResult r = parse_config(test::example_text(), "two-sites.conf");
  EXPECT_TRUE(r.ok()) << test::diagnostics(r);
  return *r.config;
}

std::vector<std::string> lines(const ConfigDiff& d) {
  std::vector<std::string> out;
  for (const Change& c : d.changes) out.push_back(c.to_string());
  return out;
}

Member* member(ClusterConfig& c, MemberId id) { return const_cast<Member*>(c.member(id)); }

TEST(ConfigDiff, SameConfigIsEmpty) {
  const ClusterConfig a = example();
  const ConfigDiff d = diff(a, a);
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.needs_restart());
  EXPECT_TRUE(d.rebalance.empty());
}

TEST(ConfigDiff, WeightChangesApplyLiveAndRebalance) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  member(b, {0, 1})->weight = 300;
  member(b, {1, 2})->weight = 0;
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), (std::vector<std::string>{"[member 0/1] weight: 100 -> 300 (live)",
                                                "[member 1/2] weight: 100 -> 0 (live)"}));
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.changes[0].subject, Subject::kMember);
  EXPECT_EQ(d.changes[0].kind, ChangeKind::kChanged);
  EXPECT_EQ(d.changes[0].member, (MemberId{0, 1}));
  EXPECT_EQ(d.changes[0].key, "weight");
  EXPECT_EQ(d.changes[0].before, "100");
  EXPECT_EQ(d.changes[0].after, "300");
  EXPECT_FALSE(d.needs_restart());
  EXPECT_EQ(d.rebalance, std::vector<std::string>{"sg1"});
  EXPECT_EQ(d.live().size(), 2u);
  EXPECT_TRUE(d.restart().empty());
}

TEST(ConfigDiff, AdminDownRebalances) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  member(b, {0, 0})->admin = AdminState::kDown;
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), std::vector<std::string>{"[member 0/0] admin: up -> down (live)"});
  EXPECT_EQ(d.rebalance, std::vector<std::string>{"sg1"});
}

TEST(ConfigDiff, WeightOfASpareDoesNotRebalance) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  member(b, {0, 4})->weight = 50;  // a spare: in no group yet
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), std::vector<std::string>{"[member 0/4] weight: 100 -> 50 (live)"});
  EXPECT_TRUE(d.rebalance.empty());
}

TEST(ConfigDiff, MembersAddedAndRemoved) {
  // The text way: what a SIGHUP reload sees.
  const std::string before = test::example_text();
  std::string after = before;
  // Remove member 1/4 (a spare) and its spare entry; add member 0/5 to the group.
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = after.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    after.replace(at, from.size(), to);
  };
  replace("[member 1/4]                 # spare\naddress = 198.19.1.4\n", "[member 0/5]\naddress = 198.18.1.5\n");
  replace("spares = 0/4, 1/4", "spares = 0/4");
  replace("max-members = 10", "max-members = 10\nmin-members = 9");
  replace("members = 0/0-3, 1/0-3", "members = 0/0-3, 0/5, 1/0-3");
  replace("min-members = 8\n", "");
  const ParseResult a = parse_config(before, "a.conf"), b = parse_config(after, "b.conf");
  ASSERT_TRUE(a.ok()) << test::diagnostics(a);
  ASSERT_TRUE(b.ok()) << test::diagnostics(b);
  const ConfigDiff d = diff(*a.config, *b.config);
  EXPECT_EQ(lines(d), (std::vector<std::string>{
                          "[member 1/4] removed (live)",
                          "[member 0/5] added (live)",
                          "[security-group sg1] members: 0/0, 0/1, 0/2, 0/3, 1/0, 1/1, 1/2, 1/3 -> 0/0, 0/1, 0/2, 0/3, "
                          "0/5, 1/0, 1/1, 1/2, 1/3 (live)",
                          "[autoscale sg1] min-members: 8 -> 9 (live)",
                          "[autoscale sg1] spares: 0/4, 1/4 -> 0/4 (live)",
                      }));
  EXPECT_EQ(d.changes[0].kind, ChangeKind::kRemoved);
  EXPECT_EQ(d.changes[0].member, (MemberId{1, 4}));
  EXPECT_EQ(d.changes[1].kind, ChangeKind::kAdded);
  EXPECT_EQ(d.changes[1].member, (MemberId{0, 5}));
  EXPECT_FALSE(d.needs_restart());
  EXPECT_EQ(d.rebalance, std::vector<std::string>{"sg1"});
}

TEST(ConfigDiff, TimersAndThresholdsApplyLive) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  b.timers.heartbeat_interval = std::chrono::milliseconds{20};
  b.autoscale[0].scale_out_cpu_percent = 90;
  b.autoscale[0].cooldown = std::chrono::minutes{2};
  b.sync.delay = std::chrono::seconds{5};
  b.control.log_level = LogLevel::kDebug;
  b.hash.buckets = 8192;
  b.sites[1].advert_interval_cs = 100;
  b.orchestrators[3].priority = 150;
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), (std::vector<std::string>{
                          "[site 1] advert-interval: 200ms -> 1s (live)",
                          "[orchestrator west-b] priority: 100 -> 150 (live)",
                          "[autoscale sg1] scale-out-cpu: 75% -> 90% (live)",
                          "[autoscale sg1] cooldown: 5min -> 2min (live)",
                          "[timers] heartbeat-interval: 50ms -> 20ms (live)",
                          "[sync] delay: 3s -> 5s (live)",
                          "[control] log-level: info -> debug (live)",
                          "[hash] buckets: 4096 -> 8192 (live)",
                      }));
  EXPECT_FALSE(d.needs_restart());
  EXPECT_TRUE(d.rebalance.empty());
}

TEST(ConfigDiff, RestartNeededChanges) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  b.device.type = DeviceType::kSoft;
  b.device.eal_args = "--no-huge --vdev net_null0";
  b.control.socket = "/tmp/conductord.sock";
  b.control.metrics.reset();
  b.sync.port = 8117;
  b.sites[0].vrid = 11;
  b.orchestrators[0].address = *parse_ip("198.18.0.9");
  b.orchestrators[1].interface = "veth1";
  b.timers.heartbeat_port = 9117;
  b.groups[0].id = 2;
  b.orchestrators.pop_back();
  b.members[0].weight = 50;  // live, beside the rest
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), (std::vector<std::string>{
                          "[site 0] vrid: 10 -> 11 (restart)",
                          "[orchestrator west-b] removed (restart)",
                          "[orchestrator east-a] address: 198.18.0.2 -> 198.18.0.9 (restart)",
                          "[orchestrator east-b] interface: (unset) -> veth1 (restart)",
                          "[member 0/0] weight: 100 -> 50 (live)",
                          "[security-group sg1] id: 1 -> 2 (restart)",
                          "[timers] heartbeat-port: 8117 -> 9117 (restart)",
                          "[sync] port: 8116 -> 8117 (restart)",
                          "[control] socket: /run/conductor/conductord.sock -> /tmp/conductord.sock (restart)",
                          "[control] metrics: 127.0.0.1:9816 -> off (restart)",
                          "[device] type: sim -> soft (restart)",
                          "[device] eal-args: (unset) -> --no-huge --vdev net_null0 (restart)",
                      }));
  EXPECT_TRUE(d.needs_restart());
  EXPECT_EQ(d.restart().size(), 11u);
  EXPECT_EQ(d.live().size(), 1u);
  EXPECT_EQ(d.rebalance, std::vector<std::string>{"sg1"});
}

TEST(ConfigDiff, ApplyLiveKeepsRestartOnlyValues) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  b.device.type = DeviceType::kSoft;
  b.control.socket = "/tmp/conductord.sock";
  b.sync.port = 8118;
  b.timers.heartbeat_port = 9117;
  b.sites[0].vrid = 11;
  b.sites[0].advert_interval_cs = 50;  // live
  b.orchestrators[0].address = *parse_ip("198.18.0.9");
  b.orchestrators[0].priority = 150;  // live
  b.orchestrators[1].interface = "veth1";
  b.orchestrators.pop_back();
  b.groups[0].id = 2;
  b.members[0].weight = 50;  // live
  const ClusterConfig r = apply_live(a, b);
  const ConfigDiff d = diff(a, r);
  EXPECT_FALSE(d.needs_restart());
  EXPECT_EQ(lines(d), (std::vector<std::string>{
                          "[site 0] advert-interval: 200ms -> 500ms (live)",
                          "[orchestrator east-a] priority: 200 -> 150 (live)",
                          "[member 0/0] weight: 100 -> 50 (live)",
                      }));
  EXPECT_TRUE(diff(b, apply_live(b, b)).empty());
}

TEST(ConfigDiff, SitesAndGroupsAddedAndRemoved) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  b.sites.pop_back();                                           // site 1 (restart)
  b.groups.push_back({.name = "sg2", .id = 2, .members = {}});  // live
  b.autoscale.clear();                                          // live
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), (std::vector<std::string>{"[site 1] removed (restart)", "[security-group sg2] added (live)",
                                                "[autoscale sg1] removed (live)"}));
  EXPECT_EQ(d.changes[0].subject, Subject::kSite);
  EXPECT_EQ(d.changes[0].name, "1");
  EXPECT_EQ(d.changes[1].name, "sg2");
  EXPECT_TRUE(d.rebalance.empty());  // sg1's weights are the same; sg2 is new
}

TEST(ConfigDiff, SyncKeyIsNotPrinted) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  b.sync.key[0] ^= 1;
  const ConfigDiff d = diff(a, b);
  EXPECT_EQ(lines(d), std::vector<std::string>{"[sync] key: (secret) -> (secret) (live)"});
  EXPECT_EQ(d.changes[0].before, "(secret)");
}

TEST(ConfigDiff, HashKeyAndModeApplyLive) {
  const ClusterConfig a = example();
  ClusterConfig b = a;
  b.hash.mode = HashMode::kSymIp;
  b.hash.key[39] = 0;
  const ConfigDiff d = diff(a, b);
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.changes[0].to_string(), "[hash] mode: sym-l4 -> sym-ip (live)");
  EXPECT_EQ(d.changes[1].key, "key");
  EXPECT_EQ(d.changes[1].after.substr(76), "0100");
  EXPECT_FALSE(d.needs_restart());
}

}  // namespace
}  // namespace conductor::config
