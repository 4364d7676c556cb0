// conductord and conductorctl as real processes: a temporary directory holds the configuration and
// the control socket; the metrics endpoint listens on a random 127.x.y.z address and a free port.
// Waits are bounded polls for a condition (no sleeps as synchronisation); every process a test
// starts is killed and reaped when the test ends, also on failure.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/process.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr auto kDeadline = std::chrono::seconds{20};

using conductor::testing::ExitStatus;
using conductor::testing::Process;
using conductor::testing::run;
using conductor::testing::RunResult;
using conductor::testing::SpawnOptions;

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit = kDeadline) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (cond()) return true;
    ::poll(nullptr, 0, 10);  // a bounded poll interval, not a synchronisation sleep
  }
  return cond();
}

bool can_connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A random loopback address and a port that was free a moment ago.
std::pair<std::string, uint16_t> free_endpoint() {
  std::random_device rd;
  const std::string addr =
      "127." + std::to_string(1 + rd() % 250) + "." + std::to_string(rd() % 250) + "." + std::to_string(1 + rd() % 250);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return {addr, ntohs(a.sin_port)};
}

// One HTTP exchange with the metrics endpoint; returns the whole response.
std::string http(const std::string& addr, uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  const auto end = Clock::now() + kDeadline;
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

const std::string kBody =
    "[cluster]\nactive-site = 0\n[site 0]\nname = east\n[site 1]\nname = west\n"
    "[member 0/0]\n[member 0/1]\n[member 0/2]\n[member 0/3]\nweight = 200\n"
    "[member 1/0]\n[member 1/1]\n[member 1/2]\n[member 1/3]\n"
    "[security-group sg1]\nid = 1\nmembers = 0/0-3, 1/0-3\n"
    "[sync]\nkey = 00112233445566778899aabbccddeeff\n";

class Conductord : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/conductord-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/ctl.sock";
    conf_ = dir_ + "/c.conf";
    log_ = dir_ + "/daemon.log";
    std::tie(maddr_, mport_) = free_endpoint();
    hport_ = free_endpoint().second;
  }
  void TearDown() override {
    daemon_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // The control section, then timers that keep the cluster service from failing members during a
  // test (nobody sends heartbeats here) and a heartbeat port of its own.
  std::string control(const std::string& extra = "") const {
    return "[control]\nsocket = " + sock_ + "\nmetrics = " + maddr_ + ":" + std::to_string(mport_) + "\n" + extra +
           "[timers]\nheartbeat-interval = 10s\nheartbeat-timeout = 1min\nheartbeat-port = " + std::to_string(hport_) +
           "\n";
  }
  void write_config(const std::string& body, const std::string& control_extra = "") {
    std::ofstream(conf_) << body << control(control_extra);
  }
  // Starts the daemon and waits until its socket answers.
  void start(const std::vector<std::string>& extra = {"--device", "soft"}) {
    std::vector<std::string> args = {CONDUCTORD_BIN, "--config", conf_};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<Process>(SpawnOptions{.argv = args, .output_file = log_});
    ASSERT_TRUE(wait_for([&] { return can_connect(sock_) || !daemon_->running(); })) << read_file(log_);
    ASSERT_TRUE(daemon_->running()) << read_file(log_);
  }
  RunResult ctl(const std::string& words) {
    std::vector<std::string> args = {CONDUCTORCTL_BIN, "--socket", sock_};
    std::istringstream in(words);
    for (std::string w; in >> w;) args.push_back(w);
    return run(args);
  }

  std::string dir_, sock_, conf_, log_, maddr_;
  uint16_t mport_ = 0;
  uint16_t hport_ = 0;
  std::unique_ptr<Process> daemon_;
};

TEST_F(Conductord, ShowsDistributionMembersSitesAndStats) {
  write_config(kBody);
  start();
  RunResult r = ctl("show distribution");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("security-group sg1 (id 1): 4096 buckets, 0 unassigned, ActiveSite 0"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("0/3     200     up     alive   online   1639     40.01%"), std::string::npos) << r.out;
  r = ctl("show members");
  ASSERT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("0/0     -             sg1           100     up     alive   up      819      0/1           1/0"),
            std::string::npos)
      << r.out;
  r = ctl("show sites");
  ASSERT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("0     east      online   yes     4        4"), std::string::npos) << r.out;
  r = ctl("show sync");
  ASSERT_EQ(r.status.code, 0) << r.err;
  // [sync] with a key and no orchestrators: the feed is on, for every member (no peer), and the
  // default delay of 3 s is ceil(3 / 1.79) + 1 ageing sweeps of the default table at line rate.
  EXPECT_NE(r.out.find("feed on, destination ff, new connections after 3 ageing sweeps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("records dropped (queue full)"), std::string::npos) << r.out;
  r = ctl("stats");
  ASSERT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("steer.NEW"), std::string::npos);
  EXPECT_NE(r.out.find("sync_encoder.FRAMES"), std::string::npos);
  EXPECT_NE(r.out.find("conductord_device_writes_total"), std::string::npos);
  r = ctl("help");
  ASSERT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("show distribution verification:"), std::string::npos);
  // Failures: exit 1 with the daemon's message; usage and connection errors: exit 2.
  r = ctl("show nothing");
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("unknown command 'show nothing'"), std::string::npos) << r.err;
  r = ctl("member down 7/7");
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("'7/7' is not a member id"), std::string::npos) << r.err;
  r = run({CONDUCTORCTL_BIN, "--socket", dir_ + "/none.sock", "show", "sites"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("cannot connect to " + dir_ + "/none.sock"), std::string::npos) << r.err;
  r = run({CONDUCTORCTL_BIN, "--socket", sock_});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("no command given"), std::string::npos);
  // Logs are JSON lines.
  const std::string log = read_file(log_);
  EXPECT_NE(log.find("{\"ts\":\""), std::string::npos);
  EXPECT_NE(log.find("\"event\":\"ready\""), std::string::npos);
}

TEST_F(Conductord, MemberDrainAndVerificationOfACorruptedDevice) {
  write_config(kBody);
  start();
  RunResult r = ctl("member down 0/1");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_EQ(r.out, "member 0/1 admin down (0 buckets)\n");
  r = ctl("show distribution verification");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("verified: the device matches"), std::string::npos);
  // Behind the Controller's back: member 0/1 up again in MEMBER_UP0, site 1 down.
  ASSERT_EQ(ctl("device write 0x41010 0xf").status.code, 0);
  ASSERT_EQ(ctl("device write 0x41020 1").status.code, 0);
  r = ctl("show distribution verification");
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("2 differences between the device and the intended state"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("MEMBER_UP0: device 0x0000000f (0/1 up), intended 0x0000000d"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SITE_UP: device 0x00000001, intended 0x00000003"), std::string::npos) << r.out;
  r = ctl("member up 0/1");
  ASSERT_EQ(r.status.code, 0);
  r = ctl("site offline 0");
  ASSERT_EQ(r.status.code, 0);
  EXPECT_EQ(r.out, "site 0 offline; ActiveSite 1\n");
}

TEST_F(Conductord, SighupChangesWeightsWithoutResettingFlows) {
  write_config(kBody);
  start();
  RunResult r = ctl("traffic 3000 200 5");
  ASSERT_EQ(r.status.code, 0) << r.err;
  auto counter = [&](const std::string& name) {
    RunResult s = ctl("stats");
    const size_t at = s.out.find(name);
    return at == std::string::npos ? std::string("missing") : s.out.substr(at, s.out.find('\n', at) - at);
  };
  const std::string occupancy = counter("flow_table.OCCUPANCY");
  const std::string rx = counter("parser.RX_PKTS");
  ASSERT_NE(occupancy, "missing");
  // weight of 0/0: 100 -> 300.
  std::string body = kBody;
  body.replace(body.find("[member 0/0]\n"), 13, "[member 0/0]\nweight = 300\n");
  write_config(body);
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return ctl("show distribution").out.find("0/0     300") != std::string::npos; }))
      << read_file(log_);
  r = ctl("show distribution");
  EXPECT_NE(r.out.find("0/0     300     up     alive   online   175"), std::string::npos) << r.out;  // 4096 * 300 / 700
  EXPECT_EQ(counter("flow_table.OCCUPANCY"), occupancy);
  EXPECT_EQ(counter("parser.RX_PKTS"), rx);
  EXPECT_EQ(ctl("show distribution verification").status.code, 0);
  // A bad file is rejected and the running configuration stays.
  write_config(kBody + "[member 0/0]\nweight = 600\n");
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return read_file(log_).find("reload-rejected") != std::string::npos; }));
  EXPECT_NE(read_file(log_).find("c.conf:"), std::string::npos);
  EXPECT_NE(ctl("show distribution").out.find("0/0     300"), std::string::npos);
  // A restart-only change is logged and not applied.
  group* g = ::getgrgid(::getgid());
  ASSERT_NE(g, nullptr);
  write_config(body, "log-level = debug\nsocket-group = " + std::string(g->gr_name) + "\n");
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return read_file(log_).find("change-needs-restart") != std::string::npos; }))
      << read_file(log_);
  EXPECT_NE(read_file(log_).find("[control] socket-group: (unset) -> " + std::string(g->gr_name) + " (restart)"),
            std::string::npos);
  EXPECT_NE(read_file(log_).find("[control] log-level: info -> debug (live)"), std::string::npos);
  EXPECT_TRUE(daemon_->running());
}

// Both programs' command lines: --help on stdout with exit 0; a bad value names the option, exit 2.
TEST(CommandLines, HelpAndBadValues) {
  RunResult r = run({CONDUCTORD_BIN, "--help"});
  EXPECT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("--device sim|soft"), std::string::npos) << r.out;
  r = run({CONDUCTORD_BIN, "--version"});
  EXPECT_EQ(r.status.code, 0);
  EXPECT_EQ(r.out, "conductord 0.1.0\n");
  r = run({CONDUCTORD_BIN, "--config", "c.conf", "--device", "fpga"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("--device: 'fpga' is not a device type (sim or soft)"), std::string::npos) << r.err;
  r = run({CONDUCTORD_BIN, "--name", "east"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("--config is required"), std::string::npos) << r.err;
  r = run({CONDUCTORCTL_BIN, "--help"});
  EXPECT_EQ(r.status.code, 0);
  EXPECT_NE(r.out.find("--timeout SECONDS"), std::string::npos) << r.out;
  r = run({CONDUCTORCTL_BIN, "--timeout", "0", "show", "sites"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("--timeout: '0' is not 1..3600 seconds"), std::string::npos) << r.err;
  r = run({CONDUCTORCTL_BIN, "--frobnicate", "show", "sites"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("unknown option '--frobnicate'"), std::string::npos) << r.err;
}

TEST_F(Conductord, BadConfigurationExitsTwoWithFileAndLine) {
  write_config(kBody + "[member 0/5]\nwieght = 10\n");
  RunResult r = run({CONDUCTORD_BIN, "--config", conf_, "--device", "soft"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find(conf_ + ":22: unknown key 'wieght' in [member 0/5] (did you mean 'weight'?)"), std::string::npos)
      << r.err;
  write_config(kBody, "socket-group = no-such-group-xyz\n");
  r = run({CONDUCTORD_BIN, "--config", conf_, "--device", "soft"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find(conf_ + ":24: socket-group: no group 'no-such-group-xyz' on this system"), std::string::npos)
      << r.err;
  write_config(kBody + "[member 0/9]\n[security-group sg2]\nid = 2\nmembers = 0/9\n");
  r = run({CONDUCTORD_BIN, "--config", conf_, "--device", "soft"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find(conf_ + ":22: [security-group sg2]: the core has one bucket table"), std::string::npos) << r.err;
  r = run({CONDUCTORD_BIN, "--config", dir_ + "/missing.conf"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("missing.conf: cannot open the file"), std::string::npos) << r.err;
  r = run({CONDUCTORD_BIN, "--device", "fpga", "--config", conf_});
  EXPECT_EQ(r.status.code, 2);
  write_config(kBody);
  r = run({CONDUCTORD_BIN, "--config", conf_, "--name", "nobody", "--check"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find("--name nobody: no [orchestrator nobody] section"), std::string::npos) << r.err;
  r = run({CONDUCTORD_BIN, "--config", conf_, "--check"});
  EXPECT_EQ(r.status.code, 0) << r.err;
}

TEST_F(Conductord, MetricsEndpointOverTcp) {
  write_config(kBody);
  start();
  std::string resp = http(maddr_, mport_, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(resp.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << resp;
  EXPECT_NE(resp.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(resp.find("\nconductord_up 1\n"), std::string::npos);
  EXPECT_NE(resp.find("conductord_member_buckets{member=\"0/3\"} 1639"), std::string::npos);
  EXPECT_NE(resp.find("conductor_device_steer_new "), std::string::npos);
  EXPECT_EQ(http(maddr_, mport_, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.0 404", 0), 0u);
  EXPECT_EQ(http(maddr_, mport_, "POST /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 405", 0), 0u);
  EXPECT_EQ(http(maddr_, mport_, "garbage\r\n\r\n").rfind("HTTP/1.0 400", 0), 0u);
  EXPECT_EQ(http(maddr_, mport_, "GET /metrics HTTP/1.0\r\nX: " + std::string(9000, 'a')).rfind("HTTP/1.0 431", 0), 0u);
  // Still serving afterwards.
  EXPECT_EQ(http(maddr_, mport_, "GET /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200", 0), 0u);
  EXPECT_NE(
      http(maddr_, mport_, "GET /metrics HTTP/1.0\r\n\r\n").find("conductord_http_requests_total{code=\"404\"} 1"),
      std::string::npos);
}

TEST_F(Conductord, SocketPermissionsAndGroup) {
  write_config(kBody);
  start();
  struct stat st {};
  ASSERT_EQ(::lstat(sock_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(kDeadline), ExitStatus{.code = 0});
  EXPECT_FALSE(fs::exists(sock_));  // removed at a clean stop
  // With socket-group: group read/write and the socket's group.
  group* g = ::getgrgid(::getgid());
  ASSERT_NE(g, nullptr);
  write_config(kBody, "socket-group = " + std::string(g->gr_name) + "\n");
  start();
  ASSERT_EQ(::lstat(sock_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, ::getgid());
}

TEST_F(Conductord, KillNineLeavesAStaleSocketTheNextStartRemoves) {
  write_config(kBody);
  start();
  // A second daemon on the same socket is refused while the first runs.
  RunResult r = run({CONDUCTORD_BIN, "--config", conf_, "--device", "soft"});
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("another conductord is listening there"), std::string::npos) << r.err;
  daemon_->kill();
  ASSERT_TRUE(fs::exists(sock_));
  EXPECT_FALSE(can_connect(sock_));
  start();
  EXPECT_NE(read_file(log_).find("stale-socket-removed"), std::string::npos);
  EXPECT_EQ(ctl("show sites").status.code, 0);
  daemon_->signal(SIGINT);
  EXPECT_EQ(daemon_->wait(kDeadline), ExitStatus{.code = 0});
}

// [sync] as the device's HyperSync registers: read back through `device read` and `show sync`,
// verified, changed by a reload; values the device cannot hold are refused with the file's line.
const std::string kSyncBody =
    "[cluster]\nactive-site = 0\n[site 0]\nname = east\nvirtual-addresses = 127.0.0.100\n"
    "[site 1]\nname = west\nvirtual-addresses = 127.0.1.100\n"
    "[orchestrator east-a]\nsite = 0\naddress = 127.0.0.11\n[orchestrator east-b]\nsite = 0\naddress = 127.0.0.12\n"
    "[orchestrator west-a]\nsite = 1\naddress = 127.0.1.11\n"
    "[member 0/0]\n[member 0/1]\n[member 1/0]\n[security-group sg1]\nid = 1\nmembers = 0/0-1, 1/0\n"
    "[sync]\nkey = 00112233445566778899aabbccddeeff\ndelay = 5s\nflush = 2ms\nmtu = 9000\nport = 18116\n";

TEST_F(Conductord, ProgramsHyperSyncFromTheSyncSection) {
  write_config(kSyncBody);
  start();  // no --name: orchestrator 0 of the active site (east-a), its peer east-b
  auto reg = [&](const std::string& addr) {
    RunResult r = ctl("device read " + addr);
    EXPECT_EQ(r.status.code, 0) << r.err;
    return r.out.substr(r.out.find(" = ") + 3, 10);
  };
  EXPECT_EQ(reg("0x41030"), "0x00003e01");  // steer SYNC: ENABLE, DEST 0x3e (east-b)
  EXPECT_EQ(reg("0x4005c"), "0x00000204");  // flow_table SYNC_MATURE: SWEEPS ceil(5 s / 1.79 s) + 1, KEEPALIVE
  EXPECT_EQ(reg("0x80048"), "0x0000003f");  // sync_encoder SOURCE: east-a = site 0 member 63
  EXPECT_EQ(reg("0x80050"), "0x00002328");  // MTU 9000
  EXPECT_EQ(reg("0x80054"), "0x000927c0");  // FLUSH_CYCLES: 2 ms at 300 MHz
  EXPECT_EQ(reg("0x80060"), "0x33221100");  // KEY0: key byte 0 in bits 7:0
  EXPECT_EQ(reg("0x8006c"), "0xffeeddcc");  // KEY3
  EXPECT_EQ(reg("0x80078"), "0x7f00000b");  // SRC_IP 127.0.0.11
  EXPECT_EQ(reg("0x8007c"), "0x46c446c4");  // UDP_PORTS 18116 both
  EXPECT_EQ(reg("0x80100"), "0x0000013e");  // DEST0_MEMBER: east-b, VALID
  EXPECT_EQ(reg("0x8010c"), "0x7f00000c");  // DEST0_IP 127.0.0.12
  EXPECT_EQ(reg("0x81048"), "0x0000003f");  // sync_decoder SELF
  EXPECT_EQ(reg("0x81054"), "0xc0000000");  // MEMBERS1: bytes 0x3e, 0x3f
  EXPECT_EQ(reg("0x8105c"), "0x80000000");  // MEMBERS3: byte 0x7f (west-a)
  EXPECT_EQ(reg("0x81100"), "0x00000001");  // KEY0_CTRL VALID
  EXPECT_EQ(reg("0x81110"), "0xffeeddcc");  // KEY0_3
  RunResult r = ctl("show sync");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("feed on, destination 3e, new connections after 4 ageing sweeps, generation 0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("decoder: cluster 0, self 3f, 3 member bytes, key slot 0 set"), std::string::npos) << r.out;
  for (const char* line : {"  frames accepted                 0", "  records                         0",
                           "  ops to the flow table           0", "  frames rejected                 0",
                           "    truncated                     0", "    bad-tag                       0",
                           "    record-count-mismatch         0"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  r = ctl("show sync json");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"feed\":{\"enabled\":true,\"destination\":62,\"at_insert\":false,\"sweeps\":4", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("\"decoder\":{\"cluster\":0,\"self\":63,\"members\":3,\"key_slot0\":true,\"frames\":0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"rejects\":{\"truncated\":0,\"bad-magic\":0"), std::string::npos) << r.out;
  EXPECT_EQ(ctl("show sync xml").status.code, 1);
  r = ctl("show distribution verification");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("HyperSync registers"), std::string::npos) << r.out;
  // Behind the Controller's back: verification reports the sync register like any other.
  ASSERT_EQ(ctl("device write 0x80060 0").status.code, 0);
  r = ctl("show distribution verification");
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.out.find("sync_encoder KEY0: device 0x00000000, intended 0x33221100"), std::string::npos) << r.out;
  // A reload with another key and delay 0 (a NEW record at insert): the registers follow.
  std::string body = kSyncBody;
  body.replace(body.find("key = 0011"), 38, "key = 8899aabbccddeeff0011223344556677");
  body.replace(body.find("delay = 5s"), 10, "delay = 0s");
  write_config(body);
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return reg("0x41030") == "0x00003e03"; })) << read_file(log_);
  EXPECT_EQ(reg("0x4005c"), "0x00000000");
  EXPECT_EQ(reg("0x80060"), "0xbbaa9988");
  EXPECT_EQ(reg("0x81104"), "0xbbaa9988");
  EXPECT_EQ(ctl("show distribution verification").status.code, 0);
  // A value the device cannot hold rejects the reload, with the file's line; nothing changes.
  write_config(std::string(body).replace(body.find("mtu = 9000"), 10, "mtu = 9216"));
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return read_file(log_).find("reload-rejected") != std::string::npos; }));
  EXPECT_NE(read_file(log_).find("c.conf:28: [sync] mtu 9216: the device's sync_encoder sends frames of at most 9000"),
            std::string::npos)
      << read_file(log_);
  EXPECT_EQ(reg("0x80050"), "0x00002328");
  EXPECT_EQ(ctl("show distribution verification").status.code, 0);
}

TEST_F(Conductord, BadSyncValuesAreRefusedWithTheLine) {
  // An MTU above the sync_encoder's GEOMETRY.MAX_MTU (the file format allows up to 9216).
  write_config(std::string(kSyncBody).replace(kSyncBody.find("mtu = 9000"), 10, "mtu = 9216"));
  RunResult r = run({CONDUCTORD_BIN, "--config", conf_, "--device", "soft"});
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find("conductord: " + conf_ +
                       ":28: [sync] mtu 9216: the device's sync_encoder sends frames of at most 9000 bytes "
                       "(sync_encoder GEOMETRY.MAX_MTU); use mtu = 9000 or less"),
            std::string::npos)
      << r.err;
  // A delay beyond 15 ageing sweeps.
  write_config(std::string(kSyncBody).replace(kSyncBody.find("delay = 5s"), 10, "delay = 40s"));
  r = run({CONDUCTORD_BIN, "--config", conf_, "--device", "soft"});
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.err.find(":26: [sync] delay 40s: the device's ageing sweep takes 1790 ms at line rate"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("SYNC_MATURE.SWEEPS counts at most 15; use delay = 25060ms or less"), std::string::npos)
      << r.err;
  // A member that takes an orchestrator's member byte: a configuration error (--check finds it).
  write_config(kSyncBody + "[member 0/62]\n");
  r = run({CONDUCTORD_BIN, "--config", conf_, "--check"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.err.find(":30: [member 0/62] has the HyperSync member byte of [orchestrator east-b]"), std::string::npos)
      << r.err;
}

TEST_F(Conductord, SimDevice) {
  write_config(kBody);
  // A SIGHUP while the device is being programmed waits for the event loop (it must not end the
  // process, SIGHUP's default action).
  daemon_ = std::make_unique<Process>(
      SpawnOptions{.argv = {CONDUCTORD_BIN, "--config", conf_, "--device", "sim"}, .output_file = log_});
  ASSERT_TRUE(wait_for([&] { return read_file(log_).find("\"event\":\"starting\"") != std::string::npos; }))
      << read_file(log_);
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return can_connect(sock_) || !daemon_->running(); })) << read_file(log_);
  ASSERT_TRUE(daemon_->running()) << read_file(log_);
  ASSERT_TRUE(wait_for([&] { return read_file(log_).find("\"event\":\"reloaded\"") != std::string::npos; }))
      << read_file(log_);
  RunResult r = ctl("show distribution verification");
  ASSERT_EQ(r.status.code, 0) << r.err << read_file(log_);
  // The Verilated core has the feed, the encoder and the sync_decoder (a standby's side, docs/
  // hypersync.md §13.3): all programmed and verified.
  r = ctl("show sync");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("feed on, destination ff, new connections after 3 ageing sweeps"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("decoder: none on this sim device"), std::string::npos) << r.out;
  r = ctl("traffic 300 50");
  ASSERT_EQ(r.status.code, 0) << r.err;
  EXPECT_NE(r.out.find("300 frames through the sim device"), std::string::npos) << r.out;
  r = ctl("member down 0/0");
  ASSERT_EQ(r.status.code, 0);
  EXPECT_EQ(ctl("show distribution verification").status.code, 0);
  EXPECT_NE(read_file(log_).find("\"kind\":\"sim\""), std::string::npos);
}

}  // namespace
