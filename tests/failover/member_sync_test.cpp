// HyperSync between `conductor member` agents (docs/cluster.md, "Member agent: HyperSync"): the members
// of a security group and its autoscale spare run as real processes on a random 127.X.Y.0/23, each
// with synthetic connections. Each member syncs its connections to its two backups only
// (member::backups_of: 0/0 -> 0/1 and 1/0, 0/1 -> 0/0 and 1/0, 1/0 -> 0/0; the spare is no
// candidate) and an empty full sync to every other peer. The members start first and sync among
// themselves; the spare starts late (it missed every frame) and must end up whole, repaired by the
// protocol alone (heartbeat reveals the tail, full-sync request). A member that goes silent stops
// being a backup and is one again when it comes back. Bounded waits; every process is killed at the
// end.
#include <gtest/gtest.h>

#include <algorithm>
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
  // "S/M=count/digest" of what member `at` holds of member `of`'s connections, as the summary prints
  // it: all of them when `at` is one of of's backups with the three members up, else none.
  std::string expected(MemberId of, MemberId at) {
    const auto backups = member::backups_of(cfg, of, members);
    const bool holds = std::find(backups.begin(), backups.end(), at) != backups.end();
    const auto snap = member::synthetic_connections(of, holds ? conns.at(of) : 0, member::owned_group(cfg, of));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%u/%u=%zu/%016llx", of.site, of.member, snap.size(),
                  static_cast<unsigned long long>(sync::BackupStore::digest(snap)));
    return buf;
  }
  // Polls until the member's last summary holds `want`.
  bool wait_summary(MemberId id, const std::string& want, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (last_summary(id).find(want) == std::string::npos) {
      if (Clock::now() >= end) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
};

TEST_F(MemberSyncLab, LateSpareBecomesWholeAndEveryMemberHoldsItsShare) {
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
  std::printf("spare started late -> every session whole (an empty full sync from each of 3 peers) in %.0f ms\n",
              spare_ms);
  RecordProperty("spare_whole_ms", std::to_string(spare_ms));
  // The summary line follows the "whole" line.
  ASSERT_TRUE(wait_log(spare, "sync: in-sync 3/3", 1000ms)) << lab.members.at(spare).output_file_text();
  const std::string s = last_summary(spare);
  for (const MemberId m : members)
    EXPECT_NE(s.find(expected(m, spare)), std::string::npos) << s << "\nwants " << expected(m, spare);
  EXPECT_LT(spare_ms, 3000.0);

  // Every member ends up whole and holds exactly its share of every other member's connections.
  EXPECT_EQ(member::backups_of(cfg, {0, 0}, members), (std::vector<MemberId>{{0, 1}, {1, 0}}));
  EXPECT_EQ(member::backups_of(cfg, {1, 0}, members), (std::vector<MemberId>{{0, 0}}));
  for (const MemberId m : members) {
    ASSERT_TRUE(wait_log(m, "sync: in-sync 3/3", 3000ms)) << lab.members.at(m).output_file_text();
    for (const MemberId o : members) {
      if (!(o == m)) {
        EXPECT_TRUE(wait_summary(m, expected(o, m), 2000ms)) << m.to_string() << ": " << last_summary(m);
      }
    }
    EXPECT_NE(last_summary(m).find(expected(spare, m)), std::string::npos) << last_summary(m);
    // The heartbeat carries the SYNCED flag from then on.
    EXPECT_TRUE(wait_log(m, " SYNCED", 1000ms)) << lab.members.at(m).output_file_text();
  }
}

TEST_F(MemberSyncLab, SilentBackupIsReplacedAndARestartedMemberIsResynced) {
  // 0/1 is killed: after a second of silence 0/0 stops syncing to it (1/0 alone is left). It restarts
  // (new epoch) with fewer connections: its backups' copies are replaced by the new epoch's full sync,
  // and 0/0 takes it back as local backup and sends it a full sync of its connections.
  for (const MemberId m : members) ASSERT_TRUE(start(m));
  ASSERT_TRUE(start(spare));
  ASSERT_TRUE(wait_log(spare, "sync: in-sync 3/3", 5000ms)) << lab.members.at(spare).output_file_text();
  lab.members.at({0, 1}).signal(SIGKILL);
  lab.members.at({0, 1}).wait(1000ms);
  ASSERT_TRUE(wait_log({0, 0}, "sync: connections now go to 1/0\n", 3000ms))
      << lab.members.at({0, 0}).output_file_text();
  std::this_thread::sleep_for(
      200ms);          // not a synchronisation: the epoch counts seconds, a restart must be in a later one
  conns[{0, 1}] = 70;  // it comes back with fewer connections
  ASSERT_TRUE(start({0, 1}));
  ASSERT_TRUE(wait_log({0, 1}, "sync: whole with all 3 peers", 5000ms)) << lab.members.at({0, 1}).output_file_text();
  for (const MemberId at : {MemberId{0, 0}, MemberId{1, 0}})
    EXPECT_TRUE(wait_summary(at, expected({0, 1}, at), 5000ms))
        << last_summary(at) << "\nwants " << expected({0, 1}, at);
  EXPECT_TRUE(wait_log({0, 0}, "sync: connections now go to 0/1, 1/0", 3000ms))
      << lab.members.at({0, 0}).output_file_text();
  EXPECT_TRUE(wait_summary({0, 1}, expected({0, 0}, {0, 1}), 5000ms))
      << last_summary({0, 1}) << "\nwants " << expected({0, 0}, {0, 1});
}

}  // namespace
}  // namespace conductor::failover
