// A small lab for election tests over real sockets: network namespaces joined by a veth pair, processes
// started inside them (tests/common/process.hpp) with their output captured line by line and
// time-stamped on arrival, bounded waits, and a cleanup that kills every process group and deletes
// every namespace even when a test fails (RAII). Namespace and link names carry the test's pid, so
// concurrent runs never clash, and namespaces left by a run that was killed (its pid gone) are swept
// at the next start.
#pragma once

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/common/process.hpp"

namespace conductor::election::netns {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using namespace std::chrono_literals;

inline double ms_between(TimePoint a, TimePoint b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// Runs a shell command (bounded: killed after 30 s); returns its exit status and output (stdout +
// stderr).
struct CommandResult {
  int status = -1;
  std::string output;
};
inline CommandResult sh(const std::string& cmd) {
  const testing::RunResult r = testing::run_shell(cmd, 30s);
  return {.status = r.status.code, .output = r.out};
}

struct Line {
  TimePoint at;
  std::string text;
};

// A process of the lab (tests/common/process.hpp: its own process group, killed and reaped on
// destruction) with stdout and stderr on one pipe, read line by line and time-stamped on arrival.
class LabProcess {
 public:
  LabProcess(std::string name, const std::vector<std::string>& argv)
      : name_(std::move(name)), proc_({.argv = argv, .pipe_output = true, .merge_stderr = true}) {}

  bool started() const { return proc_.started(); }
  const std::string& name() const { return name_; }
  pid_t pid() const { return proc_.pid(); }
  int fd() const { return proc_.stdout_fd(); }
  const std::vector<Line>& lines() const { return lines_; }

  void kill_group(int sig) { proc_.signal(sig); }
  // Reads what is there (non-blocking), splitting lines and stamping them with `now`.
  void pump(TimePoint now) {
    proc_.read_available();
    for (auto& l : proc_.take_lines()) lines_.push_back({now, std::move(l)});
  }
  // Waits up to `limit` for the process to exit; its exit status (128 + signal when killed), or
  // nullopt.
  std::optional<int> reap(std::chrono::milliseconds limit) {
    const auto st = proc_.wait(limit);
    if (!st) return std::nullopt;
    pump(Clock::now());
    return st->shell_code();
  }
  std::string transcript() const {
    std::string s;
    for (const auto& l : lines_) s += "  [" + name_ + "] " + l.text + "\n";
    if (!proc_.out().empty()) s += "  [" + name_ + "] " + proc_.out() + "\n";
    return s;
  }

 private:
  std::string name_;
  testing::Process proc_;
  std::vector<Line> lines_;
};

// Namespaces, links, processes and a temporary directory, all removed by the destructor.
class Lab {
 public:
  static constexpr std::string_view kPrefix = "cvrrp-";

  Lab() : tag_(std::to_string(getpid())) {
    sweep_stale();
    char tmpl[] = "/tmp/conductor-vrrp-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) dir_ = tmpl;
  }
  ~Lab() {
    procs_.clear();  // kills and reaps every process group
    for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) sh("ip netns delete " + *it);
    if (!dir_.empty()) sh("rm -rf " + dir_);
  }
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  const std::string& dir() const { return dir_; }
  std::string ns(std::string_view suffix) const { return std::string(kPrefix) + tag_ + "-" + std::string(suffix); }
  // Interface names are at most 15 characters: "cv" + side letter + pid.
  std::string link(char side) const { return std::string("cv") + side + tag_; }

  // Creates namespace `suffix` with loopback up; the error output when `ip` refused.
  std::optional<std::string> add_namespace(std::string_view suffix) {
    const std::string name = ns(suffix);
    auto r = sh("ip netns add " + name);
    if (r.status != 0) return "ip netns add " + name + ": " + r.output;
    namespaces_.push_back(name);
    if (auto e = run_ok("ip -n " + name + " link set lo up")) return e;
    return std::nullopt;
  }
  // A veth pair between two namespaces, each end with an address (CIDR) and up.
  std::optional<std::string> add_veth(std::string_view ns_a, char side_a, const std::string& cidr_a,
                                      std::string_view ns_b, char side_b, const std::string& cidr_b) {
    const std::string a = ns(ns_a), b = ns(ns_b), la = link(side_a), lb = link(side_b);
    if (auto e = run_ok("ip link add " + la + " netns " + a + " type veth peer name " + lb + " netns " + b)) return e;
    if (auto e = run_ok("ip -n " + a + " addr add " + cidr_a + " dev " + la)) return e;
    if (auto e = run_ok("ip -n " + b + " addr add " + cidr_b + " dev " + lb)) return e;
    if (auto e = run_ok("ip -n " + a + " link set " + la + " up")) return e;
    if (auto e = run_ok("ip -n " + b + " link set " + lb + " up")) return e;
    return std::nullopt;
  }
  std::optional<std::string> run_ok(const std::string& cmd) {
    auto r = sh(cmd);
    if (r.status != 0) return cmd + ": " + r.output;
    return std::nullopt;
  }
  bool has_address(std::string_view ns_suffix, char side, const std::string& address) {
    auto r = sh("ip -n " + ns(ns_suffix) + " -4 -o addr show dev " + link(side));
    return r.output.find(" " + address + "/") != std::string::npos;
  }

  // Starts `argv` inside namespace `ns_suffix`.
  LabProcess& spawn(std::string name, std::string_view ns_suffix, std::vector<std::string> argv) {
    std::vector<std::string> full = {"ip", "netns", "exec", ns(ns_suffix)};
    full.insert(full.end(), argv.begin(), argv.end());
    procs_.push_back(std::make_unique<LabProcess>(std::move(name), full));
    return *procs_.back();
  }

  // When a line marks the awaited event: the time of the event, else nullopt.
  using Matcher = std::function<std::optional<TimePoint>(const Line&)>;

  // Waits until a line of `p` at index >= `from` matches; the matcher's time. Every process's output
  // is drained meanwhile (no pipe fills up).
  std::optional<TimePoint> wait_for(LabProcess& p, const Matcher& match, size_t from, std::chrono::milliseconds limit) {
    const TimePoint end = Clock::now() + limit;
    for (;;) {
      for (size_t i = from; i < p.lines().size(); ++i) {
        if (auto t = match(p.lines()[i])) return t;
      }
      from = p.lines().size();
      const TimePoint now = Clock::now();
      if (now >= end) return std::nullopt;
      pump_for(std::chrono::duration_cast<std::chrono::milliseconds>(end - now) + 1ms);
    }
  }
  // A line containing `needle`, timed by its arrival.
  std::optional<TimePoint> wait_line(LabProcess& p, std::string_view needle, size_t from,
                                     std::chrono::milliseconds limit) {
    const std::string n(needle);
    return wait_for(
        p,
        [n](const Line& l) -> std::optional<TimePoint> {
          if (l.text.find(n) != std::string::npos) return l.at;
          return std::nullopt;
        },
        from, limit);
  }
  // Waits for output from any process for at most `limit`, then drains every pipe.
  void pump_for(std::chrono::milliseconds limit) {
    std::vector<pollfd> fds;
    for (auto& p : procs_) {
      if (p->fd() >= 0) fds.push_back({p->fd(), POLLIN, 0});
    }
    poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(limit.count(), 50)));
    const TimePoint now = Clock::now();
    for (auto& p : procs_) p->pump(now);
  }
  // Lets `d` pass while draining output (observing that nothing happens is part of some checks).
  void observe(std::chrono::milliseconds d) {
    const TimePoint end = Clock::now() + d;
    while (Clock::now() < end)
      pump_for(std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()) + 1ms);
  }
  std::string transcripts() const {
    std::string s;
    for (const auto& p : procs_) s += p->transcript();
    return s;
  }

 private:
  // Deletes namespaces of this prefix whose creating pid no longer exists (a run killed by a timeout).
  void sweep_stale() {
    auto r = sh("ip netns list");
    size_t pos = 0;
    while (pos < r.output.size()) {
      size_t eol = r.output.find('\n', pos);
      if (eol == std::string::npos) eol = r.output.size();
      std::string name = r.output.substr(pos, eol - pos);
      pos = eol + 1;
      name = name.substr(0, name.find(' '));
      if (name.rfind(kPrefix, 0) != 0) continue;
      const std::string rest = name.substr(kPrefix.size());
      const pid_t owner = static_cast<pid_t>(std::atol(rest.substr(0, rest.find('-')).c_str()));
      if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) sh("ip netns delete " + name);
    }
  }

  std::string tag_;
  std::string dir_;
  std::vector<std::string> namespaces_;
  std::vector<std::unique_ptr<LabProcess>> procs_;
};

}  // namespace conductor::election::netns
