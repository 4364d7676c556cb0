// Sync health end to end (docs/cluster.md, "Sync report"): conductord (soft device) with its cluster
// service and `conductor-member` agents running HyperSync on a random 127.X.Y.0/23; conductorctl
// reads `show sync json`, `stats` and `show distribution verification`. Every member's report shows
// each peer whole with the records the member itself says it holds; a peer that is configured but
// never started is reported not whole by every member, and verification names each such pair.
// Bounded waits; every process is killed at the end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/failover/lab.hpp"

namespace conductor::failover {
namespace {

struct SyncHealthLab : ::testing::Test {
  Lab lab;
  Process daemon;
  std::string sock;
  const std::vector<MemberId> members{{0, 0}, {0, 1}, {1, 0}};

  // Members 0/0-2 and 1/0-2 are configured (Lab); `extra`: the groups. Starts conductord and waits until it answers.
  void start_daemon(const std::string& extra) {
    lab.write_config(3, extra, cluster::kDefaultHeartbeatPort);
    sock = (lab.dir / "ctl.sock").string();
    ASSERT_TRUE(daemon.start(
        {.argv = {CONDUCTORD_BIN, "--config", lab.config_path, "--name", "orch0", "--device", "soft", "--foreground"},
         .output_file = (lab.dir / "conductord.log").string()}));
    ASSERT_TRUE(wait_for(
        [&] { return !daemon.running() || ctl("show liveness").out.find("listening on") != std::string::npos; },
        10000ms));
    ASSERT_TRUE(daemon.running()) << "conductord exited:\n" << daemon.output_file_text();
  }
  void start_members() {
    for (const MemberId m : members)
      ASSERT_TRUE(lab.start_member(CONDUCTOR_MEMBER_BIN, m, cluster::kDefaultHeartbeatPort,
                                   "cpu=40 connections=" + std::to_string(100 + 10 * m.member + 50 * m.site),
                                   {"--verbose"}));
  }
  void TearDown() override {
    lab.members.clear();
    daemon.signal(SIGTERM);
    if (!daemon.wait(5000ms)) daemon.kill();
    if (HasFailure()) std::fprintf(stderr, "--- conductord log ---\n%s\n", daemon.output_file_text().c_str());
  }
  testing::RunResult ctl(const std::string& words) {
    std::vector<std::string> args = {CONDUCTORCTL_BIN, "--socket", sock};
    std::istringstream in(words);
    for (std::string w; in >> w;) args.push_back(w);
    return testing::run(args, 10000ms);
  }
  nlohmann::json sync_json() {
    auto r = ctl("show sync json");
    if (r.status.code != 0) return {};
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  static bool wait_for(const std::function<bool()>& ok, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (ok()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return ok();
  }
  // Per peer "S/M" the record count of the member's last `sync: in-sync ... backup S/M=COUNT/DIGEST` line.
  std::map<std::string, uint64_t> held_by(MemberId id) {
    const std::string out = lab.members.at(id).output_file_text();
    const auto at = out.rfind("sync: in-sync ");
    std::map<std::string, uint64_t> held;
    if (at == std::string::npos) return held;
    const std::string line = out.substr(at, out.find('\n', at) - at);
    static const std::regex item(R"((\d/\d+)=(\d+)/[0-9a-f]+)");
    for (std::sregex_iterator it(line.begin(), line.end(), item), end; it != end; ++it)
      held[(*it)[1]] = std::stoull((*it)[2]);
    return held;
  }
  static const nlohmann::json* member_of(const nlohmann::json& j, const std::string& id) {
    if (!j.is_object() || !j.contains("members")) return nullptr;
    for (const auto& m : j["members"])
      if (m["member"] == id) return &m;
    return nullptr;
  }
  // Every running member reports, fresh, and each peer's `whole` is as `whole_of` says and its records
  // equal what the member's own log says it holds. `why` gets the first mismatch.
  bool reports_match(const std::function<bool(const std::string&)>& whole_of, std::string& why) {
    const nlohmann::json j = sync_json();
    for (const MemberId m : members) {
      const std::string id = std::to_string(m.site) + "/" + std::to_string(m.member);
      const nlohmann::json* mj = member_of(j, id);
      if (!mj) return why = "no report from " + id, false;
      if ((*mj)["stale"].get<bool>()) return why = id + " stale", false;
      const auto held = held_by(m);
      for (const auto& p : (*mj)["peers"]) {
        const std::string peer = p["peer"];
        if (p["whole"].get<bool>() != whole_of(peer)) return why = id + " peer " + peer + " whole mismatch", false;
        const auto h = held.find(peer);
        const uint64_t want = h == held.end() ? 0 : h->second;
        if (p["records_held"].get<uint64_t>() != want)
          return why = id + " peer " + peer + " records " + p["records_held"].dump() + ", member log says " +
                       std::to_string(want),
                 false;
      }
    }
    return true;
  }
};

TEST_F(SyncHealthLab, EveryPeerWholeWithTheRecordsTheMemberHolds) {
  start_daemon("[security-group sg1]\nmembers = 0/0-1, 1/0\n");
  start_members();
  std::string why;
  const auto t0 = Clock::now();
  ASSERT_TRUE(wait_for([&] { return reports_match([](const std::string&) { return true; }, why); }, 10000ms))
      << why << "\n"
      << ctl("show sync").out;
  std::printf("every member's sync report shows all peers whole %.0f ms after the agents started\n",
              ms(Clock::now() - t0));
  const nlohmann::json j = sync_json();
  ASSERT_EQ(j["members"].size(), 3u) << j.dump();
  uint64_t held_total = 0;
  for (const auto& m : j["members"]) {
    EXPECT_TRUE(m["whole"].get<bool>()) << m.dump();
    EXPECT_EQ(m["peers"].size(), 2u) << m.dump();
    for (const auto& p : m["peers"]) {
      EXPECT_GT(p["frames_sent"].get<uint64_t>(), 0u) << p.dump();
      EXPECT_GT(p["frames_received"].get<uint64_t>(), 0u) << p.dump();
      EXPECT_EQ(p["rejects"].get<uint64_t>(), 0u) << p.dump();
      held_total += p["records_held"].get<uint64_t>();
    }
  }
  EXPECT_GT(held_total, 0u) << j.dump();
  EXPECT_EQ(j["member_reports"]["rejects"]["tag"], 0) << j.dump();
  // The text form and the metrics say the same.
  const auto text = ctl("show sync");
  EXPECT_NE(text.out.find("member 0/0: whole with 2/2 peers"), std::string::npos) << text.out;
  const auto stats = ctl("stats");
  EXPECT_NE(stats.out.find("conductord_sync_peer_whole{member=\"0/0\",peer=\"0/1\"} 1"), std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("conductord_sync_peer_lag_seconds{member=\"1/0\",peer=\"0/1\"}"), std::string::npos);
  EXPECT_NE(stats.out.find("conductord_sync_peer_records_sent_total{member=\"0/1\",peer=\"0/0\"}"), std::string::npos);
  EXPECT_NE(stats.out.find("conductord_sync_peers_not_whole 0"), std::string::npos) << stats.out;
  // Verification passes and says the members' HyperSync is whole.
  const auto v = ctl("show distribution verification");
  EXPECT_EQ(v.status.code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("HyperSync whole on all 3 reporting members"), std::string::npos) << v.out;
}

TEST_F(SyncHealthLab, PeerNeverStartedIsNamedNotWhole) {
  // 0/2 is the group's autoscale spare: every member syncs with it, but it never starts.
  start_daemon("[security-group sg1]\nmembers = 0/0-1, 1/0\n[autoscale sg1]\nmin-members = 2\nspares = 0/2\n");
  start_members();
  std::string why;
  ASSERT_TRUE(wait_for([&] { return reports_match([](const std::string& p) { return p != "0/2"; }, why); }, 10000ms))
      << why << "\n"
      << ctl("show sync").out;
  const auto v = ctl("show distribution verification");
  EXPECT_EQ(v.status.code, 1) << v.out;
  const std::string all = v.out + v.err;
  EXPECT_NE(all.find("3 differences between the device and the intended state and in the members' HyperSync"),
            std::string::npos)
      << all;
  for (const char* m : {"0/0", "0/1", "1/0"})
    EXPECT_NE(all.find(std::string("sync: member ") + m + " peer 0/2 not whole"), std::string::npos) << all;
  EXPECT_EQ(all.find("peer 0/0 not whole"), std::string::npos) << all;
  const auto stats = ctl("stats");
  EXPECT_NE(stats.out.find("conductord_sync_peer_whole{member=\"0/0\",peer=\"0/2\"} 0"), std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("conductord_sync_peers_not_whole 3"), std::string::npos) << stats.out;
  const auto text = ctl("show sync");
  EXPECT_NE(text.out.find("member 0/1: whole with 2/3 peers"), std::string::npos) << text.out;

  // A member killed: its report goes stale after 3 heartbeat timeouts (450 ms) and verification names it.
  lab.members.at({1, 0}).signal(SIGKILL);
  ASSERT_TRUE(wait_for(
      [&] {
        const auto r = ctl("show distribution verification");
        return (r.out + r.err).find("sync: member 1/0 report stale") != std::string::npos;
      },
      5000ms))
      << ctl("show sync").out;
}

}  // namespace
}  // namespace conductor::failover
