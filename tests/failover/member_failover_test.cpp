// Member and site failure with real `conductor-member` processes on loopback, detected by ClusterCore
// on the real clock in the test process (the same code conductord's cluster service runs). Measures
// the detection time from kill -9 to the member marked down, and from killing a whole site to the
// other site becoming ActiveSite. Bounded waits; every process is killed when the test ends.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "tests/failover/lab.hpp"

namespace conductor::failover {
namespace {

using K = cluster::CoreAction::Kind;
constexpr uint16_t kPort = 8117;

struct MemberFailover : ::testing::Test {
  Lab lab;
  Listener listener;
  config::ClusterConfig cfg;

  void SetUp() override {
    lab.write_config(4,
                     "[security-group sg1]\nmembers = 0/0-2, 1/0-3\n"
                     "[autoscale sg1]\nmin-members = 2\nspares = 0/3\nscale-out-cpu = 80%\nscale-in-cpu = 10%\n"
                     "scale-out-after = 1s\nscale-in-after = 1h\ncooldown = 0s\n",
                     kPort);
    auto c = config::load_config(lab.config_path);
    ASSERT_TRUE(c) << c.error().message;
    cfg = *c;
    const std::string err = listener.open(lab.orchestrator(0), kPort, cfg, cluster::CoreOptions{});
    ASSERT_EQ(err, "");
    for (uint8_t s = 0; s < 2; ++s)
      for (uint8_t m = 0; m < 4; ++m) ASSERT_TRUE(lab.start_member(CONDUCTOR_MEMBER_BIN, MemberId{s, m}, kPort));
    // All eight up within 5 s.
    int up = 0;
    auto all_up = listener.pump_until(
        [&](const cluster::CoreAction& a) { return a.kind == K::kMemberHealth && a.up && ++up == 8; }, 5000ms);
    ASSERT_TRUE(all_up) << "only " << up << " members came up";
  }

  // kill -9 one member; returns the time from the kill to its down action (nullopt: not within 2 s).
  std::optional<Clock::duration> kill_and_detect(MemberId id) {
    auto& p = lab.members.at(id);
    const auto t0 = Clock::now();
    p.signal(SIGKILL);
    auto a = listener.pump_until(
        [&](const cluster::CoreAction& x) { return x.kind == K::kMemberHealth && !x.up && x.member == id; }, 2000ms);
    p.wait(1000ms);
    if (!a) return std::nullopt;
    return a->at - t0;
  }
};

TEST_F(MemberFailover, KillNineDetectedWithinTarget) {
  // One kill per member (a member killed three times within 30 s would be damped: its return then
  // takes the 3 s hold-down, tested in cluster_tests).
  const MemberId victims[] = {{0, 1}, {1, 0}, {0, 2}, {1, 3}, {0, 0}};
  std::vector<double> times;
  for (int round = 0; round < 5; ++round) {
    const MemberId victim = victims[round];
    auto d = kill_and_detect(victim);
    ASSERT_TRUE(d) << "round " << round << ": member " << victim.to_string() << " not marked down within 2 s";
    times.push_back(ms(*d));
    ASSERT_TRUE(lab.start_member(CONDUCTOR_MEMBER_BIN, victim, kPort));
    ASSERT_TRUE(listener.pump_until(
        [&](const cluster::CoreAction& a) { return a.kind == K::kMemberHealth && a.up && a.member == victim; }, 2000ms))
        << "round " << round << ": restarted member did not come back";
  }
  std::sort(times.begin(), times.end());
  std::printf(
      "member kill -9 -> marked down (heartbeat 50 ms, timeout 150 ms), 5 runs: min %.1f ms, median %.1f ms, max %.1f "
      "ms\n",
      times.front(), times[2], times.back());
  RecordProperty("detection_median_ms", std::to_string(times[2]));
  // Target (docs/cluster.md): local backup active < 200 ms. Timeout 150 ms after the last heartbeat, which
  // left at most one interval before the kill: 100..150 ms plus scheduling.
  EXPECT_LT(times[2], 200.0);
  EXPECT_LT(times.back(), 400.0) << "a single run far above the target (machine overloaded?)";
}

TEST_F(MemberFailover, SigtermLeavesAtOnce) {
  const MemberId id{1, 2};
  auto& p = lab.members.at(id);
  const auto t0 = Clock::now();
  p.signal(SIGTERM);
  auto a = listener.pump_until(
      [&](const cluster::CoreAction& x) { return x.kind == K::kMemberHealth && !x.up && x.member == id; }, 2000ms);
  ASSERT_TRUE(a);
  EXPECT_NE(a->action.reason.find("leaving"), std::string::npos) << a->action.reason;
  EXPECT_LT(ms(a->at - t0), 100.0);
  EXPECT_EQ(p.wait(2000ms), testing::ExitStatus{.code = 0}) << "exit status";
  EXPECT_NE(p.output_file_text().find("leaving after"), std::string::npos) << p.output_file_text();
}

TEST_F(MemberFailover, WholeSiteKilledOtherSiteBecomesActive) {
  const auto t0 = Clock::now();
  for (uint8_t m = 0; m < 4; ++m) lab.members.at(MemberId{0, m}).signal(SIGKILL);
  auto a = listener.pump_until([](const cluster::CoreAction& x) { return x.kind == K::kActiveSite; }, 5000ms);
  ASSERT_TRUE(a) << "no ActiveSite change within 5 s";
  EXPECT_EQ(a->action.site, 1);
  std::printf("site 0 killed (4 members, kill -9) -> site 1 ActiveSite in %.1f ms (%s)\n", ms(a->at - t0),
              a->action.reason.c_str());
  EXPECT_LT(ms(a->at - t0), 1000.0);  // target 1-3 s
  EXPECT_EQ(listener.core->sites().active_site(), 1);
}

TEST_F(MemberFailover, LoadChangeAtRunTimeScalesOut) {
  // Every active member reports 95 % CPU (SIGUSR1 re-reads the load file): after scale-out-after (1 s)
  // the spare 0/3 joins, weight 0 first, full sync, then weight.
  for (auto& [id, p] : lab.members) {
    std::ofstream(lab.load_file(id)) << "cpu=95 connections=5000\n";
    p.signal(SIGUSR1);
  }
  const auto t0 = Clock::now();
  auto a = listener.pump_until([](const cluster::CoreAction& x) { return x.kind == K::kStartFullSync; }, 4000ms);
  ASSERT_TRUE(a) << "no scale-out within 4 s";
  EXPECT_EQ(a->action.member, (MemberId{0, 3}));
  EXPECT_NE(a->action.reason.find("above scale-out-cpu 80%"), std::string::npos) << a->action.reason;
  const double t = ms(a->at - t0);
  std::printf("cpu 95%% reported at run time -> scale-out decision in %.0f ms (scale-out-after 1 s)\n", t);
  EXPECT_GE(t, 900.0);
  EXPECT_LT(t, 2500.0);
}

}  // namespace
}  // namespace conductor::failover
