#include <gtest/gtest.h>

#include <random>

#include "host/cluster/liveness.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using namespace test;

constexpr MemberId kA{0, 1};
constexpr MemberId kB{0, 2};

struct LivenessTest : ::testing::Test {
  FakeClock clock;
  LivenessConfig cfg{
      .interval = 50ms, .timeout = 150ms, .rise = 2, .flap_limit = 3, .flap_window = 10s, .hold_down = 1s};
  Liveness make(std::vector<MemberId> ids = {kA, kB}) {
    auto l = Liveness::create(cfg, ids, clock.now());
    EXPECT_TRUE(l);
    return std::move(*l);
  }
  // Heartbeats of `id` every interval for `d`, also running the timer; returns every event.
  LivenessEvents run(Liveness& l, std::vector<MemberId> ids, Duration d, uint32_t& seq) {
    LivenessEvents all;
    for (Duration t{0}; t < d; t += cfg.interval) {
      clock.advance(cfg.interval);
      ++seq;
      for (MemberId id : ids)
        for (auto& e : l.on_heartbeat(clock.now(), beat(id, seq))) all.push_back(e);
      for (auto& e : l.on_timer(clock.now())) all.push_back(e);
    }
    return all;
  }
};

TEST_F(LivenessTest, RejectsBadConfig) {
  EXPECT_FALSE(Liveness::create({.interval = 50ms, .timeout = 40ms}, {kA}, clock.now()));
  EXPECT_FALSE(Liveness::create({.rise = 0}, {kA}, clock.now()));
  EXPECT_FALSE(Liveness::create(cfg, {MemberId{2, 0}}, clock.now()));
}

TEST_F(LivenessTest, FirstHeartbeatUpNeverHeardDown) {
  auto l = make();
  clock.advance(10ms);
  auto ev = l.on_heartbeat(clock.now(), beat(kA, 1));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].health, Health::kUp);
  EXPECT_EQ(ev[0].member, kA);
  ASSERT_TRUE(l.next_deadline());
  EXPECT_EQ(*l.next_deadline(), clock.now() - 10ms + 150ms);  // B, never heard
  clock.t = *l.next_deadline();
  ev = l.on_timer(clock.now());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].member, kB);
  EXPECT_EQ(ev[0].health, Health::kDown);
  EXPECT_NE(ev[0].reason.find("never heard"), std::string::npos);
}

TEST_F(LivenessTest, DownExactlyAtTimeoutAfterLastHeartbeat) {
  auto l = make({kA});
  uint32_t seq = 0;
  run(l, {kA}, 1s, seq);
  const TimePoint last = clock.now();
  EXPECT_EQ(l.health(kA), Health::kUp);
  EXPECT_EQ(*l.next_deadline(), last + 150ms);
  clock.t = last + 149ms;
  EXPECT_TRUE(l.on_timer(clock.now()).empty());
  clock.t = last + 150ms;
  auto ev = l.on_timer(clock.now());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].health, Health::kDown);
  EXPECT_EQ(ev[0].silent_for, Duration{150ms});
  EXPECT_NE(ev[0].reason.find("no heartbeat for 150.0 ms"), std::string::npos) << ev[0].reason;
  EXPECT_FALSE(l.next_deadline());
}

TEST_F(LivenessTest, ComesBackAfterRiseHeartbeats) {
  auto l = make({kA});
  uint32_t seq = 0;
  run(l, {kA}, 200ms, seq);
  clock.advance(200ms);
  ASSERT_EQ(l.on_timer(clock.now()).size(), 1u);
  EXPECT_EQ(l.health(kA), Health::kDown);
  clock.advance(50ms);
  EXPECT_TRUE(l.on_heartbeat(clock.now(), beat(kA, ++seq)).empty());  // 1 of 2
  clock.advance(50ms);
  auto ev = l.on_heartbeat(clock.now(), beat(kA, ++seq));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].health, Health::kUp);
}

TEST_F(LivenessTest, RiseNeedsHeartbeatsWithoutGap) {
  auto l = make({kA});
  uint32_t seq = 0;
  run(l, {kA}, 100ms, seq);
  clock.advance(200ms);
  l.on_timer(clock.now());
  clock.advance(50ms);
  EXPECT_TRUE(l.on_heartbeat(clock.now(), beat(kA, ++seq)).empty());
  clock.advance(200ms);  // gap larger than the timeout: the streak restarts
  EXPECT_TRUE(l.on_heartbeat(clock.now(), beat(kA, ++seq)).empty());
  clock.advance(50ms);
  EXPECT_EQ(l.on_heartbeat(clock.now(), beat(kA, ++seq)).size(), 1u);
}

TEST_F(LivenessTest, StaleAndDuplicateDroppedGapsCounted) {
  auto l = make({kA});
  l.on_heartbeat(clock.advance(1ms), beat(kA, 10));
  l.on_heartbeat(clock.advance(1ms), beat(kA, 10));
  l.on_heartbeat(clock.advance(1ms), beat(kA, 9));
  EXPECT_EQ(l.stats().stale, 2u);
  l.on_heartbeat(clock.advance(1ms), beat(kA, 14));
  EXPECT_EQ(l.stats().lost, 3u);
  EXPECT_EQ(l.member(kA)->lost, 3u);
  // A stale heartbeat does not keep the member alive.
  const TimePoint last = clock.now();
  clock.t = last + 100ms;
  l.on_heartbeat(clock.now(), beat(kA, 3));
  clock.t = last + 150ms;
  EXPECT_EQ(l.on_timer(clock.now()).size(), 1u);
}

TEST_F(LivenessTest, NewIncarnationResetsSequence) {
  auto l = make({kA});
  l.on_heartbeat(clock.advance(1ms), beat(kA, 1000, 1));
  l.on_heartbeat(clock.advance(1ms), beat(kA, 1, 2));
  EXPECT_EQ(l.stats().restarts, 1u);
  EXPECT_EQ(l.stats().stale, 0u);
  EXPECT_EQ(l.member(kA)->sequence, 1u);
}

TEST_F(LivenessTest, UnknownMemberCounted) {
  auto l = make({kA});
  EXPECT_TRUE(l.on_heartbeat(clock.advance(1ms), beat(MemberId{1, 9}, 1)).empty());
  EXPECT_EQ(l.stats().unknown_member, 1u);
}

TEST_F(LivenessTest, LeavingGoesDownAtOnce) {
  auto l = make({kA});
  l.on_heartbeat(clock.advance(1ms), beat(kA, 1));
  Heartbeat hb = beat(kA, 2);
  hb.flags = kFlagLeaving;
  auto ev = l.on_heartbeat(clock.advance(1ms), hb);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].health, Health::kDown);
  EXPECT_NE(ev[0].reason.find("leaving"), std::string::npos);
}

TEST_F(LivenessTest, FlappingMemberIsDampedThenHeldDown) {
  auto l = make({kA});
  uint32_t seq = 0;
  int downs = 0;
  for (int i = 0; i < 3; ++i) {
    run(l, {kA}, 200ms, seq);
    clock.advance(150ms);
    for (auto& e : l.on_timer(clock.now())) downs += e.health == Health::kDown;
  }
  EXPECT_EQ(downs, 3);
  EXPECT_TRUE(l.member(kA)->damped);
  // Now heartbeats come back: two in a row are not enough, it needs hold_down (1 s) without a gap.
  auto ev = run(l, {kA}, 900ms, seq);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(l.health(kA), Health::kDown);
  ev = run(l, {kA}, 200ms, seq);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].health, Health::kUp);
  EXPECT_NE(ev[0].reason.find("damped"), std::string::npos);
  // A quiet flap window later the damping ends.
  run(l, {kA}, 11s, seq);
  EXPECT_FALSE(l.member(kA)->damped);
}

TEST_F(LivenessTest, ReconfigureKeepsStateOfKeptMembers) {
  auto l = make({kA});
  l.on_heartbeat(clock.advance(1ms), beat(kA, 1));
  ASSERT_TRUE(l.reconfigure(cfg, {kA, kB}, clock.now()));
  EXPECT_EQ(l.health(kA), Health::kUp);
  EXPECT_EQ(l.health(kB), Health::kUnknown);
  ASSERT_TRUE(l.reconfigure(cfg, {kB}, clock.now()));
  EXPECT_EQ(l.member(kA), nullptr);
}

// Property: with random heartbeat loss and jitter, a member is reported down exactly when its
// silence reaches the timeout (detection = last heard + timeout, given on_timer at the deadline),
// and never while it keeps sending within the timeout.
TEST_F(LivenessTest, PropertyDownIffSilentForTimeout) {
  std::mt19937 rng(12345);
  auto l = make({kA});
  uint32_t seq = 0;
  std::optional<TimePoint> last;
  Health expect = Health::kUnknown;
  for (int step = 0; step < 20000; ++step) {
    const Duration gap{std::uniform_int_distribution<int64_t>(1'000, 220'000)(rng)};
    const TimePoint next = clock.now() + gap;
    // Run deadlines before the next heartbeat.
    while (auto d = l.next_deadline()) {
      if (*d > next) break;
      clock.t = *d;
      for (auto& e : l.on_timer(clock.now())) {
        EXPECT_EQ(e.health, Health::kDown);
        if (last) {
          EXPECT_EQ(clock.now() - *last, cfg.timeout);
        }
        expect = Health::kDown;
      }
    }
    clock.t = next;
    const bool lost = std::uniform_int_distribution<int>(0, 9)(rng) == 0;
    ++seq;
    if (lost) continue;
    for (auto& e : l.on_heartbeat(clock.now(), beat(kA, seq))) expect = e.health;
    last = clock.now();
    EXPECT_EQ(l.health(kA), expect);
  }
  EXPECT_GT(l.member(kA)->downs, 10u);
  EXPECT_GT(l.member(kA)->ups, 10u);
}

}  // namespace
}  // namespace conductor::cluster
