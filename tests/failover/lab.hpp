// A loopback lab for the failover tests: a random 127.X.Y.0/23 base (so concurrent runs do not share
// addresses), a cluster configuration in a temporary directory, `conductor-member` processes, and
// a heartbeat listener that runs ClusterCore on the real clock and timestamps every action.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "host/cluster/cluster_core.hpp"
#include "host/config/parser.hpp"
#include "tests/common/process.hpp"

namespace conductor::failover {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::Process;

struct Lab {
  int x = 0, y = 0;  // 127.x.y.* is site 0, 127.x.(y+1).* is site 1
  std::filesystem::path dir;
  std::string config_path;
  std::map<MemberId, Process> members;

  Lab() {
    std::random_device rd;
    x = 64 + static_cast<int>(rd() % 190);
    y = 2 * static_cast<int>(rd() % 127);
    dir = std::filesystem::temp_directory_path() /
          ("conductor-failover-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000));
    std::filesystem::create_directories(dir);
  }
  ~Lab() {
    members.clear();  // kills and reaps
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string addr(uint8_t site, int host) const {
    return "127." + std::to_string(x) + "." + std::to_string(y + site) + "." + std::to_string(host);
  }
  std::string orchestrator(uint8_t site) const { return addr(site, 1); }
  std::string member_addr(MemberId id) const { return addr(id.site, 10 + id.member); }
  std::string load_file(MemberId id) const {
    return (dir / ("load-" + std::to_string(id.site) + "-" + std::to_string(id.member))).string();
  }

  // members: per site, how many; `extra` is appended to the file.
  void write_config(int per_site, const std::string& extra, uint16_t heartbeat_port) {
    std::string c = "[cluster]\nname = failover\nactive-site = 0\n";
    for (int s = 0; s < 2; ++s) c += "[site " + std::to_string(s) + "]\nvirtual-addresses = " + addr(s, 2) + "\n";
    for (int s = 0; s < 2; ++s)
      c += "[orchestrator orch" + std::to_string(s) + "]\nsite = " + std::to_string(s) +
           "\naddress = " + orchestrator(s) + "\ninterface = lo\n";
    for (int s = 0; s < 2; ++s)
      for (int m = 0; m < per_site; ++m)
        c += "[member " + std::to_string(s) + "/" + std::to_string(m) +
             "]\naddress = " + member_addr(MemberId{uint8_t(s), uint8_t(m)}) + "\n";
    c += "[timers]\nheartbeat-interval = 50ms\nheartbeat-timeout = 150ms\n";
    (void)heartbeat_port;
    c += "[sync]\nkey = 00112233445566778899aabbccddeeff\n";
    c += "[control]\nsocket = " + (dir / "ctl.sock").string() + "\n";
    c += extra;
    config_path = (dir / "cluster.conf").string();
    std::ofstream(config_path) << c;
  }

  bool start_member(const std::string& bin, MemberId id, uint16_t port,
                    const std::string& load = "cpu=40 connections=100", const std::vector<std::string>& extra = {}) {
    std::ofstream(load_file(id)) << load << "\n";
    Process p;
    const std::string ids = std::to_string(id.site) + "/" + std::to_string(id.member);
    std::vector<std::string> argv{bin,           "--config",         config_path,         "--id", ids, "--load-file",
                                  load_file(id), "--heartbeat-port", std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!p.start(
            {.argv = argv,
             .output_file =
                 (dir / ("member-" + std::to_string(id.site) + "-" + std::to_string(id.member) + ".log")).string()}))
      return false;
    members.erase(id);
    members.emplace(id, std::move(p));
    return true;
  }
};

// The orchestrator side in the test process: a UDP socket on the heartbeat port and ClusterCore on
// the real clock. Every action is kept with the time it was produced.
struct Listener {
  struct Stamped {
    Clock::time_point at;
    cluster::CoreAction action;
  };
  int fd = -1;
  std::optional<cluster::ClusterCore> core;
  std::vector<Stamped> log;

  ~Listener() {
    if (fd >= 0) ::close(fd);
  }
  std::string open(const std::string& address, uint16_t port, const config::ClusterConfig& cfg,
                   cluster::CoreOptions opts) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "bind " + address + ": failed";
    auto c = cluster::ClusterCore::create(cfg, opts, Clock::now());
    if (!c) return c.error().message;
    core.emplace(std::move(*c));
    return "";
  }
  // Runs the loop until `done` holds for an action, or `limit` passes. Returns the matching action.
  std::optional<Stamped> pump_until(const std::function<bool(const cluster::CoreAction&)>& done,
                                    std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    size_t seen = log.size();
    for (;;) {
      for (; seen < log.size(); ++seen)
        if (done(log[seen].action)) return log[seen];
      auto now = Clock::now();
      if (now >= end) return std::nullopt;
      auto wake = end;
      if (auto d = core->next_deadline(); d && *d < wake) wake = *d;
      const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(std::max(wake - now, Clock::duration{0}));
      timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000), static_cast<long>(wait.count() % 1'000'000'000)};
      pollfd p{fd, POLLIN, 0};
      ::ppoll(&p, 1, &ts, nullptr);
      uint8_t buf[256];
      for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) break;
        const auto t = Clock::now();
        for (auto& a : core->on_datagram(t, std::span<const uint8_t>(buf, static_cast<size_t>(n))))
          log.push_back({t, std::move(a)});
      }
      const auto t = Clock::now();
      for (auto& a : core->on_timer(t)) log.push_back({t, std::move(a)});
    }
  }
  void pump_for(std::chrono::milliseconds d) {
    pump_until([](const cluster::CoreAction&) { return false; }, d);
  }
};

inline double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace conductor::failover
