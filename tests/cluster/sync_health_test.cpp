#include <gtest/gtest.h>

#include "host/cluster/sync_health.hpp"
#include "tests/cluster/cluster_test_util.hpp"

namespace conductor::cluster {
namespace {

using namespace std::chrono_literals;

SyncReport report(MemberId m, uint32_t seq, std::vector<PeerSyncHealth> peers, uint32_t inc = 7) {
  return SyncReport{.member = m, .incarnation = inc, .sequence = seq, .peers = std::move(peers)};
}

TEST(SyncHealth, KeepsTheLatestAndNamesWhatIsNotWhole) {
  test::FakeClock clock;
  SyncHealth h(3s);
  EXPECT_TRUE(h.on_report(clock.now(), report({0, 0}, 1,
                                              {{.peer = {0, 1}, .flags = kPeerWhole, .records_held = 10},
                                               {.peer = {0, 2}, .flags = 0, .lag_us = 1500}})));
  EXPECT_TRUE(h.on_report(clock.now(), report({0, 1}, 1, {{.peer = {0, 0}, .flags = kPeerWhole}})));
  auto p = h.problems(clock.now());
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("member 0/0 peer 0/2 not whole"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("lag 0.002 s"), std::string::npos) << p[0];
  // An older report (same incarnation) is dropped; a newer one replaces.
  EXPECT_FALSE(h.on_report(clock.now(), report({0, 0}, 1, {})));
  EXPECT_TRUE(
      h.on_report(clock.advance(100ms),
                  report({0, 0}, 2, {{.peer = {0, 1}, .flags = kPeerWhole}, {.peer = {0, 2}, .flags = kPeerWhole}})));
  EXPECT_TRUE(h.problems(clock.now()).empty());
  EXPECT_EQ(h.accepted(), 3u);
  const std::string s = h.show(clock.now());
  EXPECT_NE(s.find("member 0/0: whole with 2/2 peers"), std::string::npos) << s;
  EXPECT_NE(s.find("member 0/1: whole with 1/1 peers"), std::string::npos) << s;
}

TEST(SyncHealth, StaleAfterTheTimeoutAndForgotten) {
  test::FakeClock clock;
  SyncHealth h(3s);
  h.on_report(clock.now(), report({0, 3}, 1, {{.peer = {0, 1}, .flags = kPeerWhole}}));
  EXPECT_EQ(h.next_stale(clock.now()), clock.now() + 3s);
  clock.advance(2999ms);
  EXPECT_TRUE(h.problems(clock.now()).empty());
  clock.advance(1ms);
  auto p = h.problems(clock.now());
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("member 0/3 report stale"), std::string::npos) << p[0];
  EXPECT_FALSE(h.next_stale(clock.now()));
  EXPECT_NE(h.show(clock.now()).find("(STALE)"), std::string::npos);
  h.forget({0, 3});
  EXPECT_TRUE(h.problems(clock.now()).empty());
}

TEST(SyncHealth, CounterIncrementsAcrossReportsAndRestarts) {
  test::FakeClock clock;
  SyncHealth h;
  std::vector<SyncHealth::Increments> inc;
  h.on_report(clock.now(), report({0, 0}, 1, {{.peer = {0, 1}, .frames_sent = 5, .records_sent = 50, .rejects = 1}}),
              &inc);
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].frames_sent, 5u);
  EXPECT_EQ(inc[0].records_sent, 50u);
  EXPECT_EQ(inc[0].rejects, 1u);
  h.on_report(clock.now(), report({0, 0}, 2, {{.peer = {0, 1}, .frames_sent = 8, .records_sent = 50, .rejects = 1}}),
              &inc);
  EXPECT_EQ(inc[0].frames_sent, 3u);
  EXPECT_EQ(inc[0].records_sent, 0u);
  // A new incarnation counts from zero: its values are the increments.
  h.on_report(clock.now(), report({0, 0}, 1, {{.peer = {0, 1}, .frames_sent = 2}}, 8), &inc);
  EXPECT_EQ(inc[0].frames_sent, 2u);
  EXPECT_EQ(h.members().at({0, 0}).reports, 3u);
}

TEST(SyncHealth, RejectsAreCountedByReason) {
  SyncHealth h;
  h.on_reject(SyncReportReject::kTag);
  h.on_reject(SyncReportReject::kTag);
  h.on_reject(SyncReportReject::kLength);
  EXPECT_EQ(h.rejects()[static_cast<size_t>(SyncReportReject::kTag)], 2u);
  const std::string s = h.show(test::FakeClock{}.now());
  EXPECT_NE(s.find("3 rejected (length 1, tag 2)"), std::string::npos) << s;
}

}  // namespace
}  // namespace conductor::cluster
