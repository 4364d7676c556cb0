// A lab for HyperSync at scale (tests/sync_scale/, tests/bench_sync_scale/): `conductor-member` agents
// as real processes, each in its own network namespace, and a cluster configuration naming them.
//
// Namespace mode (root): a hub namespace with a bridge, one namespace per member joined to the bridge
// by a veth pair, member addresses 198.18.1.(10 + i)/24 (198.18.0.0/15, the benchmarking range, and
// only inside namespaces this lab creates). Loss is injected with iptables in every member namespace:
// `INPUT -p udp --dport <sync port> -m statistic --mode random --probability P -j DROP`, so every link
// loses P in both directions. Agents run under `ip netns exec` (which execs: the pid is the agent's).
//
// Loopback mode (not root, or no namespaces): a random 127.X.Y.0/24 (concurrent runs do not share
// addresses), loss through the agent's own shim (`--sync-impair loss=P`, the sending side of every
// link, so again both directions).
//
// Names carry the pid (namespaces "csync-<pid>-hub", "csync-<pid>-m<i>", links "cs<pid>[bv]<i>"), so
// concurrent runs never clash; namespaces of a run that was killed (its pid gone) are swept at the next
// start. The destructor kills every agent (process group, SIGKILL) and deletes every namespace (with
// them the veths, the bridge and the iptables rules) and the temporary directory, also when a test
// fails. Every wait is bounded.
#pragma once

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host/alloc/bucket_allocator.hpp"  // MemberId
#include "tests/common/process.hpp"

namespace conductor::sync_scale {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct ShellResult {
  int status = -1;
  std::string output;
};
inline ShellResult sh(const std::string& cmd) {
  const testing::RunResult r = testing::run_shell(cmd, std::chrono::seconds{30});
  return {.status = r.status.code, .output = r.out};
}

inline std::string id_text(MemberId id) { return std::to_string(id.site) + "/" + std::to_string(id.member); }

class SyncLab {
 public:
  static constexpr const char* kPrefix = "csync-";
  static constexpr uint16_t kSyncPort = 8116;

  // Why namespaces cannot be used here (not root, `ip netns` or iptables refused), or nullopt.
  static std::optional<std::string> netns_unavailable() {
    if (::geteuid() != 0) return "not root (network namespaces and iptables need CAP_NET_ADMIN)";
    const std::string probe = std::string(kPrefix) + std::to_string(::getpid()) + "-probe";
    auto r = sh("ip netns add " + probe);
    if (r.status != 0) return "ip netns add refused: " + r.output;
    auto i = sh("ip netns exec " + probe + " iptables -A INPUT -p udp --dport " + std::to_string(kSyncPort) +
                " -m statistic --mode random --probability 0.5 -j DROP");
    sh("ip netns delete " + probe);
    if (i.status != 0) return "iptables in a namespace refused (statistic match): " + i.output;
    return std::nullopt;
  }

  // `members` in order; namespaces when `use_netns`, else loopback.
  SyncLab(std::vector<MemberId> members, bool use_netns) : members_(std::move(members)), netns_(use_netns) {
    tag_ = std::to_string(::getpid());
    std::random_device rd;
    x_ = 64 + static_cast<int>(rd() % 190);
    y_ = static_cast<int>(rd() % 254);
    dir_ =
        std::filesystem::temp_directory_path() / ("conductor-sync-scale-" + tag_ + "-" + std::to_string(rd() % 100000));
    std::filesystem::create_directories(dir_);
    if (netns_) sweep_stale();
  }
  ~SyncLab() {
    // SIGTERM first: an agent's last lines are its sync counters (kept logs show them); then SIGKILL.
    for (auto& [id, p] : procs_) p.signal(SIGTERM);
    for (auto& [id, p] : procs_) p.wait(std::chrono::milliseconds{500});
    procs_.clear();  // SIGKILL to every group, reaped
    for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) sh("ip netns delete " + *it);
    std::error_code ec;
    if (!keep_dir_) std::filesystem::remove_all(dir_, ec);
  }
  SyncLab(const SyncLab&) = delete;
  SyncLab& operator=(const SyncLab&) = delete;

  bool netns() const { return netns_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<MemberId>& members() const { return members_; }
  void keep_dir() { keep_dir_ = true; }

  size_t index(MemberId id) const {
    for (size_t i = 0; i < members_.size(); ++i)
      if (members_[i] == id) return i;
    return members_.size();
  }
  std::string address(MemberId id) const {
    const size_t i = index(id);
    if (netns_) return "198.18.1." + std::to_string(10 + i);
    return "127." + std::to_string(x_) + "." + std::to_string(y_) + "." + std::to_string(10 + i);
  }
  std::string orchestrator_address() const {
    return netns_ ? std::string("198.18.1.1") : "127." + std::to_string(x_) + "." + std::to_string(y_) + ".1";
  }
  std::string ns_name(const std::string& suffix) const { return kPrefix + tag_ + "-" + suffix; }
  std::string member_ns(MemberId id) const { return ns_name("m" + std::to_string(index(id))); }

  // The hub with its bridge and one namespace per member; the first error, or nullopt.
  std::optional<std::string> build_network() {
    if (!netns_) return std::nullopt;
    const std::string hub = ns_name("hub"), br = "csbr" + tag_;
    if (auto e = add_ns(hub)) return e;
    if (auto e = run_ok("ip -n " + hub + " link add " + br + " type bridge")) return e;
    if (auto e = run_ok("ip -n " + hub + " addr add " + orchestrator_address() + "/24 dev " + br)) return e;
    if (auto e = run_ok("ip -n " + hub + " link set " + br + " up")) return e;
    for (size_t i = 0; i < members_.size(); ++i) {
      const std::string ns = member_ns(members_[i]);
      const std::string vb = "cs" + tag_ + "b" + std::to_string(i), vm = "cs" + tag_ + "v" + std::to_string(i);
      if (auto e = add_ns(ns)) return e;
      if (auto e = run_ok("ip link add " + vm + " netns " + ns + " type veth peer name " + vb + " netns " + hub))
        return e;
      if (auto e = run_ok("ip -n " + hub + " link set " + vb + " master " + br + " up")) return e;
      if (auto e = run_ok("ip -n " + ns + " addr add " + address(members_[i]) + "/24 dev " + vm)) return e;
      if (auto e = run_ok("ip -n " + ns + " link set " + vm + " up")) return e;
    }
    return std::nullopt;
  }

  // Random loss P (0..1) on every member's sync input (namespaces) or, in loopback mode, remembered
  // for the agents started afterwards (--sync-impair). Replaces any earlier loss.
  std::optional<std::string> set_loss(double p) {
    loss_ = p;
    if (!netns_) return std::nullopt;
    for (const MemberId m : members_) {
      const std::string ns = member_ns(m);
      if (auto e = run_ok("ip netns exec " + ns + " iptables -F INPUT")) return e;
      if (p <= 0) continue;
      char prob[32];
      std::snprintf(prob, sizeof prob, "%.4f", p);
      if (auto e = run_ok("ip netns exec " + ns + " iptables -A INPUT -p udp --dport " + std::to_string(kSyncPort) +
                          " -m statistic --mode random --probability " + prob + " -j DROP"))
        return e;
    }
    return std::nullopt;
  }
  double loss() const { return loss_; }
  // Datagrams iptables dropped on every member's input (namespace mode), else 0.
  uint64_t dropped_by_iptables() {
    uint64_t n = 0;
    if (!netns_) return 0;
    for (const MemberId m : members_) {
      auto r = sh("ip netns exec " + member_ns(m) + " iptables -L INPUT -v -n -x");
      std::istringstream in(r.output);
      std::string line;
      while (std::getline(in, line))
        if (line.find("DROP") != std::string::npos) n += std::strtoull(line.c_str(), nullptr, 10);
    }
    return n;
  }

  // The cluster file: every lab member in [security-group sg1] (their sites from their ids), one
  // orchestrator, [sync] with `sync_extra` lines (e.g. "delay = 0s\n").
  std::string write_config(const std::string& sync_extra = "delay = 0s\n", const std::string& extra = "") {
    std::string c = "[cluster]\nname = sync-scale\nactive-site = 0\n";
    c += "[site 0]\nvirtual-addresses = 198.19.0.2\n[site 1]\nvirtual-addresses = 198.19.1.2\n";
    c += "[orchestrator orch0]\nsite = 0\naddress = " + orchestrator_address() + "\ninterface = lo\n";
    std::string list;
    for (const MemberId m : members_) {
      c += "[member " + id_text(m) + "]\naddress = " + address(m) + "\n";
      list += (list.empty() ? "" : ", ") + id_text(m);
    }
    c += "[security-group sg1]\nmembers = " + list + "\n";
    c += "[timers]\nheartbeat-interval = 100ms\nheartbeat-timeout = 300ms\n";
    c += "[sync]\nkey = 00112233445566778899aabbccddeeff\nport = " + std::to_string(kSyncPort) + "\n" + sync_extra;
    c += "[control]\nsocket = " + (dir_ / "ctl.sock").string() + "\n";
    c += extra;
    config_path_ = (dir_ / "cluster.conf").string();
    std::ofstream(config_path_) << c;
    return config_path_;
  }
  const std::string& config_path() const { return config_path_; }

  std::string log_path(MemberId id) const {
    return (dir_ / ("member-" + std::to_string(id.site) + "-" + std::to_string(id.member) + ".log")).string();
  }

  // Starts the agent of `id` with `connections` synthetic connections. `impair`: a --sync-impair spec
  // added to the lab's loss in loopback mode ("reorder=0.1,duplicate=0.05"); empty for none.
  bool start(const std::string& bin, MemberId id, uint32_t connections, bool verbose, const std::string& impair = "",
             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv;
    if (netns_) argv = {"ip", "netns", "exec", member_ns(id)};
    argv.insert(argv.end(), {bin, "--config", config_path_, "--id", id_text(id), "--connections",
                             std::to_string(connections), "--heartbeat-port", "9"});
    if (verbose) argv.push_back("--verbose");
    std::string spec = impair;
    if (!netns_ && loss_ > 0) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "loss=%.4f", loss_);
      spec = spec.empty() ? buf : spec + "," + buf;
    }
    if (!spec.empty()) {
      const std::string seed = ",seed=" + std::to_string(1000 + index(id) * 7 + ++starts_);
      argv.insert(argv.end(), {"--sync-impair", spec + seed});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    testing::Process p;
    if (!p.start({.argv = argv, .output_file = log_path(id)})) return false;
    procs_.erase(id);
    procs_.emplace(id, std::move(p));
    started_at_[id] = Clock::now();
    return true;
  }
  void stop(MemberId id) { procs_.erase(id); }
  bool running(MemberId id) {
    auto it = procs_.find(id);
    return it != procs_.end() && it->second.running();
  }
  Clock::time_point started_at(MemberId id) const { return started_at_.at(id); }
  pid_t pid(MemberId id) const { return procs_.at(id).pid(); }
  std::string log(MemberId id) const {
    std::ifstream in(log_path(id));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string logs() const {
    std::string s;
    for (const auto& [id, p] : procs_) {
      std::istringstream in(log(id));
      std::string l, line;
      while (std::getline(in, line))  // heartbeat lines (--verbose) left out
        if (line.find(": seq ") == std::string::npos) l += line.substr(0, 600) + "\n";
      if (l.size() > 6000) l = "...\n" + l.substr(l.size() - 6000);
      s += "--- member " + id_text(id) + " ---\n" + l;
    }
    return s;
  }

  // Polls the member's log (every 2 ms, reading only what is new) until `needle` appears at or after
  // byte `from`; the time it was seen, or nullopt at `limit` or when the agent exited.
  std::optional<Clock::time_point> wait_log(MemberId id, const std::string& needle, std::chrono::milliseconds limit,
                                            size_t from = 0) {
    const auto end = Clock::now() + limit;
    std::string tail;
    size_t offset = from;
    for (;;) {
      std::ifstream in(log_path(id), std::ios::binary);
      in.seekg(static_cast<std::streamoff>(offset));
      std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      offset += chunk.size();
      tail += chunk;
      if (tail.find(needle) != std::string::npos) return Clock::now();
      if (tail.size() > needle.size()) tail.erase(0, tail.size() - needle.size());
      if (Clock::now() >= end || !running(id)) return std::nullopt;
      std::this_thread::sleep_for(2ms);
    }
  }
  size_t log_size(MemberId id) const {
    std::error_code ec;
    const auto n = std::filesystem::file_size(log_path(id), ec);
    return ec ? 0 : static_cast<size_t>(n);
  }
  // The last line of the member's log that contains `needle` (without the newline), or "".
  std::string last_line(MemberId id, const std::string& needle) const {
    const std::string out = log(id);
    const auto at = out.rfind(needle);
    if (at == std::string::npos) return "";
    const auto bol = out.rfind('\n', at);
    const size_t b = bol == std::string::npos ? 0 : bol + 1;
    return out.substr(b, out.find('\n', at) - b);
  }
  // The agent's resident set (VmRSS) in bytes; 0 when unreadable.
  uint64_t vm_rss(MemberId id) const {
    std::ifstream in("/proc/" + std::to_string(pid(id)) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
    return 0;
  }

 private:
  std::optional<std::string> add_ns(const std::string& name) {
    auto r = sh("ip netns add " + name);
    if (r.status != 0) return "ip netns add " + name + ": " + r.output;
    namespaces_.push_back(name);
    return run_ok("ip -n " + name + " link set lo up");
  }
  static std::optional<std::string> run_ok(const std::string& cmd) {
    auto r = sh(cmd);
    if (r.status != 0) return cmd + ": " + r.output;
    return std::nullopt;
  }
  // Deletes namespaces of this prefix whose creating pid no longer exists (a run killed by a timeout).
  static void sweep_stale() {
    auto r = sh("ip netns list");
    std::istringstream in(r.output);
    std::string line;
    const std::string prefix = kPrefix;
    while (std::getline(in, line)) {
      const std::string name = line.substr(0, line.find(' '));
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string rest = name.substr(prefix.size());
      const pid_t owner = static_cast<pid_t>(std::atol(rest.substr(0, rest.find('-')).c_str()));
      if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) sh("ip netns delete " + name);
    }
  }

  std::vector<MemberId> members_;
  bool netns_ = false;
  bool keep_dir_ = false;
  std::string tag_;
  int x_ = 0, y_ = 0;
  std::filesystem::path dir_;
  std::string config_path_;
  std::vector<std::string> namespaces_;
  std::map<MemberId, testing::Process> procs_;
  std::map<MemberId, Clock::time_point> started_at_;
  double loss_ = 0;
  int starts_ = 0;
};

}  // namespace conductor::sync_scale
