// conductord's client I/O never holds its event loop (docs/conductord.md, "Client I/O"): a real
// conductord process, an orchestrator on loopback advertising VRRP every 100 ms, and clients that
// ask for large answers on the metrics endpoint and the control socket with a tiny receive buffer
// and never read them. Meanwhile the adverts keep their interval (heard on a raw socket) and
// another client's command is answered at once; the stalled clients are dropped after 5 s without
// progress, each with one log line naming it.
//
// The test process moves itself into a fresh network namespace (unshare(CLONE_NEWNET), as
// tests/election_netns/election_service_test.cpp), so the daemon it starts advertises on a loopback
// interface nobody else uses and the namespace vanishes with the process. Skips only when it cannot
// create the namespace (not root). Every wait is bounded; the daemon is killed and reaped at the end,
// also on failure.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/common/process.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

using conductor::testing::Process;
using conductor::testing::run_shell;
using conductor::testing::SpawnOptions;

constexpr auto kAdvertInterval = 100ms;  // [site 0] advert-interval
constexpr uint8_t kVrid = 51;
// A gap above this would let a backup take over (Master_Down_Interval = 3 intervals + skew).
constexpr auto kMaxAdvertGap = 2 * kAdvertInterval + 100ms;
constexpr auto kMaxCommandLatency = 200ms;
constexpr auto kStall = 3s;  // how long the stalled clients hold their answers unread
constexpr int kStalledPerSocket = 8;

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (cond()) return true;
    ::poll(nullptr, 0, 10);  // a bounded poll interval, not a synchronisation sleep
  }
  return cond();
}

std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int unix_connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A TCP connection to 127.0.0.1:port; with a tiny receive buffer when `stalled` (set before connect:
// it shapes the window of the handshake).
int tcp_connect(uint16_t port, bool stalled) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (stalled) {
    int small = 1;  // the kernel rounds up to its minimum
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Sends `request` and reads until the server closes or `limit` passes; the answer, or "" on timeout.
std::string exchange(int fd, const std::string& request, std::chrono::milliseconds limit) {
  if (fd < 0) return "";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  const auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(fd);
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return "";
}

// Hears VRRP adverts of kVrid on lo (a raw socket, as a peer orchestrator would) and keeps the
// arrival time of each.
class AdvertListener {
 public:
  bool open() {
    fd_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 112);
    if (fd_ < 0) return false;
    ::setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3);
    ip_mreqn m{};
    ::inet_pton(AF_INET, "224.0.0.18", &m.imr_multiaddr);
    m.imr_ifindex = static_cast<int>(::if_nametoindex("lo"));
    if (::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0) return false;
    thread_ = std::thread([this] { listen(); });
    return true;
  }
  ~AdvertListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  std::vector<Clock::time_point> times() {
    std::lock_guard lock(mu_);
    return times_;
  }

 private:
  void listen() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      uint8_t buf[2048];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      const auto now = Clock::now();
      if (n < 20) continue;
      const size_t ihl = (buf[0] & 0x0F) * 4u;
      // IPv4 protocol 112, VRRP version 3 advertisement of our VRID with a priority (0: leaving).
      if (buf[9] != 112 || static_cast<size_t>(n) < ihl + 8 || buf[ihl] != 0x31 || buf[ihl + 1] != kVrid ||
          buf[ihl + 2] == 0)
        continue;
      std::lock_guard lock(mu_);
      times_.push_back(now);
    }
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Clock::time_point> times_;
};

class ClientIo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::unshare(CLONE_NEWNET) != 0) {
      skip_reason_ =
          std::string("cannot create a network namespace (unshare(CLONE_NEWNET) needs root): ") + std::strerror(errno);
      return;
    }
    const auto ip = run_shell("ip link set lo up", 30s);
    if (!ip.status.ok()) skip_reason_ = "cannot bring loopback up in the new namespace (`ip` failed): " + ip.out;
    // TCP send buffers of at most 4 KiB in this namespace (the sysctl is per namespace): else the
    // kernel would take a whole metrics answer (about 20 KiB) into the daemon's socket and nothing
    // would be left to stall. (The control socket's Unix buffers, 208 KiB, are global: the control
    // clients' `stats` answers fit in them, so they are checked for not stalling anything only.)
    std::ofstream wmem("/proc/sys/net/ipv4/tcp_wmem");
    wmem << "4096 4096 4096\n";
    wmem.close();
    if (!wmem) skip_reason_ = "cannot set net.ipv4.tcp_wmem in the new namespace";
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    char tmpl[] = "/tmp/conductord-clientio-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/ctl.sock";
    conf_ = dir_ + "/c.conf";
    log_ = dir_ + "/daemon.log";
    mport_ = free_port();
  }
  void TearDown() override {
    if (HasFailure() && !log_.empty()) std::fputs(read_file(log_).c_str(), stderr);  // the daemon's log
    for (int fd : stalled_) ::close(fd);
    if (daemon_) daemon_->kill();
    daemon_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  void start() {
    std::ofstream(conf_) << "[cluster]\nactive-site = 0\n"
                            "[site 0]\nname = east\nvrid = "
                         << int{kVrid} << "\nadvert-interval = " << kAdvertInterval.count()
                         << "ms\nvirtual-addresses = 127.0.0.100\n"
                            "[site 1]\nname = west\n"
                            "[orchestrator self]\nsite = 0\naddress = 127.0.0.1\npriority = 200\ninterface = lo\n"
                            "[member 0/0]\n[member 0/1]\n[member 1/0]\n[member 1/1]\n"
                            "[security-group sg1]\nid = 1\nmembers = 0/0-1, 1/0-1\n"
                            "[sync]\nkey = 00112233445566778899aabbccddeeff\n"
                            "[control]\nsocket = "
                         << sock_ << "\nmetrics = 127.0.0.1:" << mport_
                         << "\n[timers]\nheartbeat-interval = 10s\nheartbeat-timeout = 1min\nheartbeat-port = "
                         << free_port() << "\n";
    daemon_ = std::make_unique<Process>(SpawnOptions{
        .argv = {CONDUCTORD_BIN, "--config", conf_, "--name", "self", "--device", "soft"}, .output_file = log_});
    ASSERT_TRUE(wait_for(
        [&] {
          int fd = unix_connect(sock_);
          if (fd >= 0) ::close(fd);
          return fd >= 0 || !daemon_->running();
        },
        20s))
        << read_file(log_);
    ASSERT_TRUE(daemon_->running()) << read_file(log_);
  }

  // One control command on a fresh connection; the answer and how long it took.
  std::pair<std::string, Clock::duration> command(const std::string& line, std::chrono::milliseconds limit = 2s) {
    const auto t0 = Clock::now();
    std::string out = exchange(unix_connect(sock_), line + "\n", limit);
    return {out, Clock::now() - t0};
  }

  static inline std::string skip_reason_;
  std::string dir_, sock_, conf_, log_;
  uint16_t mport_ = 0;
  std::unique_ptr<Process> daemon_;
  std::vector<int> stalled_;
};

TEST_F(ClientIo, StalledClientsDelayNeitherAdvertsNorOtherClients) {
  AdvertListener adverts;
  ASSERT_TRUE(adverts.open()) << "raw VRRP socket: " << std::strerror(errno);
  ASSERT_NO_FATAL_FAILURE(start());
  // Master after Master_Down_Interval (about 3 intervals), then an advert every interval.
  ASSERT_TRUE(wait_for([&] { return adverts.times().size() >= 3; }, 10s)) << read_file(log_);

  // The endpoint answers a client that reads. (That the stalled clients' answers do not fit in
  // their sockets, so that they really stall, is checked at the end: they are dropped.)
  const std::string metrics = exchange(tcp_connect(mport_, false), "GET /metrics HTTP/1.0\r\n\r\n", 2000ms);
  ASSERT_EQ(metrics.rfind("HTTP/1.0 200", 0), 0u) << metrics.substr(0, 200);

  // The stalled clients: requests with large answers, never read.
  const auto stall_start = Clock::now();
  for (int i = 0; i < kStalledPerSocket; ++i) {
    int m = tcp_connect(mport_, true);
    ASSERT_GE(m, 0);
    stalled_.push_back(m);
    const std::string get = "GET /metrics HTTP/1.0\r\n\r\n";
    ASSERT_EQ(::send(m, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
    int c = unix_connect(sock_);
    ASSERT_GE(c, 0);
    stalled_.push_back(c);
    int small = 1;
    ::setsockopt(c, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    const std::string stats = "stats\n";
    ASSERT_EQ(::send(c, stats.data(), stats.size(), MSG_NOSIGNAL), static_cast<ssize_t>(stats.size()));
  }

  // Meanwhile another client's command is answered at once, again and again.
  std::vector<std::chrono::milliseconds> latencies;
  while (Clock::now() - stall_start < kStall) {
    auto [out, took] = command("show sites", 1000ms);
    EXPECT_NE(out.find("east"), std::string::npos) << "no answer within 1 s";
    latencies.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(took));
    ::poll(nullptr, 0, 100);
  }
  const auto stall_end = Clock::now();
  ASSERT_FALSE(latencies.empty());
  const auto worst = *std::max_element(latencies.begin(), latencies.end());
  EXPECT_LE(worst, kMaxCommandLatency) << latencies.size() << " commands while the clients stall";

  // The adverts kept their interval: the largest gap from the last advert before the stall to the
  // first after it, or to the end of the stall when none came after it (a loop still held).
  auto t = adverts.times();
  const bool none_after = std::none_of(t.begin(), t.end(), [&](Clock::time_point x) { return x > stall_end; });
  if (none_after) t.push_back(stall_end);
  Clock::duration max_gap{};
  size_t during = 0;
  for (size_t i = 1; i < t.size(); ++i) {
    if (t[i] < stall_start || t[i - 1] > stall_end) continue;
    max_gap = std::max(max_gap, t[i] - t[i - 1]);
    during += t[i] <= stall_end && !(none_after && i + 1 == t.size());
  }
  EXPECT_GE(during, static_cast<size_t>(kStall / kAdvertInterval / 2)) << "adverts heard while the clients stall";
  EXPECT_LE(std::chrono::duration_cast<std::chrono::milliseconds>(max_gap), kMaxAdvertGap)
      << "largest gap between adverts while the clients stall";

  // The stalled metrics clients are dropped 5 s after their last progress, each with one line.
  const auto count_drops = [&] {
    const std::string log = read_file(log_);
    size_t n = 0;
    for (size_t p = log.find("\"event\":\"client-dropped\""); p != std::string::npos;
         p = log.find("\"event\":\"client-dropped\"", p + 1))
      ++n;
    return n;
  };
  EXPECT_TRUE(wait_for([&] { return count_drops() >= static_cast<size_t>(kStalledPerSocket); }, 10s))
      << read_file(log_);
  const std::string log = read_file(log_);
  EXPECT_NE(log.find("\"client\":\"metrics 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("\"reason\":\"no-progress\""), std::string::npos) << log;
  const std::string after = exchange(tcp_connect(mport_, false), "GET /metrics HTTP/1.0\r\n\r\n", 2000ms);
  EXPECT_NE(after.find("conductord_client_drops_total{socket=\"metrics\",reason=\"no-progress\"} " +
                       std::to_string(kStalledPerSocket)),
            std::string::npos)
      << after.substr(0, 400);
}

}  // namespace
