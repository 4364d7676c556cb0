#include <gtest/gtest.h>

#include "host/cluster/cluster_core.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using namespace test;
using K = CoreAction::Kind;

config::ClusterConfig two_sites() {
  config::ClusterConfig c;
  c.sites = {{.id = 0}, {.id = 1}};
  for (uint8_t s = 0; s < 2; ++s)
    for (uint8_t m = 0; m < 3; ++m) c.members.push_back({.id = {s, m}, .weight = 100});
  c.groups = {{.name = "sg1", .id = 1, .members = {{0, 0}, {0, 1}, {1, 0}, {1, 1}}}};
  c.autoscale = {{.group = "sg1",
                  .min_members = 2,
                  .max_members = 6,
                  .spares = {{0, 2}, {1, 2}},
                  .scale_out_cpu_percent = 70,
                  .scale_in_cpu_percent = 20,
                  .scale_out_after = 1s,
                  .scale_in_after = 2s,
                  .cooldown = 5s}};
  c.sync.key = test_key();
  return c;
}

struct CoreTest : ::testing::Test {
  FakeClock clock;
  config::ClusterConfig cfg = two_sites();
  std::map<MemberId, uint32_t> seq;
  ClusterCore make() {
    auto c = ClusterCore::create(cfg, CoreOptions{.sync_timeout = 2s, .drain_timeout = 3s}, clock.now());
    EXPECT_TRUE(c) << c.error().message;
    return std::move(*c);
  }
  CoreActions send(ClusterCore& core, MemberId id, Load load = {}) {
    const auto b = encode_heartbeat(beat(id, ++seq[id], 1, load), test_key());
    return core.on_datagram(clock.now(), b);
  }
  // Every member in `alive` beats every 50 ms for `d`, timers run at their deadlines.
  CoreActions run(ClusterCore& core, const std::vector<MemberId>& alive, Duration d, Load load = {}) {
    CoreActions all;
    const TimePoint end = clock.now() + d;
    TimePoint next_beat = clock.now();
    while (clock.now() < end) {
      TimePoint t = std::min(next_beat, end);
      if (auto dl = core.next_deadline(); dl && *dl < t) t = *dl;
      clock.t = std::max(clock.t, t);
      for (auto& a : core.on_timer(clock.now())) all.push_back(a);
      if (clock.now() >= next_beat) {
        for (MemberId m : alive)
          for (auto& a : send(core, m, load)) all.push_back(a);
        next_beat += 50ms;
      }
    }
    return all;
  }
};

std::vector<MemberId> all_members() { return {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}; }

TEST_F(CoreTest, MemberDownDetectedAtTimeoutAndReported) {
  auto core = make();
  auto acts = run(core, all_members(), 500ms, {.cpu_centipercent = 4000});
  EXPECT_EQ(std::count_if(acts.begin(), acts.end(), [](auto& a) { return a.kind == K::kMemberHealth && a.up; }), 6);
  std::vector<MemberId> alive = all_members();
  alive.erase(alive.begin() + 1);  // 0/1 dies
  acts = run(core, alive, 300ms, {.cpu_centipercent = 4000});
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, K::kMemberHealth);
  EXPECT_EQ(acts[0].member, (MemberId{0, 1}));
  EXPECT_FALSE(acts[0].up);
  EXPECT_LE(acts[0].silent_for, Duration{150ms});
  EXPECT_EQ(core.member_failovers(), 1u);
  EXPECT_NE(core.show_members(clock.now()).find("down"), std::string::npos);
}

TEST_F(CoreTest, SiteLossMakesOtherSiteActive) {
  auto core = make();
  run(core, all_members(), 300ms, {.cpu_centipercent = 4000});
  const std::vector<MemberId> site1 = {{1, 0}, {1, 1}, {1, 2}};
  const TimePoint kill = clock.now();
  auto acts = run(core, site1, 500ms, {.cpu_centipercent = 4000});
  std::optional<TimePoint> active_at;
  // The actions: three member downs, then site 0 offline, then ActiveSite 1.
  ASSERT_GE(acts.size(), 5u);
  EXPECT_EQ(acts[3].kind, K::kSiteOnline);
  EXPECT_EQ(acts[3].site, 0);
  EXPECT_FALSE(acts[3].up);
  EXPECT_EQ(acts[4].kind, K::kActiveSite);
  EXPECT_EQ(acts[4].site, 1);
  EXPECT_EQ(core.sites().active_site(), 1);
  (void)kill;
  EXPECT_NE(core.show_sites(clock.now()).find("active site: 1"), std::string::npos);
}

TEST_F(CoreTest, OperatorSiteOffline) {
  auto core = make();
  run(core, all_members(), 300ms);
  auto acts = core.set_site_admin_offline(clock.now(), 0, true);
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[1].kind, K::kActiveSite);
  EXPECT_EQ(acts[1].site, 1);
}

TEST_F(CoreTest, RejectsAreCountedByReason) {
  auto core = make();
  auto b = encode_heartbeat(beat({0, 0}, 1), test_key());
  b[39] ^= 1;
  EXPECT_TRUE(core.on_datagram(clock.now(), b).empty());
  EXPECT_TRUE(core.on_datagram(clock.now(), std::span<const uint8_t>(b.data(), 3)).empty());
  EXPECT_EQ(core.rejects()[static_cast<size_t>(HeartbeatReject::kTag)], 1u);
  EXPECT_EQ(core.rejects()[static_cast<size_t>(HeartbeatReject::kLength)], 1u);
  EXPECT_NE(core.last_reject().find("length"), std::string::npos);
}

TEST_F(CoreTest, HighLoadScalesOutThenSyncThenWeight) {
  auto core = make();
  auto acts = run(core, all_members(), 1200ms, {.cpu_centipercent = 9000});
  std::vector<K> kinds;
  for (auto& a : acts)
    if (a.kind != K::kMemberHealth) kinds.push_back(a.kind);
  ASSERT_EQ(kinds, (std::vector<K>{K::kSetWeight, K::kAddMember, K::kStartFullSync}));
  acts = core.on_sync_done(clock.now(), {0, 2});
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, K::kSetWeight);
  EXPECT_EQ(acts[0].weight, 100);
  EXPECT_NE(core.show_autoscale(clock.now()).find("scale-out 0/2"), std::string::npos);
}

TEST_F(CoreTest, ReloadKeepsState) {
  auto core = make();
  run(core, all_members(), 300ms);
  cfg.timers.heartbeat_timeout = 300ms;
  auto r = core.reload(cfg, clock.now());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(core.liveness().health({0, 0}), Health::kUp);
  EXPECT_EQ(core.liveness().config().timeout, Duration{300ms});
}

}  // namespace
}  // namespace conductor::cluster
