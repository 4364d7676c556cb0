// HyperSync between `conductor member` agents (docs/cluster.md, "Member agent: HyperSync"): the members
// of a security group and its autoscale spare run as real processes on a random 127.X.Y.0/23, each
// with synthetic connections. The members start first and sync among themselves; the spare starts
// late (it missed every frame) and must end up holding exactly every peer's connections, repaired by
// the protocol alone (heartbeat reveals the tail, full-sync request). Bounded waits; every process is
// killed at the end.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "host/member/member_sync.hpp"
#include "host/sync/backup_store.hpp"
#include "tests/failover/lab.hpp"

namespace conductor::failover {
namespace {

constexpr uint16_t kPort = 8117;  // heartbeats go nowhere here: this test watches the sync only

struct MemberSyncLab : ::testing::Test {
  Lab lab;
  config::ClusterConfig cfg;
  const std::vector<MemberId> members{{0, 0}, {0, 1}, {1, 0}};
  const MemberId spare{0, 2};
  std::map<MemberId, uint32_t> conns{{{0, 0}, 300}, {{0, 1}, 120}, {{1, 0}, 45}, {{0, 2}, 0}};

  void SetUp() override {
    lab.write_config(3,
                     "[security-group sg1]\nmembers = 0/0-1, 1/0\n"
                     "[autoscale sg1]\nmin-members = 2\nspares = 0/2\n",
                     kPort);
    auto c = config::load_config(lab.config_path);
    ASSERT_TRUE(c) << c.error().message;
    cfg = *c;
  }
  bool start(MemberId id) {
    return lab.start_member(CONDUCTOR_MEMBER_BIN, id, kPort, "cpu=40 connections=" + std::to_string(conns.at(id)),
                            {"--verbose"});
  }
  // Polls the member's log every 5 ms until `needle` appears or `limit` passes.
  bool wait_log(MemberId id, const std::string& needle, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    for (;;) {
      if (lab.members.at(id).output_file_text().find(needle) != std::string::npos) return true;
      if (Clock::now() >= end) return false;
      std::this_thread::sleep_for(5ms);
    }
  }
  // The last "sync: in-sync ..." line of the member's log.
  std::string last_summary(MemberId id) {
    const std::string out = lab.members.at(id).output_file_text();
    const auto at = out.rfind("sync: in-sync ");
    if (at == std::string::npos) return "";
    return out.substr(at, out.find('\n', at) - at);
  }
  // "S/M=count/digest" of what member `of` owns, as the summary prints it.
  std::string expected(MemberId of) {
    const auto snap = member::synthetic_connections(of, conns.at(of), member::owned_group(cfg, of));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%u/%u=%zu/%016llx", of.site, of.member, snap.size(),
                  static_cast<unsigned long long>(sync::BackupStore::digest(snap)));
    return buf;
  }
};

TEST_F(MemberSyncLab, LateSpareHoldsExactlyThePeersConnections) {
  EXPECT_EQ(member::sync_peers(cfg, spare), (std::vector<MemberId>{{0, 0}, {0, 1}, {1, 0}}));
  for (const MemberId m : members) ASSERT_TRUE(start(m));
  // The members sync among themselves (two of three sessions whole); the spare is not up, so their
  // session for it has nothing yet, and whatever they send it is lost.
  for (const MemberId m : members)
    ASSERT_TRUE(wait_log(m, "sync: in-sync 2/3", 5000ms)) << lab.members.at(m).output_file_text();

  const auto t0 = Clock::now();
  ASSERT_TRUE(start(spare));
  ASSERT_TRUE(wait_log(spare, "sync: whole with all 3 peers", 5000ms)) << lab.members.at(spare).output_file_text();
  const double spare_ms = ms(Clock::now() - t0);
  std::printf("spare started late -> every session whole (full syncs from 3 peers, 465 connections) in %.0f ms\n",
              spare_ms);
  RecordProperty("spare_whole_ms", std::to_string(spare_ms));
  // The summary line follows the "whole" line.
  ASSERT_TRUE(wait_log(spare, "sync: in-sync 3/3", 1000ms)) << lab.members.at(spare).output_file_text();
  const std::string s = last_summary(spare);
  for (const MemberId m : members) EXPECT_NE(s.find(expected(m)), std::string::npos) << s << "\nwants " << expected(m);
  EXPECT_LT(spare_ms, 3000.0);

  // Every member ends up whole and holds every other member's connections (and none from the spare).
  for (const MemberId m : members) {
    ASSERT_TRUE(wait_log(m, "sync: in-sync 3/3", 3000ms)) << lab.members.at(m).output_file_text();
    const std::string line = last_summary(m);
    for (const MemberId o : members)
      if (!(o == m)) EXPECT_NE(line.find(expected(o)), std::string::npos) << m.to_string() << ": " << line;
    EXPECT_NE(line.find(expected(spare)), std::string::npos) << line;
    // The heartbeat carries the SYNCED flag from then on.
    EXPECT_TRUE(wait_log(m, " SYNCED", 1000ms)) << lab.members.at(m).output_file_text();
  }
}

TEST_F(MemberSyncLab, RestartedMemberIsResynced) {
  // A member killed and restarted (new epoch) is synced again by its peers and syncs to them: the
  // spare's copy of it is replaced by the new epoch's full sync (same connections).
  for (const MemberId m : members) ASSERT_TRUE(start(m));
  ASSERT_TRUE(start(spare));
  ASSERT_TRUE(wait_log(spare, "sync: in-sync 3/3", 5000ms)) << lab.members.at(spare).output_file_text();
  lab.members.at({0, 1}).signal(SIGKILL);
  lab.members.at({0, 1}).wait(1000ms);
  std::this_thread::sleep_for(
      1100ms);         // not a synchronisation: the epoch counts seconds, a restart must be in a later one
  conns[{0, 1}] = 70;  // it comes back with fewer connections
  ASSERT_TRUE(start({0, 1}));
  ASSERT_TRUE(wait_log({0, 1}, "sync: whole with all 3 peers", 5000ms)) << lab.members.at({0, 1}).output_file_text();
  const std::string want = expected({0, 1});
  const auto end = Clock::now() + 5000ms;
  while (last_summary(spare).find(want) == std::string::npos && Clock::now() < end) std::this_thread::sleep_for(5ms);
  EXPECT_NE(last_summary(spare).find(want), std::string::npos) << last_summary(spare) << "\nwants " << want;
}

}  // namespace
}  // namespace conductor::failover
