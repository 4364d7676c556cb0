#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "host/cluster/autoscaler.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using namespace test;
using Kind = ScaleAction::Kind;

constexpr MemberId M0{0, 0}, M1{0, 1}, M2{0, 2}, S3{0, 3}, S4{0, 4}, S5{0, 5};

config::Autoscale policy() {
  return config::Autoscale{.group = "sg1",
                           .min_members = 2,
                           .max_members = 4,
                           .spares = {S3, S4},
                           .scale_out_cpu_percent = 70,
                           .scale_in_cpu_percent = 30,
                           .scale_out_after = 10s,
                           .scale_in_after = 20s,
                           .cooldown = 30s};
}

Load cpu(double percent, uint32_t conns = 100) {
  return Load{.cpu_centipercent = static_cast<uint16_t>(percent * 100), .bps = 0, .connections = conns};
}

struct AutoscalerTest : ::testing::Test {
  FakeClock clock;
  AutoscaleOptions opts{.sync_timeout = 5s, .drain_timeout = 15s, .weights = {{S3, 200}}};
  Autoscaler make(config::Autoscale p = policy()) {
    auto a = Autoscaler::create(p, {M0, M1, M2}, opts, clock.now());
    EXPECT_TRUE(a) << a.error().message;
    for (MemberId m : {M0, M1, M2, S3, S4}) a->on_member_health(clock.now(), m, true);
    return std::move(*a);
  }
  // Every member of the group reports `load`; one tick per second for `d`; returns the actions.
  ScaleActions run(Autoscaler& a, Duration d, Load load) {
    ScaleActions all;
    for (Duration t{0}; t < d; t += 1s) {
      clock.advance(1s);
      for (MemberId m : a.members()) a.on_report(clock.now(), m, load);
      for (auto& x : a.on_timer(clock.now())) all.push_back(x);
    }
    return all;
  }
};

TEST_F(AutoscalerTest, RejectsInconsistentPolicy) {
  auto p = policy();
  p.scale_in_cpu_percent = 80;
  EXPECT_FALSE(Autoscaler::create(p, {M0}, opts, clock.now()));
  p = policy();
  p.min_members = 5;
  EXPECT_FALSE(Autoscaler::create(p, {M0}, opts, clock.now()));
  p = policy();
  p.spares = {M1};
  EXPECT_FALSE(Autoscaler::create(p, {M0, M1}, opts, clock.now()));
}

TEST_F(AutoscalerTest, ScaleOutAfterHoldThenWeightsAfterSync) {
  auto a = make();
  EXPECT_TRUE(run(a, 9s, cpu(85)).empty());  // held 8 s of samples (first sample starts the hold)
  auto acts = run(a, 2s, cpu(85));
  ASSERT_EQ(acts.size(), 3u);
  EXPECT_EQ(acts[0].kind, Kind::kSetWeight);
  EXPECT_EQ(acts[0].weight, 0);
  EXPECT_EQ(acts[0].member, S3);
  EXPECT_EQ(acts[1].kind, Kind::kAddMember);
  EXPECT_EQ(acts[1].group, "sg1");
  EXPECT_EQ(acts[2].kind, Kind::kStartFullSync);
  EXPECT_NE(acts[1].reason.find("cpu 85.0% (average of 3 members) above scale-out-cpu 70% for 10.0 s"),
            std::string::npos)
      << acts[1].reason;
  EXPECT_EQ(a.phase(), Autoscaler::Phase::kSyncing);
  EXPECT_EQ(a.members().size(), 4u);
  auto done = a.on_sync_done(clock.advance(1s), S3);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].kind, Kind::kSetWeight);
  EXPECT_EQ(done[0].weight, 200);
  EXPECT_EQ(a.phase(), Autoscaler::Phase::kIdle);
  ASSERT_EQ(a.decisions().size(), 1u);
  EXPECT_EQ(a.decisions()[0].kind, ScaleDecision::Kind::kScaleOut);
}

TEST_F(AutoscalerTest, HysteresisBetweenThresholdsDoesNothing) {
  auto a = make();
  EXPECT_TRUE(run(a, 1000s, cpu(50)).empty());
  EXPECT_TRUE(run(a, 1000s, cpu(69.9)).empty());
  EXPECT_TRUE(run(a, 1000s, cpu(30)).empty());  // not below 30
}

TEST_F(AutoscalerTest, InterruptedHoldRestarts) {
  auto a = make();
  EXPECT_TRUE(run(a, 9s, cpu(85)).empty());
  EXPECT_TRUE(run(a, 1s, cpu(60)).empty());  // dips below: the hold restarts
  EXPECT_TRUE(run(a, 10s, cpu(85)).empty());
  EXPECT_EQ(run(a, 1s, cpu(85)).size(), 3u);
}

TEST_F(AutoscalerTest, SyncTimeoutStillGivesWeight) {
  auto a = make();
  run(a, 11s, cpu(85));
  ASSERT_EQ(a.phase(), Autoscaler::Phase::kSyncing);
  auto acts = run(a, 5s, cpu(85));
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, Kind::kSetWeight);
  EXPECT_NE(acts[0].reason.find("not confirmed"), std::string::npos);
}

TEST_F(AutoscalerTest, CooldownAndMaxMembers) {
  auto p = policy();
  p.max_members = 5;
  auto a = make(p);
  run(a, 11s, cpu(85));
  a.on_sync_done(clock.now(), S3);
  // Still high: the next scale-out waits for the cooldown (30 s from the decision).
  auto acts = run(a, 29s, cpu(85));
  EXPECT_TRUE(acts.empty());
  acts = run(a, 1s, cpu(85));
  ASSERT_EQ(acts.size(), 3u);
  EXPECT_EQ(acts[0].member, S4);
  const auto t2 = a.decisions().back().at;
  EXPECT_GE(t2 - a.decisions().front().at, 30s);
  a.on_sync_done(clock.now(), S4);
  EXPECT_TRUE(run(a, 100s, cpu(85)).empty());  // at max 5
  EXPECT_NE(a.blocked().find("max-members 5"), std::string::npos) << a.blocked();
}

TEST_F(AutoscalerTest, NoAliveSpareBlocks) {
  auto a = make();
  a.on_member_health(clock.now(), S3, false);
  a.on_member_health(clock.now(), S4, false);
  EXPECT_TRUE(run(a, 20s, cpu(85)).empty());
  EXPECT_NE(a.blocked().find("no spare"), std::string::npos);
  a.on_member_health(clock.now(), S4, true);
  auto acts = run(a, 1s, cpu(85));
  ASSERT_EQ(acts.size(), 3u);
  EXPECT_EQ(acts[0].member, S4);
}

TEST_F(AutoscalerTest, ScaleInDrainsThenRemovesWhenConnectionsReachZero) {
  auto a = make();
  run(a, 11s, cpu(85));
  a.on_sync_done(clock.now(), S3);
  run(a, 30s, cpu(50));
  // Low for 20 s: the member that joined last (S3) drains.
  EXPECT_TRUE(run(a, 20s, cpu(10)).empty());
  auto acts = run(a, 1s, cpu(10));
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, Kind::kSetWeight);
  EXPECT_EQ(acts[0].member, S3);
  EXPECT_EQ(acts[0].weight, 0);
  EXPECT_NE(acts[0].reason.find("below scale-in-cpu 30%"), std::string::npos) << acts[0].reason;
  EXPECT_EQ(a.phase(), Autoscaler::Phase::kDraining);
  // Connections still there: nothing yet.
  clock.advance(1s);
  a.on_report(clock.now(), S3, cpu(1, 5));
  EXPECT_TRUE(a.on_timer(clock.now()).empty());
  clock.advance(1s);
  a.on_report(clock.now(), S3, cpu(1, 0));
  acts = a.on_timer(clock.now());
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, Kind::kRemoveMember);
  EXPECT_EQ(acts[0].member, S3);
  EXPECT_NE(acts[0].reason.find("reports 0 connections"), std::string::npos);
  EXPECT_EQ(a.members().size(), 3u);
}

TEST_F(AutoscalerTest, DrainTimeoutRemovesAnyway) {
  auto a = make();
  run(a, 21s, cpu(10));  // scale-in of the group's last member (no member joined from the pool)
  ASSERT_EQ(a.phase(), Autoscaler::Phase::kDraining);
  EXPECT_EQ(*a.phase_member(), M2);
  auto acts = run(a, 15s, cpu(10, 7));
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, Kind::kRemoveMember);
  EXPECT_NE(acts[0].reason.find("drain timeout"), std::string::npos);
  EXPECT_NE(acts[0].reason.find("7 connections"), std::string::npos);
  // At min 2 next time.
  run(a, 100s, cpu(10));
  EXPECT_EQ(a.members().size(), 2u);
  EXPECT_NE(a.blocked().find("min-members 2"), std::string::npos);
}

TEST_F(AutoscalerTest, ThroughputScalesOutEvenWithLowCpu) {
  auto p = policy();
  p.scale_out_bps = 8'000'000'000ULL;
  p.scale_in_bps = 2'000'000'000ULL;
  auto a = make(p);
  Load l{.cpu_centipercent = 1000, .bps = 9'000'000'000ULL, .connections = 1};
  EXPECT_EQ(run(a, 11s, l).size(), 3u);
  EXPECT_NE(a.decisions().back().reason.find("scale-out-throughput 8.00 Gbps"), std::string::npos)
      << a.decisions().back().reason;
}

TEST_F(AutoscalerTest, ScaleInNeedsBothLow) {
  auto p = policy();
  p.scale_out_bps = 8'000'000'000ULL;
  p.scale_in_bps = 2'000'000'000ULL;
  auto a = make(p);
  Load l{.cpu_centipercent = 1000, .bps = 3'000'000'000ULL, .connections = 1};
  EXPECT_TRUE(run(a, 100s, l).empty());
}

TEST_F(AutoscalerTest, DisabledDecidesNothing) {
  auto p = policy();
  p.enabled = false;
  auto a = make(p);
  EXPECT_TRUE(run(a, 100s, cpu(95)).empty());
}

TEST_F(AutoscalerTest, JoiningMemberDownDuringSyncLeavesAgain) {
  auto a = make();
  run(a, 11s, cpu(85));
  auto acts = a.on_member_health(clock.now(), S3, false);
  ASSERT_EQ(acts.size(), 1u);
  EXPECT_EQ(acts[0].kind, Kind::kRemoveMember);
  EXPECT_EQ(a.members().size(), 3u);
  EXPECT_EQ(a.phase(), Autoscaler::Phase::kIdle);
}

TEST_F(AutoscalerTest, DescribeNamesState) {
  auto a = make();
  run(a, 11s, cpu(85));
  const std::string d = a.describe(clock.now());
  EXPECT_NE(d.find("syncing 0/3"), std::string::npos) << d;
  EXPECT_NE(d.find("scale-out 0/3"), std::string::npos) << d;
}

// Property: over random load traces (a random-walk demand spread over the serving members, so
// scaling changes each member's load), with random sync and drain times:
//  - the group never has fewer than min or more than max members;
//  - no two decisions are closer than the cooldown;
//  - hysteresis: every scale-out comes after every sample of the previous scale-out-after was HIGH
//    (recomputed here from the loads fed in), every scale-in after scale-in-after of LOW samples;
//  - order: a joining member gets weight only after weight 0, add and full sync; a member is removed
//    only after its weight went to 0.
TEST(AutoscalerProperty, RandomLoadTraces) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    FakeClock clock;
    auto p = policy();
    p.max_members = 5;
    p.spares = {S3, S4, S5};
    p.cooldown = Duration{std::uniform_int_distribution<int>(0, 60)(rng) * 1'000'000LL};
    p.scale_out_after = Duration{std::uniform_int_distribution<int>(1, 20)(rng) * 1'000'000LL};
    p.scale_in_after = Duration{std::uniform_int_distribution<int>(1, 40)(rng) * 1'000'000LL};
    AutoscaleOptions opts{.sync_timeout = 8s, .drain_timeout = 12s};
    auto made = Autoscaler::create(p, {M0, M1, M2}, opts, clock.now());
    ASSERT_TRUE(made);
    Autoscaler a = std::move(*made);
    for (MemberId m : {M0, M1, M2, S3, S4, S5}) a.on_member_health(clock.now(), m, true);

    std::map<MemberId, uint16_t> weight{{M0, 100}, {M1, 100}, {M2, 100}};
    std::set<MemberId> group{M0, M1, M2}, synced;
    std::map<MemberId, TimePoint> sync_done_at;                        // pending syncs
    std::map<MemberId, uint32_t> conns;                                // draining members' connections
    double demand = 150;                                               // total CPU percent points
    std::vector<std::pair<TimePoint, std::pair<bool, bool>>> samples;  // (high, low)
    std::vector<TimePoint> decisions;
    for (int tick = 0; tick < 4000; ++tick) {
      clock.advance(1s);
      demand = std::clamp(demand + std::normal_distribution<double>(0, 12)(rng), 0.0, 480.0);
      std::vector<MemberId> serving;
      for (MemberId m : group)
        if (weight[m] > 0) serving.push_back(m);
      double sum = 0;
      for (MemberId m : group) {
        Load l{};
        if (weight[m] > 0) {
          const double c =
              std::clamp(demand / serving.size() + std::normal_distribution<double>(0, 2)(rng), 0.0, 100.0);
          l.cpu_centipercent = static_cast<uint16_t>(c * 100);
          l.connections = 1000;
          sum += l.cpu_centipercent / 100.0;
        } else {
          uint32_t& c = conns[m];
          c = c > 40 ? c - std::uniform_int_distribution<uint32_t>(0, 40)(rng) : 0;
          l.connections = c;
        }
        a.on_report(clock.now(), m, l);
      }
      const double avg = serving.empty() ? 0 : sum / serving.size();
      samples.push_back({clock.now(), {avg > p.scale_out_cpu_percent, avg < p.scale_in_cpu_percent}});
      ScaleActions acts;
      for (auto it = sync_done_at.begin(); it != sync_done_at.end();) {
        if (it->second <= clock.now()) {
          for (auto& x : a.on_sync_done(clock.now(), it->first)) acts.push_back(x);
          it = sync_done_at.erase(it);
        } else {
          ++it;
        }
      }
      const size_t before = a.decisions().size();
      for (auto& x : a.on_timer(clock.now())) acts.push_back(x);
      for (const auto& x : acts) {
        switch (x.kind) {
          case Kind::kSetWeight:
            if (x.weight > 0) {
              ASSERT_TRUE(synced.count(x.member) || !sync_done_at.count(x.member)) << seed;
            }
            if (x.weight == 0 && group.count(x.member)) conns[x.member] = 1000;
            weight[x.member] = x.weight;
            break;
          case Kind::kAddMember:
            ASSERT_EQ(weight[x.member], 0) << seed;
            group.insert(x.member);
            break;
          case Kind::kStartFullSync:
            ASSERT_TRUE(group.count(x.member)) << seed;
            if (std::uniform_int_distribution<int>(0, 4)(rng) > 0)
              sync_done_at[x.member] =
                  clock.now() + Duration{std::uniform_int_distribution<int>(0, 6)(rng) * 1'000'000LL};
            break;
          case Kind::kRemoveMember:
            ASSERT_EQ(weight[x.member], 0) << seed;
            group.erase(x.member);
            sync_done_at.erase(x.member);
            break;
        }
      }
      ASSERT_EQ(group.size(), a.members().size()) << seed;
      ASSERT_GE(group.size(), p.min_members) << seed;
      ASSERT_LE(group.size(), p.max_members) << seed;
      if (a.decisions().size() > before) {
        const auto& d = a.decisions().back();
        if (!decisions.empty()) {
          ASSERT_GE(d.at - decisions.back(), p.cooldown) << seed;
        }
        decisions.push_back(d.at);
        const bool out = d.kind == ScaleDecision::Kind::kScaleOut;
        const Duration hold = out ? p.scale_out_after : p.scale_in_after;
        for (auto it = samples.rbegin(); it != samples.rend() && d.at - it->first <= hold; ++it)
          ASSERT_TRUE(out ? it->second.first : it->second.second)
              << "seed " << seed << ": " << d.reason << " but a sample within the hold was not "
              << (out ? "high" : "low");
        ASSERT_GE(d.at - samples.front().first, hold) << seed;
      }
    }
    EXPECT_GT(a.scale_outs() + a.scale_ins(), 0u) << "seed " << seed << " never scaled";
  }
}

}  // namespace
}  // namespace conductor::cluster
