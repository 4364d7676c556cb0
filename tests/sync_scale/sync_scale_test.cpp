// HyperSync at scale between `conductor-member` agents, each in its own network namespace
// (sync_netns_lab.hpp): three members (0/0 and 0/1 in site 0, 1/0 in site 1) with N synthetic
// connections each (SYNC_SCALE_CONNECTIONS, default 20000) and [sync] delay = 0s, on a lossless
// link, with 10% and 30% random loss on every link (iptables in every namespace) and with reordering
// and duplication (the agents' --sync-impair shim). In each run every member must commit its peers'
// full syncs and hold exactly what member::backups_of() says it backs up (per peer: the owner's
// member::synthetic_connections, count and digest, or nothing); then a fourth member (0/2), started
// after the others are in sync, must become whole, and every member must again hold exactly its share.
// Times are printed and recorded as test properties. SYNC_SCALE_EXPECT=all-peers checks the older
// rule (every peer holds every owner's connections) instead. Skips (with the reason) without root or namespaces.
// Every wait is bounded; every agent and namespace is removed at the end, also on failure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "host/config/parser.hpp"
#include "host/member/member_sync.hpp"
#include "host/sync/backup_store.hpp"
#include "tests/sync_scale/sync_netns_lab.hpp"

namespace conductor::sync_scale {
namespace {

uint32_t connections_per_member() {
  if (const char* e = std::getenv("SYNC_SCALE_CONNECTIONS")) return static_cast<uint32_t>(std::strtoul(e, nullptr, 10));
  return 20000;
}

struct Scenario {
  const char* name;
  double loss;         // iptables, every link
  const char* impair;  // --sync-impair on every agent ("" none)
};

class SyncScale : public ::testing::Test {
 protected:
  const std::vector<MemberId> first_{{0, 0}, {0, 1}, {1, 0}};
  const MemberId joiner_{0, 2};
  const uint32_t n_ = connections_per_member();
  std::optional<SyncLab> lab_;
  config::ClusterConfig cfg_;
  std::set<MemberId> running_;
  // SYNC_SCALE_EXPECT=all-peers: every running peer holds every owner's connections (the protocol
  // before each connection went to its two backups only); default: exactly backups_of().
  const bool all_peers_ = [] {
    const char* e = std::getenv("SYNC_SCALE_EXPECT");
    return e && std::string(e) == "all-peers";
  }();

  void SetUp() override {
    if (auto why = SyncLab::netns_unavailable()) GTEST_SKIP() << "network namespaces unavailable: " << *why;
    std::vector<MemberId> all = first_;
    all.push_back(joiner_);
    lab_.emplace(all, true);
    if (auto e = lab_->build_network()) GTEST_SKIP() << "cannot build the namespace network: " << *e;
    lab_->write_config("delay = 0s\n");
    auto c = config::load_config(lab_->config_path());
    ASSERT_TRUE(c) << c.error().message;
    cfg_ = *c;
  }

  // "S/M=count/digest" as the agent's summary prints it.
  static std::string entry(MemberId of, const sync::BackupStore::Snapshot& s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%u/%u=%zu/%016llx", of.site, of.member, s.size(),
                  static_cast<unsigned long long>(sync::BackupStore::digest(s)));
    return buf;
  }
  // What `holder` must hold of every other configured member, given the members running.
  std::vector<std::string> expected(MemberId holder) {
    std::vector<std::string> out;
    std::vector<MemberId> up(running_.begin(), running_.end());
    for (const MemberId owner : member::sync_peers(cfg_, holder)) {
      const bool backs = running_.count(owner) && (all_peers_ || [&] {
                           std::vector<MemberId> heard;
                           for (MemberId m : up)
                             if (!(m == owner)) heard.push_back(m);
                           const auto b = member::backups_of(cfg_, owner, heard);
                           return std::find(b.begin(), b.end(), holder) != b.end();
                         }());
      out.push_back(entry(owner, backs ? member::synthetic_connections(owner, n_, member::owned_group(cfg_, owner))
                                       : sync::BackupStore::Snapshot{}));
    }
    return out;
  }
  // Waits until the member's latest "sync: in-sync K/K ..." summary (K = its running peers) holds
  // every expected entry; empty on success, else what is missing and the line.
  std::string wait_holdings(MemberId m, std::chrono::milliseconds limit) {
    const auto want = expected(m);
    const size_t k = member::sync_peers(cfg_, m).size();
    const std::string in_sync = "sync: in-sync " + std::to_string(running_.size() - 1) + "/" + std::to_string(k);
    const auto end = Clock::now() + limit;
    std::string line, missing;
    for (;;) {
      line = lab_->last_line(m, "sync: in-sync ");
      missing.clear();
      if (line.find(in_sync) == std::string::npos) missing = "<" + in_sync + ">";
      for (const auto& w : want)
        if (line.find(" " + w) == std::string::npos) missing += " " + w;
      if (missing.empty()) return "";
      if (Clock::now() >= end || !lab_->running(m)) break;
      std::this_thread::sleep_for(20ms);
    }
    return id_text(m) + " lacks" + missing + "\n  last summary: " + line;
  }

  void run(const Scenario& sc) {
    ASSERT_FALSE(lab_->set_loss(sc.loss).has_value());
    std::printf("[%s] %u connections per member, loss %.0f%%%s%s, %s\n", sc.name, n_, sc.loss * 100,
                *sc.impair ? ", impair " : "", sc.impair, lab_->netns() ? "namespaces" : "loopback");
    const auto t0 = Clock::now();
    for (const MemberId m : first_) {
      ASSERT_TRUE(lab_->start(CONDUCTOR_MEMBER_BIN, m, n_, true, sc.impair));
      running_.insert(m);
    }
    // Phase 1: the three sync among themselves (the configured 0/2 is not up: its sessions wait).
    for (const MemberId m : first_) {
      const std::string err = wait_holdings(m, 20s);
      ASSERT_EQ(err, "") << lab_->logs();
    }
    const double first_s = seconds_between(t0, Clock::now());
    std::printf("[%s] 3 members in sync with each other, each holding exactly its backups: %.2f s\n", sc.name, first_s);
    RecordProperty("first_in_sync_s", std::to_string(first_s));

    // Phase 2: a member joins; it must become whole, and everyone must hold its new share.
    ASSERT_TRUE(lab_->start(CONDUCTOR_MEMBER_BIN, joiner_, n_, true, sc.impair));
    running_.insert(joiner_);
    const auto t1 = lab_->started_at(joiner_);
    const auto whole = lab_->wait_log(joiner_, "sync: whole with all 3 peers", 20s);
    ASSERT_TRUE(whole) << lab_->logs();
    const double join_s = seconds_between(t1, *whole);
    std::printf("[%s] joining member whole (full syncs from 3 peers): %.2f s\n", sc.name, join_s);
    RecordProperty("join_whole_s", std::to_string(join_s));
    for (const MemberId m : lab_->members()) {
      ASSERT_TRUE(lab_->wait_log(m, "sync: whole with all 3 peers", 20s)) << lab_->logs();
      const std::string err = wait_holdings(m, 20s);
      EXPECT_EQ(err, "") << lab_->logs();
    }
    const double all_s = seconds_between(t1, Clock::now());
    std::printf("[%s] all 4 whole, each holding exactly its backups: %.2f s after the join (iptables dropped %llu)\n",
                sc.name, all_s, static_cast<unsigned long long>(lab_->dropped_by_iptables()));
    RecordProperty("all_whole_after_join_s", std::to_string(all_s));
    if (sc.loss == 0 && !*sc.impair) {
      EXPECT_LT(join_s, 10.0);
    }
  }
};

TEST_F(SyncScale, Lossless) { run({"lossless", 0.0, ""}); }
TEST_F(SyncScale, TenPercentLoss) { run({"loss 10%", 0.10, ""}); }
TEST_F(SyncScale, ThirtyPercentLoss) { run({"loss 30%", 0.30, ""}); }
TEST_F(SyncScale, ReorderAndDuplicate) { run({"reorder+dup", 0.0, "reorder=0.1,duplicate=0.05,delay=3ms"}); }

}  // namespace
}  // namespace conductor::sync_scale
