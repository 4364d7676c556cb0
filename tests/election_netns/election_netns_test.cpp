// VRRPv3 over real sockets between two network namespaces joined by a veth pair (198.18.0.0/15 only):
//
//   KeepalivedInterop  Debian's keepalived (vrrp_version 3, advert_int 0.1) in one namespace,
//                      vrrp_node (host/election's VrrpEndpoint) in the other:
//                        (c) partition (the node's link down: both Master) and heal -> one Master,
//                        (a) keepalived (Master, higher priority) killed -> the node becomes Master,
//                        (b) the node (Master) stopped cleanly (priority 0) -> keepalived takes over.
//   KeepalivedConductord  the same against the conductord binary, 100 ms adverts: keepalived killed ->
//                      conductord Master; conductord stopped with SIGTERM -> keepalived Master.
//   NodePair           vrrp_node against vrrp_node, 100 ms and 10 ms adverts: crash and clean shutdown.
//   NetnsTest.ConductordPairCrashAt100ms  two conductord processes: the Master killed -> the other Master.
//
// Every time is measured from the test's action (kill, SIGTERM, link up) to the arrival of the
// other side's log line, and printed ("[measure] ..."); docs/election.md has the figures. Bounds are
// the protocol's time plus a slack for a loaded machine. The test skips only when it cannot create
// network namespaces (not root, no `ip netns`).
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "host/election/vrrp_fsm.hpp"
#include "tests/election_netns/netns_lab.hpp"

namespace conductor::election {
namespace {

using namespace netns;

constexpr const char* kNode = VRRP_NODE_PATH;
constexpr int kVrid = 51;
const std::string kAddrA = "198.18.0.1";
const std::string kAddrB = "198.18.0.2";
const std::string kVip = "198.18.0.100";
// Scheduling slack on a shared 2-core machine: generous, yet far below what a protocol bug costs.
constexpr auto kSlack = 250ms;

std::chrono::milliseconds to_ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }
std::string ms_text(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", d.count() / 1000.0);
  return buf;
}

void measure(const std::string& what, double ms, const std::string& note) {
  std::printf("[measure] %s: %.1f ms (%s)\n", what.c_str(), ms, note.c_str());
  std::fflush(stdout);
  ::testing::Test::RecordProperty(what, std::to_string(ms));
}

// ---- the two kinds of peers and their log lines --------------------------------------------------

// A vrrp_node line as JSON; a discarded value for other lines (keepalived's, conductord's text).
nlohmann::json node_json(const Line& l) { return nlohmann::json::parse(l.text, nullptr, /*allow_exceptions=*/false); }

// vrrp_node's state events; nullopt for other lines.
std::optional<std::string> node_state(const Line& l) {
  const nlohmann::json j = node_json(l);
  if (!j.is_object() || !j.contains("event") || !j["event"].is_string()) return std::nullopt;
  const std::string e = j["event"].get<std::string>();
  if (e == "become-master" || e == "become-backup" || e == "become-initialize") return e;
  return std::nullopt;
}
// The node's own steady_clock time of a line (mono_us), which the test's steady_clock shares.
std::optional<TimePoint> node_time(const Line& l) {
  const nlohmann::json j = node_json(l);
  if (!j.is_object() || !j.contains("mono_us") || !j["mono_us"].is_number_integer()) return std::nullopt;
  return TimePoint{std::chrono::microseconds{j["mono_us"].get<int64_t>()}};
}
// The node's silence_us of the line at `at` (how long the old Master had been silent), in ms.
std::optional<double> node_silence_ms(const LabProcess& p, TimePoint at) {
  for (const auto& l : p.lines()) {
    const nlohmann::json j = node_json(l);
    if (!j.is_object() || !j.contains("silence_us") || node_time(l) != at) continue;
    return j["silence_us"].get<int64_t>() / 1000.0;
  }
  return std::nullopt;
}
// vrrp_node entered `state` ("become-master") at or after `after`; timed by the node's clock.
Lab::Matcher node_event(std::string state, TimePoint after) {
  return [state, after](const Line& l) -> std::optional<TimePoint> {
    if (node_state(l) != state) return std::nullopt;
    auto t = node_time(l);
    if (t && *t >= after) return t;
    return std::nullopt;
  };
}
// keepalived's "(VI_1) Entering MASTER STATE"; keepalived logs whole seconds, so timed by arrival.
std::optional<std::string> keepalived_state(const Line& l) {
  for (const char* s : {"MASTER", "BACKUP", "FAULT"}) {
    if (l.text.find(std::string("Entering ") + s + " STATE") != std::string::npos) return std::string(s);
  }
  return std::nullopt;
}
Lab::Matcher keepalived_event(std::string state, TimePoint after) {
  return [state, after](const Line& l) -> std::optional<TimePoint> {
    if (keepalived_state(l) == state && l.at >= after) return l.at;
    return std::nullopt;
  };
}

struct Peer {
  LabProcess* p;
  bool keepalived;
  std::string expected;  // "become-master" / "MASTER", ...
};
std::optional<std::string> last_state(const Peer& peer, size_t upto) {
  std::optional<std::string> st;
  for (size_t i = 0; i < upto && i < peer.p->lines().size(); ++i) {
    auto s = peer.keepalived ? keepalived_state(peer.p->lines()[i]) : node_state(peer.p->lines()[i]);
    if (s) st = s;
  }
  return st;
}

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = std::make_unique<Lab>();
    if (auto e = lab_->add_namespace("a")) {
      GTEST_SKIP() << "cannot create network namespaces (needs root and iproute2's `ip netns`): " << *e;
    }
    ASSERT_EQ(lab_->add_namespace("b"), std::nullopt);
    ASSERT_EQ(lab_->add_veth("a", 'a', kAddrA + "/24", "b", 'b', kAddrB + "/24"), std::nullopt);
  }
  void TearDown() override {
    if (HasFailure() && lab_) std::printf("process output:\n%s", lab_->transcripts().c_str());
    lab_.reset();  // kills every process, deletes the namespaces
  }

  LabProcess& start_node(const std::string& name, std::string_view ns, char side, const std::string& addr, int priority,
                         int interval_cs) {
    return start_node_on(name, ns, lab_->link(side), addr, kVip, priority, interval_cs);
  }
  LabProcess& start_node_on(const std::string& name, std::string_view ns, const std::string& ifname,
                            const std::string& addr, const std::string& vip, int priority, int interval_cs) {
    return lab_->spawn(name, ns,
                       {kNode, "--interface", ifname, "--address", addr, "--vip", vip, "--vrid", std::to_string(kVrid),
                        "--priority", std::to_string(priority), "--interval-cs", std::to_string(interval_cs)});
  }

  // Waits until every peer is in its expected state and none changed state for `quiet`. Counts flaps:
  // a peer already in its expected state that changes state (a Backup that missed adverts because the
  // machine did not schedule it in time). False when the peers never settle within `limit`.
  bool settle(const std::vector<Peer>& peers, std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
    const TimePoint end = Clock::now() + limit;
    while (Clock::now() < end) {
      std::vector<size_t> before;
      for (const auto& peer : peers) before.push_back(peer.p->lines().size());
      lab_->observe(quiet);
      bool stable = true;
      for (size_t i = 0; i < peers.size(); ++i) {
        const auto& lines = peers[i].p->lines();
        bool changed = false;
        for (size_t j = before[i]; j < lines.size(); ++j) {
          changed |= (peers[i].keepalived ? keepalived_state(lines[j]) : node_state(lines[j])).has_value();
        }
        if (changed && last_state(peers[i], before[i]) == peers[i].expected) ++flaps_;
        if (changed || last_state(peers[i], lines.size()) != peers[i].expected) stable = false;
      }
      if (stable) return true;
    }
    return false;
  }
  // 100 ms adverts and slower must not flap at all; 10 ms adverts may, on a loaded machine.
  void check_flaps(int interval_cs) {
    std::printf("[measure] flaps: %d\n", flaps_);
    if (interval_cs >= 10) {
      EXPECT_EQ(flaps_, 0) << "a peer changed state while it should have been stable";
    }
  }

  std::unique_ptr<Lab> lab_;
  int flaps_ = 0;
};

// ---- keepalived ----------------------------------------------------------------------------------

class KeepalivedInterop : public NetnsTest, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(sh("command -v keepalived").status, 0)
        << "keepalived is not installed (scripts/install-deps.sh installs Debian's)";
  }

  // keepalived in namespace "a" on link 'a': one vrrp_instance, VRRPv3, the same VRID, VIP and interval.
  // dont_track_primary keeps it running while its link has no carrier (the partition scenario).
  LabProcess& start_keepalived(const std::string& name, int priority, const std::string& advert_int) {
    const std::string d = lab_->dir() + "/" + name;
    sh("mkdir -p " + d);
    std::ofstream(d + "/keepalived.conf")
        << "global_defs {\n  vrrp_version 3\n  router_id " << name << "\n}\n"
        << "vrrp_instance VI_1 {\n  state BACKUP\n  interface " << lab_->link('a') << "\n  virtual_router_id " << kVrid
        << "\n  priority " << priority << "\n  advert_int " << advert_int << "\n  dont_track_primary\n"
        << "  virtual_ipaddress {\n    " << kVip << "/32\n  }\n}\n";
    return lab_->spawn(name, "a",
                       {"keepalived", "-n", "-l", "-D", "-P", "-f", d + "/keepalived.conf", "-p", d + "/k.pid", "-r",
                        d + "/vrrp.pid", "-c", d + "/checkers.pid"});
  }
};

TEST_P(KeepalivedInterop, PartitionHealCrashAndCleanShutdown) {
  const int interval_cs = GetParam();
  const auto ic = static_cast<uint16_t>(interval_cs);
  const auto interval = centiseconds(ic);
  const auto quiet = to_ms(5 * interval) + 20ms;
  char advert_int[16];
  std::snprintf(advert_int, sizeof advert_int, "%.2f", interval_cs / 100.0);
  const std::string tag = "-" + std::to_string(interval_cs * 10) + "ms";

  // keepalived priority 200 (Master), the node 100 (Backup).
  LabProcess& k = start_keepalived("keepalived-200", 200, advert_int);
  ASSERT_TRUE(lab_->wait_line(k, "Entering MASTER STATE", 0, 5s)) << "keepalived never became Master";
  LabProcess& n = start_node("node-100", "b", 'b', kAddrB, 100, interval_cs);
  ASSERT_TRUE(lab_->wait_line(n, "\"event\":\"master\",\"address\":\"" + kAddrA + "\"", 0, 3s))
      << "the node never heard keepalived's adverts";
  ASSERT_TRUE(settle({{&k, true, "MASTER"}, {&n, false, "become-backup"}}, quiet, 3s));
  ASSERT_TRUE(lab_->has_address("a", 'a', kVip));
  ASSERT_FALSE(lab_->has_address("b", 'b', kVip));

  // (c) Partition: the node's link down. The node stops hearing keepalived and becomes Master too.
  TimePoint t = Clock::now();
  ASSERT_EQ(lab_->run_ok("ip -n " + lab_->ns("b") + " link set " + lab_->link('b') + " down"), std::nullopt);
  ASSERT_TRUE(lab_->wait_for(n, node_event("become-master", t), 0, 3s)) << "partitioned node did not become Master";
  ASSERT_TRUE(settle({{&k, true, "MASTER"}, {&n, false, "become-master"}}, quiet, 3s));
  ASSERT_TRUE(lab_->has_address("b", 'b', kVip));
  ASSERT_TRUE(lab_->has_address("a", 'a', kVip));  // both Master: the split brain a partition causes
  // Heal: the node hears keepalived's priority 200 and steps down.
  const TimePoint heal = Clock::now();
  ASSERT_EQ(lab_->run_ok("ip -n " + lab_->ns("b") + " link set " + lab_->link('b') + " up"), std::nullopt);
  auto backup_at = lab_->wait_for(n, node_event("become-backup", heal), 0, 3s);
  ASSERT_TRUE(backup_at) << "the node stayed Master after the partition healed";
  const double heal_ms = ms_between(heal, *backup_at);
  measure("keepalived-partition-heal-to-one-master" + tag, heal_ms, "link up -> the lower-priority Master steps down");
  EXPECT_LE(heal_ms, to_ms(interval + kSlack).count());
  ASSERT_TRUE(settle({{&k, true, "MASTER"}, {&n, false, "become-backup"}}, quiet, 3s));
  EXPECT_FALSE(lab_->has_address("b", 'b', kVip));
  EXPECT_TRUE(lab_->has_address("a", 'a', kVip));

  // (a) keepalived (Master) crashes: the node takes over after Master_Down_Interval.
  const TimePoint crash = Clock::now();
  k.kill_group(SIGKILL);
  auto master_at = lab_->wait_for(n, node_event("become-master", crash), 0, 3s);
  ASSERT_TRUE(master_at) << "the node did not take over from the killed keepalived";
  const double crash_ms = ms_between(crash, *master_at);
  const auto mdi = master_down_interval(100, ic);
  measure("keepalived-crash-to-node-master" + tag, crash_ms,
          "Master_Down_Interval " + ms_text(mdi) + ", less the time since the last advert");
  EXPECT_LE(crash_ms, to_ms(mdi + kSlack).count());
  auto silence = node_silence_ms(n, *master_at);
  ASSERT_TRUE(silence);
  measure("keepalived-last-advert-to-node-master" + tag, *silence, "detection: Master_Down_Interval " + ms_text(mdi));
  EXPECT_GE(*silence, to_ms(mdi).count() - 1);
  EXPECT_LE(*silence, to_ms(mdi + kSlack).count());
  k.reap(2s);
  ASSERT_TRUE(settle({{&n, false, "become-master"}}, quiet, 3s));
  EXPECT_TRUE(lab_->has_address("b", 'b', kVip));

  // (b) keepalived comes back with a lower priority (Backup); the node stops cleanly: priority 0, and
  // keepalived takes over after its Skew_Time.
  LabProcess& k2 = start_keepalived("keepalived-50", 50, advert_int);
  ASSERT_TRUE(lab_->wait_line(k2, "Entering BACKUP STATE", 0, 5s));
  const auto mdi50 = master_down_interval(50, ic);
  ASSERT_TRUE(settle({{&k2, true, "BACKUP"}, {&n, false, "become-master"}}, to_ms(2 * mdi50), 3s))
      << "keepalived did not hear the node";
  const TimePoint stop = Clock::now();
  n.kill_group(SIGTERM);
  auto k_master_at = lab_->wait_for(k2, keepalived_event("MASTER", stop), 0, 3s);
  ASSERT_TRUE(k_master_at) << "keepalived did not take over from the stopped node";
  const double clean_ms = ms_between(stop, *k_master_at);
  measure("node-clean-stop-to-keepalived-master" + tag, clean_ms,
          "keepalived priority 50: Skew_Time " + ms_text(skew_time(50, ic)));
  EXPECT_LE(clean_ms, to_ms(skew_time(50, ic) + kSlack).count());
  EXPECT_EQ(n.reap(2s), std::optional<int>(0)) << "the node did not exit cleanly on SIGTERM";
  EXPECT_FALSE(lab_->has_address("b", 'b', kVip)) << "the stopped node left the virtual address behind";
  check_flaps(interval_cs);
}

#ifdef CONDUCTORD_PATH
// The same against conductord itself (its election service), 100 ms adverts. conductord's log lines
// carry wall-clock stamps only, so its events are timed on arrival.

// A cluster configuration for the conductord named "self" on `link` with `self_addr`, and one other
// orchestrator "peer" at `peer_addr`; its control socket is `dir`/`tag`.sock.
std::string write_conductord_config(const std::string& dir, const std::string& tag, const std::string& link,
                                    const std::string& self_addr, int self_priority, const std::string& peer_addr,
                                    int peer_priority) {
  const std::string conf = dir + "/" + tag + ".conf";
  std::ofstream(conf) << "[cluster]\nname = vrrp-interop\n"
                      << "[site 0]\nvrid = " << kVrid << "\nadvert-interval = 100ms\nvirtual-addresses = " << kVip
                      << "\n"
                      << "[orchestrator peer]\nsite = 0\naddress = " << peer_addr << "\npriority = " << peer_priority
                      << "\n"
                      << "[orchestrator self]\nsite = 0\naddress = " << self_addr << "\npriority = " << self_priority
                      << "\ninterface = " << link << "\n"
                      << "[member 0/0]\naddress = 198.18.1.0\n[security-group sg]\nid = 1\nmembers = 0/0\n"
                      << "[sync]\nkey = 00112233445566778899aabbccddeeff\n"
                      << "[control]\nsocket = " << dir << "/" << tag << ".sock\nlog-level = debug\n";
  return conf;
}
bool conductord_master_seen(const LabProcess& c, size_t from) {
  for (size_t i = from; i < c.lines().size(); ++i) {
    if (c.lines()[i].text.find("\"become-master\"") != std::string::npos) return true;
  }
  return false;
}

class KeepalivedConductord : public KeepalivedInterop {
 protected:
  LabProcess& start_conductord(const std::string& name, std::string_view ns, const std::string& conf) {
    return lab_->spawn(name, ns, {CONDUCTORD_PATH, "--config", conf, "--name", "self", "--device", "sim"});
  }
};

// conductord Backup (100) under keepalived (200); keepalived crashes -> conductord becomes Master.
TEST_F(KeepalivedConductord, TakesOverAt100ms) {
  constexpr uint16_t ic = 10;
  const std::string conf = write_conductord_config(lab_->dir(), "b", lab_->link('b'), kAddrB, 100, kAddrA, 200);
  LabProcess& k = start_keepalived("keepalived-200", 200, "0.10");
  ASSERT_TRUE(lab_->wait_line(k, "Entering MASTER STATE", 0, 5s)) << "keepalived never became Master";
  LabProcess& c = start_conductord("conductord", "b", conf);
  ASSERT_TRUE(lab_->wait_line(c, "\"event\":\"master-changed\",\"master\":\"" + kAddrA + "\"", 0, 10s))
      << "conductord never heard keepalived";
  lab_->observe(500ms);
  ASSERT_FALSE(conductord_master_seen(c, 0)) << "conductord became Master while keepalived advertised";

  size_t from = c.lines().size();
  const TimePoint crash = Clock::now();
  k.kill_group(SIGKILL);
  auto master_at = lab_->wait_line(c, "\"event\":\"become-master\"", from, 3s);
  ASSERT_TRUE(master_at) << "conductord did not take over from the killed keepalived";
  const double crash_ms = ms_between(crash, *master_at);
  measure("keepalived-crash-to-conductord-master-100ms", crash_ms,
          "Master_Down_Interval " + ms_text(master_down_interval(100, ic)) + ", less the time since the last advert");
  EXPECT_LE(crash_ms, to_ms(master_down_interval(100, ic) + kSlack).count());
  k.reap(2s);
  lab_->observe(100ms);
  EXPECT_TRUE(lab_->has_address("b", 'b', kVip));
}

// conductord Master (200) over keepalived (50); SIGTERM to conductord: it runs Service::stop() (a
// priority-0 advert), exits 0 and removes the virtual address; keepalived takes over after its
// Skew_Time instead of a Master_Down_Interval.
TEST_F(KeepalivedConductord, CleanStopHandsOverAt100ms) {
  constexpr uint16_t ic = 10;
  const std::string conf = write_conductord_config(lab_->dir(), "b", lab_->link('b'), kAddrB, 200, kAddrA, 50);
  LabProcess& c = start_conductord("conductord", "b", conf);
  ASSERT_TRUE(lab_->wait_line(c, "\"event\":\"become-master\"", 0, 10s)) << "conductord never became Master";
  LabProcess& k = start_keepalived("keepalived-50", 50, "0.10");
  ASSERT_TRUE(lab_->wait_line(k, "Entering BACKUP STATE", 0, 5s));
  // keepalived must hear conductord: no MASTER for 2 of its Master_Down_Intervals.
  lab_->observe(to_ms(2 * master_down_interval(50, ic)));
  ASSERT_FALSE(lab_->wait_for(k, keepalived_event("MASTER", TimePoint{}), 0, 0ms))
      << "keepalived did not hear conductord";
  ASSERT_TRUE(lab_->has_address("b", 'b', kVip));

  const TimePoint stop = Clock::now();
  ASSERT_EQ(::kill(c.pid(), SIGTERM), 0);
  auto k_master_at = lab_->wait_for(k, keepalived_event("MASTER", stop), 0, 3s);
  ASSERT_TRUE(k_master_at) << "keepalived did not take over from the stopped conductord";
  const double clean_ms = ms_between(stop, *k_master_at);
  measure("conductord-sigterm-to-keepalived-master-100ms", clean_ms,
          "keepalived priority 50: Skew_Time " + ms_text(skew_time(50, ic)));
  // A priority-0 advert costs Skew_Time (80.5 ms); a missing one Master_Down_Interval (380.5 ms).
  EXPECT_LT(clean_ms, 300.0) << "no priority-0 advert? (Master_Down_Interval " + ms_text(master_down_interval(50, ic)) +
                                    ")";
  // keepalived -D logs the priority-0 advert it acted on.
  EXPECT_TRUE(lab_->wait_line(k, "Backup received priority 0 advertisement", 0, 0ms))
      << "keepalived heard no priority 0";
  EXPECT_EQ(c.reap(3s), std::optional<int>(0)) << "conductord did not exit cleanly on SIGTERM";
  EXPECT_TRUE(lab_->wait_line(c, "\"component\":\"election\",\"event\":\"stop\"", 0, 0ms)) << "no election stop logged";
  EXPECT_FALSE(lab_->has_address("b", 'b', kVip)) << "the stopped conductord left the virtual address behind";
}

// Two conductord processes, one per namespace: the Master (200) is killed with SIGKILL -> the other
// (100) becomes Master within Master_Down_Interval, and `conductorctl show election` says so.
TEST_F(NetnsTest, ConductordPairCrashAt100ms) {
  constexpr uint16_t ic = 10;
  const std::string conf_a = write_conductord_config(lab_->dir(), "a", lab_->link('a'), kAddrA, 200, kAddrB, 100);
  const std::string conf_b = write_conductord_config(lab_->dir(), "b", lab_->link('b'), kAddrB, 100, kAddrA, 200);
  LabProcess& a =
      lab_->spawn("conductord-a", "a", {CONDUCTORD_PATH, "--config", conf_a, "--name", "self", "--device", "sim"});
  ASSERT_TRUE(lab_->wait_line(a, "\"event\":\"become-master\"", 0, 10s)) << "conductord a never became Master";
  LabProcess& b =
      lab_->spawn("conductord-b", "b", {CONDUCTORD_PATH, "--config", conf_b, "--name", "self", "--device", "sim"});
  ASSERT_TRUE(lab_->wait_line(b, "\"event\":\"master-changed\",\"master\":\"" + kAddrA + "\"", 0, 10s))
      << "conductord b never heard a";
  lab_->observe(500ms);
  ASSERT_FALSE(conductord_master_seen(b, 0)) << "conductord b became Master while a advertised";
  ASSERT_TRUE(lab_->has_address("a", 'a', kVip));
  ASSERT_FALSE(lab_->has_address("b", 'b', kVip));

  const size_t from = b.lines().size();
  const TimePoint crash = Clock::now();
  a.kill_group(SIGKILL);
  auto master_at = lab_->wait_line(b, "\"event\":\"become-master\"", from, 3s);
  ASSERT_TRUE(master_at) << "conductord b did not take over from the killed a";
  const double crash_ms = ms_between(crash, *master_at);
  const auto mdi = master_down_interval(100, ic);
  measure("conductord-pair-crash-to-master-100ms", crash_ms,
          "Master_Down_Interval " + ms_text(mdi) + ", less the time since the last advert");
  EXPECT_LT(crash_ms, 1000.0);
  EXPECT_LE(crash_ms, to_ms(mdi + kSlack).count());
  a.reap(2s);
  lab_->observe(100ms);
  EXPECT_TRUE(lab_->has_address("b", 'b', kVip));
#ifdef CONDUCTORCTL_PATH
  auto show = sh(std::string("timeout 10 ") + CONDUCTORCTL_PATH + " --socket " + lab_->dir() +
                 "/b.sock --timeout 5 show election");
  EXPECT_EQ(show.status, 0) << show.output;
  const size_t st = show.output.find("state ");
  ASSERT_NE(st, std::string::npos) << show.output;
  EXPECT_NE(show.output.substr(st, show.output.find('\n', st) - st).find("Master"), std::string::npos) << show.output;
#endif
}
#endif

INSTANTIATE_TEST_SUITE_P(Intervals, KeepalivedInterop, ::testing::Values(10, 1),
                         [](const auto& info) { return std::to_string(info.param * 10) + "ms"; });

// ---- vrrp_node against vrrp_node -----------------------------------------------------------------

class NodePair : public NetnsTest, public ::testing::WithParamInterface<int> {};

TEST_P(NodePair, CrashAndCleanShutdown) {
  const int interval_cs = GetParam();
  const auto ic = static_cast<uint16_t>(interval_cs);
  const auto interval = centiseconds(ic);
  const auto quiet = to_ms(5 * interval) + 20ms;
  const std::string tag = std::to_string(interval_cs * 10) + "ms";
  // Node A priority 200 (Master), node B 100 (Backup).
  LabProcess& a = start_node("node-a-200", "a", 'a', kAddrA, 200, interval_cs);
  ASSERT_TRUE(lab_->wait_line(a, "\"become-master\"", 0, 3s));
  LabProcess& b = start_node("node-b-100", "b", 'b', kAddrB, 100, interval_cs);
  ASSERT_TRUE(lab_->wait_line(b, "\"event\":\"master\",\"address\":\"" + kAddrA + "\"", 0, 3s));
  ASSERT_TRUE(settle({{&a, false, "become-master"}, {&b, false, "become-backup"}}, quiet, 3s));

  // Crash of the Master: B becomes Master after Master_Down_Interval.
  const TimePoint crash = Clock::now();
  a.kill_group(SIGKILL);
  auto b_master = lab_->wait_for(b, node_event("become-master", crash), 0, 3s);
  ASSERT_TRUE(b_master);
  const double crash_ms = ms_between(crash, *b_master);
  const auto mdi = master_down_interval(100, ic);
  measure("node-pair-crash-" + tag, crash_ms, "Master_Down_Interval " + ms_text(mdi));
  EXPECT_LE(crash_ms, to_ms(mdi + kSlack).count());
  auto silence = node_silence_ms(b, *b_master);
  ASSERT_TRUE(silence);
  measure("node-pair-last-advert-to-master-" + tag, *silence, "detection: Master_Down_Interval " + ms_text(mdi));
  EXPECT_GE(*silence, to_ms(mdi).count() - 1);
  EXPECT_LE(*silence, to_ms(mdi + kSlack).count());
  a.reap(2s);
  ASSERT_TRUE(settle({{&b, false, "become-master"}}, quiet, 3s));
  EXPECT_TRUE(lab_->has_address("b", 'b', kVip));

  // A comes back (priority 200, preempts after its Master_Down_Interval); then stops cleanly.
  LabProcess& a2 = start_node("node-a2-200", "a", 'a', kAddrA, 200, interval_cs);
  ASSERT_TRUE(lab_->wait_line(a2, "\"become-master\"", 0, 3s));
  ASSERT_TRUE(settle({{&a2, false, "become-master"}, {&b, false, "become-backup"}}, quiet, 3s))
      << "B did not yield to the preempting A";
  const TimePoint stop = Clock::now();
  a2.kill_group(SIGTERM);
  b_master = lab_->wait_for(b, node_event("become-master", stop), 0, 3s);
  ASSERT_TRUE(b_master);
  const double clean_ms = ms_between(stop, *b_master);
  const auto skew = skew_time(100, ic);
  measure("node-pair-clean-stop-" + tag, clean_ms, "Skew_Time " + ms_text(skew));
  EXPECT_LE(clean_ms, to_ms(skew + kSlack).count());
  EXPECT_EQ(a2.reap(2s), std::optional<int>(0));
  EXPECT_FALSE(lab_->has_address("a", 'a', kVip));
  check_flaps(interval_cs);
}

// Two routers on one host's loopback interface (how conductord's single-host tests run two
// orchestrators): multicast loops back, each drops its own adverts, and the addresses are left alone.
TEST_F(NetnsTest, LoopbackPairElectsAndFailsOver) {
  ASSERT_EQ(lab_->run_ok("ip -n " + lab_->ns("a") + " addr add 127.0.0.2/8 dev lo"), std::nullopt);
  LabProcess& a = start_node_on("lo-a-200", "a", "lo", "127.0.0.1", "127.0.0.100", 200, 10);
  ASSERT_TRUE(lab_->wait_line(a, "\"become-master\"", 0, 3s));
  LabProcess& b = start_node_on("lo-b-100", "a", "lo", "127.0.0.2", "127.0.0.100", 100, 10);
  ASSERT_TRUE(lab_->wait_line(b, "\"event\":\"master\",\"address\":\"127.0.0.1\"", 0, 3s));
  ASSERT_TRUE(settle({{&a, false, "become-master"}, {&b, false, "become-backup"}}, 520ms, 3s));
  const TimePoint crash = Clock::now();
  a.kill_group(SIGKILL);
  auto b_master = lab_->wait_for(b, node_event("become-master", crash), 0, 3s);
  ASSERT_TRUE(b_master);
  EXPECT_LE(ms_between(crash, *b_master), to_ms(master_down_interval(100, 10) + kSlack).count());
  for (const auto& l : b.lines()) EXPECT_EQ(l.text.find("\"error\""), std::string::npos) << l.text;
  check_flaps(10);
}

INSTANTIATE_TEST_SUITE_P(Intervals, NodePair, ::testing::Values(10, 1),
                         [](const auto& info) { return std::to_string(info.param * 10) + "ms"; });

}  // namespace
}  // namespace conductor::election
