// conductord's election service (host/conductord/election_service.hpp) with real sockets: the test
// process moves itself into a fresh network namespace (unshare(CLONE_NEWNET); it vanishes with the
// process), brings loopback up with a second address and runs two orchestrators' services, each with
// its own EventLoop, Logger, Metrics and commands, on the loopback interface. The loops are driven
// alternately with run_once() and bounded waits. Skips only when it cannot create the namespace.
#include "host/conductord/election_service.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "host/config/values.hpp"
#include "host/control/controller.hpp"
#include "host/device/fake_device.hpp"
#include "tests/common/process.hpp"

namespace conductor::daemon {
namespace {

using namespace std::chrono_literals;
using control::Clock;
using control::Controller;
using control::Counter;
using control::EventLoop;
using control::Gauge;
using control::Logger;
using control::Metrics;

// One orchestrator's daemon parts around one election service.
struct Node {
  std::FILE* log_file = tmpfile();
  EventLoop loop;
  Logger log{log_file, config::LogLevel::kDebug};
  Metrics metrics;
  CommandRegistry commands;
  device::FakeDevice dev;
  Controller controller{dev, log, metrics};
  const config::ClusterConfig& config;
  DaemonContext ctx;
  std::unique_ptr<Service> service = make_election_service();

  Node(const config::ClusterConfig& c, std::string name)
      : config(c), ctx{loop, log, metrics, commands, controller, c, std::move(name)} {}
  ~Node() { std::fclose(log_file); }

  std::string logs() const {
    std::fflush(log_file);
    std::string out;
    std::rewind(log_file);
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, log_file)) out.append(buf, n);
    return out;
  }
  double state() const {
    const Gauge* g = metrics.find_gauge("conductord_election_state", {{"vrid", "51"}});
    return g ? g->value() : -1;
  }
  std::string show() {
    auto r = commands.run({"show", "election"});
    return r ? *r : "error: " + r.error().message;
  }
};

config::IpAddress ip(std::string_view s) {
  auto a = config::parse_ip(s);
  EXPECT_TRUE(a.ok()) << s;
  return a ? *a : config::IpAddress{};
}

config::ClusterConfig two_orchestrators(uint16_t interval_cs) {
  config::ClusterConfig c;
  c.sites = {
      config::Site{.id = 0, .vrid = 51, .advert_interval_cs = interval_cs, .virtual_addresses = {ip("127.0.0.100")}}};
  c.orchestrators = {
      config::Orchestrator{.name = "orch-a", .site = 0, .address = ip("127.0.0.1"), .priority = 200, .interface = "lo"},
      config::Orchestrator{.name = "orch-b", .site = 0, .address = ip("127.0.0.2"), .priority = 100}};
  return c;
}

class ElectionServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (unshare(CLONE_NEWNET) != 0) {
      skip_reason_ =
          std::string("cannot create a network namespace (unshare(CLONE_NEWNET) needs root): ") + std::strerror(errno);
      return;
    }
    const auto ip = testing::run_shell("ip link set lo up && ip addr add 127.0.0.2/8 dev lo", 30s);
    if (!ip.status.ok()) {
      skip_reason_ = "cannot set up loopback in the new namespace (`ip` failed): " + ip.out;
    }
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  // Runs both loops until `done` holds or `limit` passes.
  static bool drive(Node& a, Node& b, const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (done()) return true;
      a.loop.run_once(1ms);
      b.loop.run_once(1ms);
    }
    return done();
  }

  static inline std::string skip_reason_;
};

TEST_F(ElectionServiceTest, ElectsLogsCountsShowsAndHandsOverOnStop) {
  const auto cfg = two_orchestrators(2);  // 20 ms adverts
  Node a(cfg, "orch-a"), b(cfg, "orch-b");
  ASSERT_TRUE(a.service->start(a.ctx).ok());
  ASSERT_TRUE(b.service->start(b.ctx).ok());  // interface found from its address
  ASSERT_TRUE(drive(
      a, b,
      [&] { return a.state() == 2 && b.state() == 1 && b.show().find("127.0.0.1 priority 200") != std::string::npos; },
      3s))
      << a.logs() << b.logs();

  const std::string la = a.logs(), lb = b.logs();
  EXPECT_NE(la.find("\"component\":\"election\",\"event\":\"start\""), std::string::npos) << la;
  EXPECT_NE(la.find("\"event\":\"become-master\""), std::string::npos) << la;
  EXPECT_NE(la.find("\"reason\":\"master-down\""), std::string::npos) << la;
  EXPECT_NE(lb.find("\"event\":\"become-backup\""), std::string::npos) << lb;
  EXPECT_NE(lb.find("\"interface\":\"lo\""), std::string::npos) << lb;
  const std::string show = b.show();
  if (std::getenv("CONDUCTOR_TEST_VERBOSE")) std::printf("%s%s%s", la.c_str(), lb.c_str(), show.c_str());
  EXPECT_NE(show.find("Backup"), std::string::npos) << show;
  EXPECT_NE(show.find("lo (loopback)"), std::string::npos) << show;
  EXPECT_FALSE(b.commands.run({"show", "election", "extra"}).ok());

  const Counter* sent = a.metrics.find_counter("conductord_election_adverts_sent_total", {{"vrid", "51"}});
  const Counter* received = b.metrics.find_counter("conductord_election_adverts_received_total", {{"vrid", "51"}});
  ASSERT_NE(sent, nullptr);
  ASSERT_NE(received, nullptr);
  EXPECT_GT(sent->value(), 0u);
  EXPECT_GT(received->value(), 0u);
  const Counter* to_master = a.metrics.find_counter("conductord_election_transitions_total", {{"to", "master"}});
  ASSERT_NE(to_master, nullptr);
  EXPECT_EQ(to_master->value(), 1u);
  EXPECT_NE(a.metrics.exposition().find("conductord_election_state{vrid=\"51\"} 2"), std::string::npos)
      << a.metrics.exposition();

  // A stops cleanly: priority 0, and B takes over after its Skew_Time (15.6 ms here), long before
  // its Master_Down_Interval (75.6 ms).
  const auto stop = Clock::now();
  a.service->stop(stop);
  EXPECT_NE(a.logs().find("\"event\":\"become-initialize\""), std::string::npos);
  EXPECT_EQ(a.state(), 0);
  ASSERT_TRUE(drive(
      a, b, [&] { return b.state() == 2; }, 2s))
      << b.logs();
  EXPECT_LT(Clock::now() - stop, 60ms);
  EXPECT_NE(b.logs().find("\"event\":\"become-master\""), std::string::npos);
  b.service->stop(Clock::now());
}

// Single-host daemon tests give orchestrators unassigned 127/8 addresses and no interface: the
// service takes the loopback interface (all of 127/8 is local there) and the two still elect.
TEST_F(ElectionServiceTest, UnassignedLoopbackAddressesElectOnLo) {
  auto cfg = two_orchestrators(2);
  cfg.orchestrators[0].address = ip("127.77.0.1");
  cfg.orchestrators[0].interface = "";
  cfg.orchestrators[1].address = ip("127.77.0.2");
  Node a(cfg, "orch-a"), b(cfg, "orch-b");
  ASSERT_TRUE(a.service->start(a.ctx).ok());
  ASSERT_TRUE(b.service->start(b.ctx).ok());
  ASSERT_TRUE(drive(
      a, b,
      [&] { return a.state() == 2 && b.state() == 1 && b.show().find("127.77.0.1 priority 200") != std::string::npos; },
      3s))
      << a.logs() << b.logs();
  a.service->stop(Clock::now());
  b.service->stop(Clock::now());
}

TEST_F(ElectionServiceTest, ConfigurationErrorsNameTheProblem) {
  auto cfg = two_orchestrators(10);
  {
    Node n(cfg, "no-such-orchestrator");
    Status s = n.service->start(n.ctx);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("[orchestrator no-such-orchestrator]"), std::string::npos) << s.error().message;
  }
  {
    Node n(cfg, "");  // no --name: the service stays off, and says so
    EXPECT_TRUE(n.service->start(n.ctx).ok());
    EXPECT_NE(n.logs().find("\"event\":\"disabled\""), std::string::npos);
    EXPECT_NE(n.show().find("off"), std::string::npos);
  }
  {
    auto bad = cfg;
    bad.orchestrators[1].address = ip("198.18.0.9");  // on no interface
    Node n(bad, "orch-b");
    Status s = n.service->start(n.ctx);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("198.18.0.9"), std::string::npos) << s.error().message;
  }
  {
    auto bad = cfg;
    bad.orchestrators[0].interface = "no-such-if0";
    Node n(bad, "orch-a");
    Status s = n.service->start(n.ctx);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("no-such-if0"), std::string::npos) << s.error().message;
  }
}

}  // namespace
}  // namespace conductor::daemon
