#include "host/member/member_agent.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "host/common/cli.hpp"
#include "host/config/sockaddr.hpp"
#include "host/config/parser.hpp"
#include "host/config/values.hpp"
#include "host/cluster/sync_report_wire.hpp"
#include "host/member/member_sync.hpp"

namespace conductor::member {

namespace {

using namespace std::chrono;

// [timers] heartbeat-port when the configuration has it, else the documented default.
template <class T>
auto config_heartbeat_port(const T& t, int) -> decltype(static_cast<uint16_t>(t.heartbeat_port)) {
  return t.heartbeat_port;
}
template <class T>
uint16_t config_heartbeat_port(const T&, long) {
  return cluster::kDefaultHeartbeatPort;
}

Expected<uint16_t> parse_cpu(std::string_view s) {
  std::string t(s);
  if (!t.empty() && t.back() == '%') t.pop_back();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end || errno || !(v >= 0.0 && v <= 100.0))
    return make_error(Errc::kInvalidArgument, "cpu: '" + std::string(s) + "' is not a percentage 0..100");
  return static_cast<uint16_t>(std::lround(v * 100));
}

Expected<uint64_t> parse_uint(std::string_view name, std::string_view s, uint64_t max) {
  std::string t(s);
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(t.c_str(), &end, 10);
  if (t.empty() || t[0] == '-' || *end || errno || v > max)
    return make_error(Errc::kInvalidArgument,
                      std::string(name) + ": '" + t + "' is not an integer 0.." + std::to_string(max));
  return static_cast<uint64_t>(v);
}

Expected<uint64_t> parse_throughput(std::string_view s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos)
    return parse_uint("throughput", s, UINT64_MAX);
  auto r = config::parse_rate(s);
  if (!r) return make_error(Errc::kInvalidArgument, "throughput: " + r.error().message);
  return *r;
}

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;
};

// The load parsers name their key ("cpu: ...") for --load-file; on the command line the option does.
template <class T>
Expected<T> unnamed(Expected<T> r) {
  if (r) return r;
  const std::string& m = r.error().message;
  const size_t colon = m.find(": ");
  return make_error(r.error().code, colon == std::string::npos ? m : m.substr(colon + 2));
}

}  // namespace

Expected<cluster::Load> parse_load_text(std::string_view text, cluster::Load base) {
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos)
      return make_error(Errc::kInvalidArgument, "'" + word + "' is not key=value (keys: cpu, connections, throughput)");
    const std::string key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "cpu") {
      auto v = parse_cpu(value);
      if (!v) return v.error();
      base.cpu_centipercent = *v;
    } else if (key == "connections") {
      auto v = parse_uint("connections", value, UINT32_MAX);
      if (!v) return v.error();
      base.connections = static_cast<uint32_t>(*v);
    } else if (key == "throughput" || key == "bps") {
      auto v = parse_throughput(value);
      if (!v) return v.error();
      base.bps = *v;
    } else {
      return make_error(Errc::kInvalidArgument, "unknown key '" + key + "' (keys: cpu, connections, throughput)");
    }
  }
  return base;
}

void add_member_options(CLI::App& app, MemberOptions& o) {
  app.description("Sends this member's heartbeats and load to the orchestrators (docs/cluster.md).");
  app.footer(
      "One heartbeat to every orchestrator of the cluster every [timers] heartbeat-interval.\n"
      "SIGTERM/SIGINT: a last report marked LEAVING, then exit 0. SIGUSR1: re-read --load-file. With a [sync]\n"
      "key, HyperSync with the member's peers on its address at [sync] port: --connections at start becomes\n"
      "that many synthetic connections synced to them, their connections are kept as backup, and heartbeats\n"
      "carry SYNCED once every peer's full sync arrived.");
  app.add_option("--config", o.config_path, "the cluster configuration (conductord.conf)")
      ->type_name("FILE")
      ->required();
  cli::add_parsed(app, "--id", o.id, config::parse_member_id, "this member (site/member), e.g. 0/3")
      ->type_name("S/M")
      ->required();
  cli::add_parsed(
      app, "--cpu", o.load.cpu_centipercent, [](const std::string& v) { return unnamed(parse_cpu(v)); },
      "CPU load to report, 0..100 (fractions allowed; default 0)")
      ->type_name("PERCENT");
  cli::add_parsed(
      app, "--connections", o.load.connections,
      [](const std::string& v) -> Expected<uint32_t> {
        auto c = unnamed(parse_uint("connections", v, UINT32_MAX));
        if (!c) return c.error();
        return static_cast<uint32_t>(*c);
      },
      "established connections to report (default 0)")
      ->type_name("N");
  cli::add_parsed(
      app, "--throughput", o.load.bps, [](const std::string& v) { return unnamed(parse_throughput(v)); },
      "throughput to report: bits/s or with a unit (10Gbps; default 0)")
      ->type_name("RATE");
  app.add_option("--load-file", o.load_file, "read at start and on SIGUSR1: cpu=.. connections=.. throughput=..")
      ->type_name("FILE");
  cli::add_parsed(
      app, "--heartbeat-port", o.heartbeat_port,
      [](const std::string& v) -> Expected<std::optional<uint16_t>> {
        auto p = parse_uint("port", v, 65535);
        if (!p || *p == 0) return make_error(Errc::kInvalidArgument, "'" + v + "' is not a port 1..65535");
        return std::optional<uint16_t>(static_cast<uint16_t>(*p));
      },
      "override the orchestrators' heartbeat port")
      ->type_name("PORT");
  cli::add_parsed(
      app, "--bind", o.bind_address,
      [](const std::string& v) -> Expected<std::optional<std::string>> {
        if (auto ip = config::parse_ip(v); !ip) return ip.error();
        return std::optional<std::string>(v);
      },
      "send from this address instead of the member's configured address")
      ->type_name("ADDRESS");
  cli::add_parsed(
      app, "--count", o.count, [](const std::string& v) { return unnamed(parse_uint("count", v, UINT64_MAX)); },
      "stop after N heartbeats (without LEAVING)")
      ->type_name("N");
  app.add_flag("--verbose", o.verbose, "one line per heartbeat and per backup change on stderr");
  cli::add_parsed(
      app, "--sync-impair", o.sync_impair,
      [](const std::string& v) -> Expected<std::optional<sync::ImpairmentConfig>> {
        auto c = sync::parse_impairment(v);
        if (!c) return c.error();
        return std::optional<sync::ImpairmentConfig>(*c);
      },
      "test/diagnostic: impair every HyperSync datagram this agent sends, seeded "
      "(loss=P,reorder=P,duplicate=P,seed=N,delay=5ms; fractions 0..1 or %)")
      ->type_name("SPEC");
}

Expected<MemberOptions> parse_member_options(const std::vector<std::string>& args, const std::string& program) {
  MemberOptions o;
  CLI::App app{"", program};
  cli::setup(app);
  add_member_options(app, o);
  if (Status s = cli::parse(app, args); !s) return s.error();
  return o;
}

namespace {

// One run of the agent: set up (configuration, load, sockets, signals, HyperSync), then the loop
// that sends a heartbeat every interval, serves HyperSync and handles signals. Set-up steps return
// the exit code to stop with, or nullopt to go on.
class MemberAgent {
 public:
  MemberAgent(const MemberOptions& o, std::FILE* err)
      : o_(o), err_(err), me_("conductor member " + std::to_string(o.id.site) + "/" + std::to_string(o.id.member)) {}
  ~MemberAgent() {
    std::fflush(err_);
    if (sfd_ >= 0) ::close(sfd_);
    if (fd4_ >= 0) ::close(fd4_);
    if (fd6_ >= 0) ::close(fd6_);
  }

  int run() {
    if (auto rc = load_configuration()) return *rc;
    load_ = o_.load;
    if (!o_.load_file.empty()) read_load_file();
    if (auto rc = choose_source()) return *rc;
    if (auto rc = open_heartbeat_sockets()) return *rc;
    if (auto rc = open_signals()) return *rc;
    incarnation_ = std::random_device{}();
    if (incarnation_ == 0) incarnation_ = 1;
    start_sync();
    announce();
    return loop();
  }

 private:
  // The file, this member's section in it and at least one orchestrator.
  std::optional<int> load_configuration() {
    std::vector<config::Diagnostic> warnings;
    auto cfg = config::load_config(o_.config_path, &warnings);
    if (!cfg) {
      std::fprintf(err_, "%s: %s\n", me_.c_str(), cfg.error().message.c_str());
      return 2;
    }
    cfg_ = std::move(*cfg);
    self_ = cfg_.member(o_.id);
    if (!self_) {
      std::fprintf(err_, "%s: %s has no [member %u/%u] section\n", me_.c_str(), o_.config_path.c_str(), o_.id.site,
                   o_.id.member);
      return 2;
    }
    if (cfg_.orchestrators.empty()) {
      std::fprintf(err_, "%s: %s has no [orchestrator] to send heartbeats to\n", me_.c_str(), o_.config_path.c_str());
      return 2;
    }
    return std::nullopt;
  }

  // --load-file into the reported load; on failure the load is kept and the reason printed.
  bool read_load_file() {
    std::ifstream in(o_.load_file);
    if (!in) {
      std::fprintf(err_, "%s: cannot read --load-file %s: %s (load kept)\n", me_.c_str(), o_.load_file.c_str(),
                   std::strerror(errno));
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto l = parse_load_text(ss.str(), load_);
    if (!l) {
      std::fprintf(err_, "%s: %s: %s (load kept)\n", me_.c_str(), o_.load_file.c_str(), l.error().message.c_str());
      return false;
    }
    load_ = *l;
    return true;
  }

  // The address heartbeats and HyperSync go out from: --bind, else the member's configured address.
  std::optional<int> choose_source() {
    source_ = self_->address;
    if (!o_.bind_address) return std::nullopt;
    auto ip = config::parse_ip(*o_.bind_address);
    if (!ip) {
      std::fprintf(err_, "%s: --bind: %s\n", me_.c_str(), ip.error().message.c_str());
      return 2;
    }
    source_ = *ip;
    return std::nullopt;
  }

  // One socket per address family in use, and a target per orchestrator.
  std::optional<int> open_heartbeat_sockets() {
    const uint16_t port = o_.heartbeat_port ? *o_.heartbeat_port : config_heartbeat_port(cfg_.timers, 0);
    for (const auto& orch : cfg_.orchestrators) {
      int& fd = orch.address.is_v4() ? fd4_ : fd6_;
      if (fd < 0) {
        fd = ::socket(orch.address.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
          std::fprintf(err_, "%s: socket: %s\n", me_.c_str(), std::strerror(errno));
          return 1;
        }
        if (source_ && source_->is_v4() == orch.address.is_v4()) bind_source(fd);
      }
      Target t;
      t.len = config::to_sockaddr(orch.address, port, &t.addr);
      t.text = config::Endpoint{orch.address, port}.to_string() + " (" + orch.name + ")";
      targets_.push_back({&fd, t});
    }
    return std::nullopt;
  }

  void bind_source(int fd) {
    sockaddr_storage ss;
    const socklen_t len = config::to_sockaddr(*source_, 0, &ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      std::fprintf(err_, "%s: cannot send from %s (%s); using the system's choice\n", me_.c_str(),
                   source_->to_string().c_str(), std::strerror(errno));
  }

  // Signals through a signalfd, so a signal never races the wait.
  std::optional<int> open_signals() {
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    sfd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd_ < 0) {
      std::fprintf(err_, "%s: signalfd: %s\n", me_.c_str(), std::strerror(errno));
      return 1;
    }
    return std::nullopt;
  }

  // HyperSync with the member's peers when the file has a [sync] key and the member an address.
  void start_sync() {
    if (cfg_.sync.key == config::SyncKey{} || !source_) return;
    // Epoch: seconds since 1970, so a restarted agent's epoch is greater (docs/hypersync.md §12).
    const auto epoch = static_cast<uint32_t>(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
    auto s = MemberSync::open(cfg_, o_.id, *source_, load_.connections, epoch, steady_clock::now());
    if (!s) {
      // Heartbeats still go out: the orchestrators see the member, its SYNCED flag stays clear.
      std::fprintf(err_, "%s: %s (no HyperSync; heartbeats only)\n", me_.c_str(), s.error().message.c_str());
      return;
    }
    hsync_ = std::move(*s);
    if (o_.sync_impair && o_.sync_impair->active()) {
      hsync_->set_impairment(*o_.sync_impair);
      std::fprintf(err_, "%s: sync: impairing every datagram sent (%s)\n", me_.c_str(),
                   sync::to_string(*o_.sync_impair).c_str());
    }
    std::string list;
    for (const MemberId m : hsync_->backups())
      list += (list.empty() ? "" : ", ") + std::to_string(m.site) + "/" + std::to_string(m.member);
    std::fprintf(err_, "%s: sync on %s with %zu peers, %u connections owned, synced to %s (socket buffers %d/%d)\n",
                 me_.c_str(), config::Endpoint{*source_, cfg_.sync.port}.to_string().c_str(), hsync_->peers(),
                 std::min(load_.connections, kMaxSyntheticConnections), list.empty() ? "no backup" : list.c_str(),
                 hsync_->rcvbuf(), hsync_->sndbuf());
  }

  void announce() {
    std::string dests;
    for (const auto& [fd, t] : targets_) dests += (dests.empty() ? "" : ", ") + t.text;
    std::fprintf(err_, "%s: heartbeats every %lld us to %s (incarnation %u)\n", me_.c_str(),
                 static_cast<long long>(cfg_.timers.heartbeat_interval.count()), dests.c_str(), incarnation_);
    std::fflush(err_);
  }

  // One heartbeat with the current load to every orchestrator.
  void send_heartbeats(uint16_t flags) {
    cluster::Heartbeat hb{
        .member = o_.id, .flags = flags, .incarnation = incarnation_, .sequence = ++sequence_, .load = load_};
    if (load_.connections == 0) hb.flags |= cluster::kFlagDrained;
    if (hsync_ && hsync_->all_in_sync()) hb.flags |= cluster::kFlagSynced;
    const auto bytes = cluster::encode_heartbeat(hb, cfg_.sync.key);
    for (const auto& [fd, t] : targets_) {
      if (::sendto(*fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&t.addr), t.len) < 0) {
        if (send_errors_++ < 5 || o_.verbose)
          std::fprintf(err_, "%s: send to %s: %s\n", me_.c_str(), t.text.c_str(), std::strerror(errno));
      }
    }
    // With HyperSync running, the sync report (per peer whole, lag, counters) follows every heartbeat
    // but a LEAVING one (the orchestrator forgets a leaving member's report).
    if (hsync_ && !(flags & cluster::kFlagLeaving)) send_sync_report(hb.sequence);
    if (o_.verbose)
      std::fprintf(err_, "%s: seq %u cpu %.2f%% connections %u throughput %llu bps%s%s\n", me_.c_str(), hb.sequence,
                   load_.cpu_percent(), load_.connections, static_cast<unsigned long long>(load_.bps),
                   (flags & cluster::kFlagLeaving) ? " LEAVING" : "",
                   (hb.flags & cluster::kFlagSynced) ? " SYNCED" : "");
  }

  // The sync report (host/cluster/sync_report_wire.hpp) to every orchestrator, numbered like the
  // heartbeat it goes with.
  void send_sync_report(uint32_t sequence) {
    cluster::SyncReport r{.member = o_.id, .incarnation = incarnation_, .sequence = sequence, .peers = {}};
    r.peers = hsync_->health(steady_clock::now());
    if (r.peers.size() > cluster::kSyncReportMaxPeers) r.peers.resize(cluster::kSyncReportMaxPeers);
    const auto bytes = cluster::encode_sync_report(r, cfg_.sync.key);
    for (const auto& [fd, t] : targets_) {
      if (::sendto(*fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&t.addr), t.len) < 0) {
        if (send_errors_++ < 5 || o_.verbose)
          std::fprintf(err_, "%s: send sync report to %s: %s\n", me_.c_str(), t.text.c_str(), std::strerror(errno));
      }
    }
  }

  // Heartbeats on time (no burst after a suspension), HyperSync deadlines and datagrams, signals.
  // Returns the exit code: 0 after --count heartbeats or a stop signal.
  int loop() {
    const auto interval = cfg_.timers.heartbeat_interval;
    auto next = steady_clock::now();
    uint64_t sent = 0;
    for (;;) {
      const auto now = steady_clock::now();
      if (now >= next) {
        send_heartbeats(0);
        ++sent;
        if (o_.count && sent >= o_.count) return 0;
        next += interval;
        if (next < now) next = now + interval;  // fell behind (suspended): no burst
        continue;
      }
      if (hsync_ && hsync_->next_deadline() <= now) {
        hsync_->on_deadline(now);
        after_sync(now);
        continue;
      }
      auto wake = next;
      if (hsync_) wake = std::min(wake, hsync_->next_deadline());
      const auto wait = duration_cast<nanoseconds>(wake - now);
      timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000), static_cast<long>(wait.count() % 1'000'000'000)};
      pollfd p[2] = {{sfd_, POLLIN, 0}, {hsync_ ? hsync_->fd() : -1, POLLIN, 0}};
      const int n = ::ppoll(p, hsync_ ? 2 : 1, &ts, nullptr);
      if (n < 0 && errno != EINTR) {
        std::fprintf(err_, "%s: ppoll: %s\n", me_.c_str(), std::strerror(errno));
        return 1;
      }
      if (hsync_ && n > 0 && (p[1].revents & POLLIN)) on_sync_readable();
      if (n > 0 && (p[0].revents & POLLIN) && on_signals()) return 0;
    }
  }

  // HyperSync datagrams; says when the member's state becomes whole (or stops being whole), with the
  // summary line then. --verbose also prints the summary when the number of whole sessions changes,
  // and at most once a second while backups fill (the summary sorts every copy it digests).
  void on_sync_readable() {
    const auto now = steady_clock::now();
    hsync_->on_readable(now);
    after_sync(now);
  }

  void after_sync(steady_clock::time_point now) {
    const bool in_sync = hsync_->all_in_sync();
    const size_t whole = hsync_->in_sync_count();
    const size_t backup = hsync_->backup_connections();
    if (hsync_->backup_changes() != backup_changes_) {
      backup_changes_ = hsync_->backup_changes();
      std::string list;
      for (const MemberId m : hsync_->backups())
        list += (list.empty() ? "" : ", ") + std::to_string(m.site) + "/" + std::to_string(m.member);
      std::fprintf(err_, "%s: sync: connections now go to %s\n", me_.c_str(),
                   list.empty() ? "no backup" : list.c_str());
    }
    if (in_sync != was_in_sync_) {
      std::fprintf(err_, "%s: sync: %s with all %zu peers\n", me_.c_str(), in_sync ? "whole" : "not whole",
                   hsync_->peers());
      was_in_sync_ = in_sync;
      if (in_sync) print_summary(now);
    }
    if (o_.verbose && (whole != last_whole_ || (backup != last_backup_ && now - last_print_ >= seconds{1}))) {
      print_summary(now);
    }
    last_whole_ = whole;
    std::fflush(err_);
  }

  void print_summary(steady_clock::time_point now) {
    std::fprintf(err_, "%s: sync: %s\n", me_.c_str(), hsync_->summary().c_str());
    last_print_ = now;
    last_backup_ = hsync_->backup_connections();
  }

  // SIGUSR1 reads the load file and reports it at once, SIGHUP reads it quietly, SIGTERM/SIGINT
  // send a LEAVING heartbeat. Returns true to stop.
  bool on_signals() {
    signalfd_siginfo si;
    bool stop = false;
    while (::read(sfd_, &si, sizeof si) == sizeof si) {
      if (si.ssi_signo == SIGUSR1) {
        report_load_change();
      } else if (si.ssi_signo == SIGHUP) {
        // Nothing to reload but the load file.
        if (!o_.load_file.empty()) read_load_file();
      } else {
        stop = true;
      }
    }
    if (!stop) return false;
    send_heartbeats(cluster::kFlagLeaving);
    if (hsync_) {
      std::istringstream lines(hsync_->counters());
      for (std::string line; std::getline(lines, line);) std::fprintf(err_, "%s: sync %s\n", me_.c_str(), line.c_str());
    }
    std::fprintf(err_, "%s: leaving after %u heartbeats\n", me_.c_str(), sequence_);
    return true;
  }

  void report_load_change() {
    if (o_.load_file.empty()) {
      std::fprintf(err_, "%s: SIGUSR1 without --load-file: nothing to read\n", me_.c_str());
    } else if (read_load_file()) {
      std::fprintf(err_, "%s: load now cpu %.2f%% connections %u throughput %llu bps\n", me_.c_str(),
                   load_.cpu_percent(), load_.connections, static_cast<unsigned long long>(load_.bps));
      send_heartbeats(0);  // report the change at once
    }
    std::fflush(err_);
  }

  const MemberOptions& o_;
  std::FILE* err_;
  const std::string me_;  // the prefix of every line
  config::ClusterConfig cfg_{};
  const config::Member* self_ = nullptr;
  cluster::Load load_{};
  std::optional<config::IpAddress> source_;
  int fd4_ = -1, fd6_ = -1, sfd_ = -1;
  std::vector<std::pair<int*, Target>> targets_;  // each with the socket of its address family
  uint32_t incarnation_ = 0;
  uint32_t sequence_ = 0;
  uint64_t send_errors_ = 0;
  std::unique_ptr<MemberSync> hsync_;
  bool was_in_sync_ = false;
  size_t last_whole_ = SIZE_MAX, last_backup_ = 0;
  uint64_t backup_changes_ = 0;
  steady_clock::time_point last_print_{};
};

}  // namespace

int run_member(const MemberOptions& o, std::FILE* err) { return MemberAgent(o, err).run(); }

int member_main(const std::vector<std::string>& args, const std::string& program) {
  auto o = parse_member_options(args, program);
  if (!o) return cli::report(o.error(), program);
  return run_member(*o, stderr);
}

}  // namespace conductor::member
