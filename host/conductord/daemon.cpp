#include "host/conductord/daemon.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/gen/conductor_regs.hpp"
#include "host/common/cli.hpp"
#include "host/config/sockaddr.hpp"
#include "host/conductord/ctl_protocol.hpp"
#include "host/conductord/http.hpp"
#include "host/config/diff.hpp"
#include "host/config/parser.hpp"
#include "host/device/factory.hpp"
#include "host/traffic/generator.hpp"

namespace conductor::daemon {

using config::member_id_text;
using control::Clock;
using control::Controller;
using control::Difference;
using control::GroupView;
using control::MemberView;
using control::SiteView;

namespace {

constexpr size_t kMaxClients = 32;
// A client has this long to send its request, and then, while its answer is being written, this
// long for each write that makes progress (docs/conductord.md, "Client I/O").
constexpr auto kClientTimeout = std::chrono::seconds{5};
// An answer larger than this is not buffered: the client is closed.
constexpr size_t kMaxClientOutput = size_t{8} << 20;

std::string errno_text(int e) { return std::strerror(e); }

// A refused client's short answer ("busy"): one non-blocking send, then the caller closes. A fresh
// socket's buffer takes it whole; whatever it does not take is dropped, never waited for.
void send_once(int fd, std::string_view data) {
  (void)::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Line of `key` in the first section whose header starts with `header` ("[control]"), or of the
// header itself when key is empty; the n-th such section (0-based). 0 when not found.
uint32_t find_line(const std::string& text, std::string_view header, std::string_view key, int nth = 0) {
  std::istringstream in(text);
  std::string line;
  uint32_t no = 0;
  int seen = -1;
  bool inside = false;
  while (std::getline(in, line)) {
    ++no;
    std::string t = line.substr(0, line.find('#'));
    t.erase(0, t.find_first_not_of(" \t\r"));
    t.erase(t.find_last_not_of(" \t\r") + 1);
    if (!t.empty() && t[0] == '[') {
      std::string compact;
      for (char c : t)
        if (c != ' ' && c != '\t') compact += c;
      std::string want;
      for (char c : header)
        if (c != ' ') want += c;
      inside = compact.rfind(want, 0) == 0;
      if (inside) {
        ++seen;
        if (key.empty() && seen == nth) return no;
      }
      continue;
    }
    if (inside && seen == nth && !key.empty()) {
      const size_t eq = t.find('=');
      std::string k = t.substr(0, eq);
      k.erase(k.find_last_not_of(" \t") + 1);
      if (k == key) return no;
    }
  }
  return 0;
}

std::string at(const std::string& path, uint32_t line) {
  return line ? path + ":" + std::to_string(line) + ": " : path + ": ";
}

Expected<std::string> read_text(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    return make_error(errno == ENOENT ? Errc::kNotFound : Errc::kIo,
                      path + ": cannot open the file: " + errno_text(errno));
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > (1u << 20)) break;
  }
  std::fclose(f);
  return text;
}

// A Controller refusal of a [sync] value ("[sync] mtu 9216: ...") as FILE:LINE: reason.
std::string sync_error_text(const std::string& path, const std::string& text, const std::string& message) {
  constexpr std::string_view kSection = "[sync] ";
  if (message.rfind(kSection, 0) != 0) return path + ": " + message;
  const std::string key = message.substr(kSection.size(), message.find(' ', kSection.size()) - kSection.size());
  return at(path, find_line(text, "[sync]", key)) + message;
}

std::string pct(uint64_t part, uint64_t whole) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return b;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

Expected<MemberId> member_arg(const std::vector<std::string>& args, std::string_view usage_text) {
  if (args.size() != 1) return make_error(Errc::kInvalidArgument, "usage: " + std::string(usage_text));
  const std::string& s = args[0];
  const size_t slash = s.find('/');
  auto num = [](std::string_view v, unsigned max) -> std::optional<unsigned> {
    if (v.empty() || v.size() > 3) return std::nullopt;
    unsigned n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n <= max ? std::optional<unsigned>(n) : std::nullopt;
  };
  if (slash == std::string::npos)
    return make_error(Errc::kInvalidArgument, "'" + s + "' is not a member id SITE/MEMBER (e.g. 0/3)");
  auto site = num(std::string_view(s).substr(0, slash), kMaxSites - 1);
  auto mem = num(std::string_view(s).substr(slash + 1), kMaxMembersPerSite - 1);
  if (!site || !mem)
    return make_error(Errc::kInvalidArgument, "'" + s + "' is not a member id SITE/MEMBER (site 0..1, member 0..63)");
  return MemberId{static_cast<uint8_t>(*site), static_cast<uint8_t>(*mem)};
}

Expected<uint64_t> number_arg(const std::string& s, uint64_t lo, uint64_t hi, std::string_view what) {
  if (s.empty() || s.size() > 12 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return make_error(Errc::kInvalidArgument, std::string(what) + ": '" + s + "' is not a number");
  const uint64_t v = std::stoull(s);
  if (v < lo || v > hi)
    return make_error(Errc::kInvalidArgument,
                      std::string(what) + ": " + s + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

}  // namespace

Expected<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  CLI::App app{"The Conductor control-plane daemon (docs/conductord.md).", "conductord"};
  cli::setup(app);
  app.set_version_flag("--version", "conductord 0.1.0");
  app.add_option("--config", o.config_path, "the cluster configuration (docs/conductord.conf.md)")
      ->type_name("FILE")
      ->required();
  app.add_option("--name", o.name, "this daemon's [orchestrator ORCH] section")->type_name("ORCH");
  cli::add_parsed(
      app, "--device", o.device,
      [](const std::string& d) -> Expected<std::optional<config::DeviceType>> {
        if (d == "sim") return std::optional(config::DeviceType::kSim);
        if (d == "soft") return std::optional(config::DeviceType::kSoft);
        return make_error(Errc::kInvalidArgument, "'" + d + "' is not a device type (sim or soft)");
      },
      "override [device] type")
      ->type_name("sim|soft");
  app.add_flag("-f,--foreground", o.foreground,
               "stay in the foreground (conductord never detaches; accepted for init\n"
               "scripts)");
  app.add_flag("--check", o.check, "check the configuration and exit (0 valid, 2 not)");
  if (Status s = cli::parse(app, args); !s) return s.error();
  return o;
}

std::vector<std::string> check_for_daemon(const config::ClusterConfig& c, const std::string& path,
                                          const std::string& text, const Options& o) {
  std::vector<std::string> out;
  if (!o.name.empty() && !c.orchestrator(o.name)) {
    std::string names;
    for (const auto& orch : c.orchestrators) names += (names.empty() ? "" : ", ") + orch.name;
    out.push_back(path + ": --name " + o.name + ": no [orchestrator " + o.name + "] section" +
                  (names.empty() ? "" : " (orchestrators: " + names + ")"));
  }
  if (!c.control.socket_group.empty()) {
    group g{};
    group* res = nullptr;
    std::vector<char> buf(16384);
    if (::getgrnam_r(c.control.socket_group.c_str(), &g, buf.data(), buf.size(), &res) != 0 || !res)
      out.push_back(at(path, find_line(text, "[control]", "socket-group")) + "socket-group: no group '" +
                    c.control.socket_group + "' on this system");
  }
  for (const std::string& p : control::check_sync_identities(c)) {
    const std::string header = p.substr(0, p.find(']') + 1);  // "[member 0/63]"
    out.push_back(at(path, find_line(text, header, "")) + p);
  }
  if (c.groups.size() > 1)
    out.push_back(at(path, find_line(text, "[security-group", "", 1)) + "[security-group " + c.groups[1].name +
                  "]: the core has one bucket table (dist_hash does not index it by SG_ID), so conductord drives one "
                  "security group per device; " +
                  c.groups[0].name + " is already one");
  return out;
}

Daemon::Daemon(Options o) : opts_(std::move(o)) {}

Daemon::~Daemon() {
  for (auto& [fd, c] : clients_) ::close(fd);
  if (control_fd_ >= 0) ::close(control_fd_);
  if (metrics_fd_ >= 0) ::close(metrics_fd_);
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
}

namespace {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

int Daemon::init() {
  // Block the signals first: one that arrives while the device is being programmed waits for the
  // event loop (a SIGHUP's default action would end the process).
  const sigset_t set = daemon_signals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  auto text = read_text(opts_.config_path);
  if (!text) {
    std::fprintf(stderr, "conductord: %s\n", text.error().message.c_str());
    return kExitUsage;
  }
  config_text_ = *text;
  config::ParseResult r = config::parse_config(config_text_, opts_.config_path);
  if (!r.ok()) {
    std::fputs(r.errors_text().c_str(), stderr);
    return kExitUsage;
  }
  for (const auto& w : r.warnings) std::fprintf(stderr, "%s (warning)\n", w.to_string().c_str());
  config_ = *r.config;
  if (opts_.device) config_.device.type = *opts_.device;
  const auto problems = check_for_daemon(config_, opts_.config_path, config_text_, opts_);
  if (!problems.empty()) {
    for (const std::string& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    return kExitUsage;
  }
  if (opts_.check) {
    std::fprintf(stderr, "%s: configuration ok\n", opts_.config_path.c_str());
    return kExitOk;
  }
  log_.set_level(config_.control.log_level);
  log_.info("daemon", "starting",
            {{"config", opts_.config_path},
             {"name", opts_.name},
             {"device", std::string(config::device_type_name(config_.device.type))},
             {"pid", std::to_string(::getpid())}});

  // The device: identity first, nothing is written before it is accepted.
  auto dev = device::make_device(config_.device.type);
  if (!dev) {
    log_.error("device", "unavailable", {{"error", dev.error().message}});
    std::fprintf(stderr, "conductord: %s\n", dev.error().message.c_str());
    return kExitFailure;
  }
  device_ = std::move(*dev);
  auto id = device_->identity();
  Status ok = id ? device::check_identity(*id, device_->kind(), config_.hash.buckets) : Status(id.error());
  if (!ok) {
    log_.error("device", "refused", {{"error", ok.error().message}});
    std::fprintf(stderr, "conductord: refusing the device: %s\n", ok.error().message.c_str());
    return kExitFailure;
  }
  log_.info("device", "identified", {{"kind", std::string(device_->kind())}, {"id", id->to_string()}});

  controller_ = std::make_unique<Controller>(*device_, log_, metrics_);
  if (Status s = controller_->start(config_); !s) {
    log_.error("controller", "start-failed", {{"error", s.error().message}});
    std::fprintf(stderr, "conductord: %s\n", s.error().message.c_str());
    return kExitFailure;
  }
  // HyperSync: the feed, the encoder and the decoder, from [sync] (a new epoch per start).
  sync_epoch_ = static_cast<uint32_t>(::time(nullptr));
  if (Status s = controller_->program_sync(control::make_sync_settings(config_, opts_.name, sync_epoch_)); !s) {
    log_.error("controller", "start-failed", {{"error", s.error().message}});
    std::fprintf(stderr, "conductord: %s\n",
                 sync_error_text(opts_.config_path, config_text_, s.error().message).c_str());
    return kExitFailure;
  }
  for (Status s : {open_signals(), open_control_socket(), open_metrics_socket()}) {
    if (!s) {
      log_.error("daemon", "start-failed", {{"error", s.error().message}});
      std::fprintf(stderr, "conductord: %s\n", s.error().message.c_str());
      return kExitFailure;
    }
  }
  register_commands();
  ctx_ = std::make_unique<DaemonContext>(
      DaemonContext{loop_, log_, metrics_, commands_, *controller_, config_, opts_.name, &sync_health_});
  services_ = make_services();
  for (auto& svc : services_) {
    if (Status s = svc->start(*ctx_); !s) {
      log_.error("daemon", "service-start-failed",
                 {{"service", std::string(svc->name())}, {"error", s.error().message}});
      std::fprintf(stderr, "conductord: service %s: %s\n", std::string(svc->name()).c_str(), s.error().message.c_str());
      return kExitFailure;
    }
    log_.info("daemon", "service-started", {{"service", std::string(svc->name())}});
  }
  metrics_.gauge("conductord_up", "1 while the daemon runs").set(1);
  log_.info(
      "daemon", "ready",
      {{"socket", socket_path_}, {"metrics", config_.control.metrics ? config_.control.metrics->to_string() : "off"}});
  return kExitOk;
}

int Daemon::run() {
  loop_.run();
  const auto now = Clock::now();
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
    (*it)->stop(now);
    log_.info("daemon", "service-stopped", {{"service", std::string((*it)->name())}});
  }
  if (!socket_path_.empty()) {
    ::unlink(socket_path_.c_str());
    socket_path_.clear();
  }
  log_.info("daemon", "stopped", {{"exit", std::to_string(exit_code_)}});
  return exit_code_;
}

// ---------------------------------------------------------------- signals

Status Daemon::open_signals() {
  const sigset_t set = daemon_signals();
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return make_error(Errc::kIo, "sigprocmask: " + errno_text(errno));
  signal_fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return make_error(Errc::kIo, "signalfd: " + errno_text(errno));
  loop_.watch_fd(signal_fd_, [this](Clock::time_point now) { on_signal(now); });
  return ok_status();
}

void Daemon::on_signal(Clock::time_point) {
  signalfd_siginfo si{};
  while (::read(signal_fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGHUP) {
      metrics_.counter("conductord_signals_total", "Signals handled", {{"signal", "HUP"}}).inc();
      (void)reload();
    } else {
      const char* name = si.ssi_signo == SIGTERM ? "TERM" : "INT";
      metrics_.counter("conductord_signals_total", "Signals handled", {{"signal", name}}).inc();
      log_.info("daemon", "stopping", {{"signal", name}});
      loop_.stop();
      return;
    }
  }
}

Status Daemon::reload() {
  const auto t0 = Clock::now();
  auto fail = [&](const std::string& why) -> Status {
    metrics_.counter("conductord_reloads_total", "Configuration reloads", {{"result", "rejected"}}).inc();
    log_.error("config", "reload-rejected", {{"file", opts_.config_path}, {"error", why}});
    return make_error(Errc::kInvalidArgument, why);
  };
  auto text = read_text(opts_.config_path);
  if (!text) return fail(text.error().message);
  config::ParseResult r = config::parse_config(*text, opts_.config_path);
  if (!r.ok()) {
    std::string why = r.errors_text();
    if (!why.empty() && why.back() == '\n') why.pop_back();
    return fail(why);
  }
  config::ClusterConfig now = *r.config;
  if (opts_.device) now.device.type = *opts_.device;
  const auto problems = check_for_daemon(now, opts_.config_path, *text, opts_);
  if (!problems.empty()) {
    std::string why;
    for (const std::string& p : problems) why += (why.empty() ? "" : "\n") + p;
    return fail(why);
  }
  const config::ClusterConfig old = config_;
  const config::ClusterConfig running = config::apply_live(old, now);
  // [sync] values the device cannot hold reject the whole reload before anything is written.
  const control::SyncSettings sync = control::make_sync_settings(running, opts_.name, sync_epoch_);
  if (auto plan = controller_->plan_sync(sync); !plan)
    return fail(sync_error_text(opts_.config_path, *text, plan.error().message));
  const config::ConfigDiff d = config::diff(config_, now);
  for (const config::Change& c : d.changes) {
    if (c.apply == config::Apply::kRestart)
      log_.warn("config", "change-needs-restart", {{"change", c.to_string()}, {"kept", "the running value"}});
    else
      log_.info("config", "change", {{"change", c.to_string()}});
  }
  if (Status s = controller_->reload(old, running); !s) {
    // The Controller refused before it wrote anything only for check_groups(); a device error
    // leaves the new intended state (verification shows what the device holds).
    log_.error("controller", "reload-failed", {{"error", s.error().message}});
  }
  if (Status s = controller_->program_sync(sync); !s)
    log_.error("controller", "reload-failed", {{"error", s.error().message}});
  config_ = running;
  config_text_ = *text;
  log_.set_level(config_.control.log_level);
  for (auto& svc : services_) svc->reload(*ctx_, old);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  metrics_.counter("conductord_reloads_total", "Configuration reloads", {{"result", "applied"}}).inc();
  metrics_.gauge("conductord_last_reload_seconds", "Time the last applied reload took")
      .set(static_cast<double>(us) / 1e6);
  log_.info("config", "reloaded",
            {{"changes", std::to_string(d.changes.size())},
             {"restart-needed", std::to_string(d.restart().size())},
             {"micros", std::to_string(us)}});
  return ok_status();
}

// ---------------------------------------------------------------- control socket

Status Daemon::open_control_socket() {
  const std::string& path = config_.control.socket;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return make_error(Errc::kInvalidArgument, "control socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return make_error(Errc::kIo, "control socket " + path + " exists and is not a socket");
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (probe >= 0) ::close(probe);
    if (live) return make_error(Errc::kIo, "control socket " + path + ": another conductord is listening there");
    ::unlink(path.c_str());  // left behind by a daemon that was killed
    log_.warn("control", "stale-socket-removed", {{"socket", path}});
  }
  control_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (control_fd_ < 0) return make_error(Errc::kIo, "socket: " + errno_text(errno));
  const mode_t old_mask = ::umask(0177);
  const int b = ::bind(control_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int bind_errno = errno;
  ::umask(old_mask);
  if (b != 0) return make_error(Errc::kIo, "control socket " + path + ": bind: " + errno_text(bind_errno));
  socket_path_ = path;
  mode_t mode = 0600;
  if (!config_.control.socket_group.empty()) {
    group g{};
    group* res = nullptr;
    std::vector<char> buf(16384);
    if (::getgrnam_r(config_.control.socket_group.c_str(), &g, buf.data(), buf.size(), &res) != 0 || !res)
      return make_error(Errc::kNotFound, "socket-group: no group '" + config_.control.socket_group + "'");
    if (::chown(path.c_str(), static_cast<uid_t>(-1), res->gr_gid) != 0)
      return make_error(Errc::kIo, "control socket " + path + ": chown to group " + config_.control.socket_group +
                                       ": " + errno_text(errno));
    mode = 0660;
  }
  if (::chmod(path.c_str(), mode) != 0)
    return make_error(Errc::kIo, "control socket " + path + ": chmod: " + errno_text(errno));
  if (::listen(control_fd_, 16) != 0)
    return make_error(Errc::kIo, "control socket " + path + ": listen: " + errno_text(errno));
  loop_.watch_fd(control_fd_, [this](Clock::time_point now) { on_control_accept(now); });
  return ok_status();
}

void Daemon::close_client(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  if (it->second.timer) loop_.cancel_timer(it->second.timer);
  loop_.unwatch_fd(fd);
  ::close(fd);
  clients_.erase(it);
}

void Daemon::add_client(int fd, bool http, std::string name, Clock::time_point now) {
  Client c;
  c.http = http;
  c.name = std::move(name);
  c.progress = now;
  c.timer = loop_.add_timer(now + kClientTimeout, [this, fd](Clock::time_point t) { on_client_deadline(fd, t); });
  clients_[fd] = std::move(c);
  loop_.watch_fd(
      fd, [this, fd](Clock::time_point t) { on_client_ready(fd, t); }, control::EventLoop::kReadable);
}

void Daemon::on_client_ready(int fd, Clock::time_point now) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  if (it->second.answered)
    flush_client(fd, now);
  else if (it->second.http)
    on_metrics_readable(fd, now);
  else
    on_control_readable(fd, now);
}

void Daemon::respond(int fd, std::string bytes, Clock::time_point now) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = it->second;
  c.answered = true;
  std::string().swap(c.in);
  c.out = std::move(bytes);
  c.out_sent = 0;
  c.progress = now;
  if (c.out.size() > kMaxClientOutput) return drop_client(fd, "output-limit");
  // From now on only writes: the request is complete, whatever else the client sends is ignored.
  loop_.set_events(fd, control::EventLoop::kWritable);
  flush_client(fd, now);
}

void Daemon::flush_client(int fd, Clock::time_point now) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = it->second;
  while (c.out_sent < c.out.size()) {
    const ssize_t n = ::send(fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
      c.progress = now;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // POLLOUT brings us back
    break;  // the client went away (EPIPE, ECONNRESET): nobody to answer
  }
  close_client(fd);  // everything sent (the kernel delivers the rest), or nobody to send it to
}

void Daemon::on_client_deadline(int fd, Clock::time_point now) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = it->second;
  c.timer = 0;
  if (!c.answered) {  // no complete request within kClientTimeout
    if (!c.http)
      metrics_.counter("conductord_ctl_rejected_total", "Control connections refused", {{"reason", "timeout"}}).inc();
    close_client(fd);
    return;
  }
  const Clock::time_point due = c.progress + kClientTimeout;
  if (now < due) {  // it read some of its answer since: wait for the next deadline
    c.timer = loop_.add_timer(due, [this, fd](Clock::time_point t) { on_client_deadline(fd, t); });
    return;
  }
  drop_client(fd, "no-progress");
}

void Daemon::drop_client(int fd, std::string_view reason) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  const Client& c = it->second;
  const std::string limit = reason == "output-limit" ? std::to_string(kMaxClientOutput) + " bytes"
                                                     : std::to_string(kClientTimeout.count()) + " s without progress";
  log_.warn("control", "client-dropped",
            {{"client", c.name},
             {"reason", std::string(reason)},
             {"limit", limit},
             {"unsent", std::to_string(c.out.size() - c.out_sent)},
             {"sent", std::to_string(c.out_sent)}});
  metrics_
      .counter("conductord_client_drops_total",
               "Control and metrics clients closed for reading their answer too slowly",
               {{"socket", c.http ? "metrics" : "control"}, {"reason", std::string(reason)}})
      .inc();
  close_client(fd);
}

void Daemon::on_control_accept(Clock::time_point now) {
  int fd = ::accept4(control_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (clients_.size() >= kMaxClients) {
    metrics_.counter("conductord_ctl_rejected_total", "Control connections refused", {{"reason", "busy"}}).inc();
    send_once(fd, format_response(Error{Errc::kIo, "busy: too many control connections"}));
    ::close(fd);
    return;
  }
  ucred cred{};
  socklen_t len = sizeof cred;
  std::string name = "control fd " + std::to_string(fd);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    log_.debug("control", "connection", {{"pid", std::to_string(cred.pid)}, {"uid", std::to_string(cred.uid)}});
    name = "control pid " + std::to_string(cred.pid) + " uid " + std::to_string(cred.uid);
  }
  add_client(fd, false, std::move(name), now);
}

void Daemon::on_control_readable(int fd, Clock::time_point now) {
  Client& c = clients_.at(fd);
  char buf[2048];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    close_client(fd);
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  size_t nl = c.in.find('\n');
  if (nl == std::string::npos) {
    if (c.in.size() > kMaxRequestBytes + 1) {
      metrics_.counter("conductord_ctl_requests_total", "Control requests", {{"result", "rejected"}}).inc();
      respond(fd,
              format_response(
                  Error{Errc::kInvalidArgument, "request longer than " + std::to_string(kMaxRequestBytes) + " bytes"}),
              now);
    }
    return;
  }
  std::string line = c.in.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  Expected<std::string> result = make_error(Errc::kInvalidArgument, "");
  auto words = parse_request(line);
  if (!words) {
    result = words.error();
  } else {
    std::string cmd;
    for (const auto& w : *words) cmd += (cmd.empty() ? "" : " ") + w;
    result = commands_.run(*words);
    log_.info("control", "request",
              {{"command", cmd}, {"result", result ? "ok" : std::string(errc_name(result.error().code))}});
  }
  metrics_.counter("conductord_ctl_requests_total", "Control requests", {{"result", result ? "ok" : "error"}}).inc();
  std::string out = format_response(result);
  if (out.size() > kMaxResponseBytes) out = format_response(Error{Errc::kIo, "response larger than 1 MiB"});
  respond(fd, std::move(out), now);
}

// ---------------------------------------------------------------- metrics endpoint

Status Daemon::open_metrics_socket() {
  if (!config_.control.metrics) return ok_status();
  const config::Endpoint& ep = *config_.control.metrics;
  if (!ep.address.is_loopback())
    return make_error(Errc::kInvalidArgument, "metrics: " + ep.to_string() + " is not loopback");
  const bool v4 = ep.address.is_v4();
  metrics_fd_ = ::socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (metrics_fd_ < 0) return make_error(Errc::kIo, "metrics socket: " + errno_text(errno));
  int one = 1;
  ::setsockopt(metrics_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss;
  const socklen_t len = config::to_sockaddr(ep.address, ep.port, &ss);
  const int b = ::bind(metrics_fd_, reinterpret_cast<sockaddr*>(&ss), len);
  if (b != 0) return make_error(Errc::kIo, "metrics endpoint " + ep.to_string() + ": bind: " + errno_text(errno));
  if (::listen(metrics_fd_, 16) != 0) return make_error(Errc::kIo, "metrics endpoint: listen: " + errno_text(errno));
  loop_.watch_fd(metrics_fd_, [this](Clock::time_point now) { on_metrics_accept(now); });
  return ok_status();
}

void Daemon::on_metrics_accept(Clock::time_point now) {
  sockaddr_storage peer{};
  socklen_t plen = sizeof peer;
  int fd = ::accept4(metrics_fd_, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (clients_.size() >= kMaxClients) {
    send_once(fd, http_response(503, "text/plain", "busy\n"));
    ::close(fd);
    return;
  }
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (peer.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  const bool v6 = peer.ss_family == AF_INET6;
  add_client(fd, true, std::string("metrics ") + (v6 ? "[" : "") + host + (v6 ? "]" : "") + ":" + std::to_string(port),
             now);
}

void Daemon::on_metrics_readable(int fd, Clock::time_point now) {
  Client& c = clients_.at(fd);
  char buf[2048];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    close_client(fd);
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  const size_t end = http_head_end(c.in);
  auto answer = [&](int status, std::string_view body, const char* result) {
    metrics_
        .counter("conductord_http_requests_total", "Requests to the metrics endpoint",
                 {{"code", std::to_string(status)}})
        .inc();
    (void)result;
    respond(fd, http_response(status, status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", body),
            now);
  };
  if (end == std::string::npos) {
    if (c.in.size() > kMaxHttpRequestBytes) answer(431, "request head too large\n", "too-large");
    return;
  }
  auto req = parse_http_request(std::string_view(c.in).substr(0, end));
  if (!req) return answer(400, req.error().message + "\n", "bad");
  if (req->method != "GET" && req->method != "HEAD") return answer(405, "only GET\n", "method");
  if (req->target != "/metrics") return answer(404, "not found: try /metrics\n", "not-found");
  metrics_.counter("conductord_http_requests_total", "Requests to the metrics endpoint", {{"code", "200"}});  // listed
  std::string body = metrics_.exposition();
  // Device counters, read now.
  for (const regs::RegInfo& r : regs::kRegisters) {
    if (r.access != regs::Access::kRo || std::string_view(r.block) == "id" || !device::in_core(r.block)) continue;
    auto v = device_->read_reg(r.addr);
    if (!v) continue;
    std::string name = std::string("conductor_device_") + r.block + "_" + r.name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    body += "# HELP " + name + " " + r.description + "\n# TYPE " + name + " gauge\n" + name + " " + std::to_string(*v) +
            "\n";
  }
  answer(200, req->method == "HEAD" ? std::string_view{} : std::string_view(body), "ok");
}

// ---------------------------------------------------------------- commands

std::string Daemon::stats_text() {
  std::string out = "device " + std::string(device_->kind()) + "\n";
  for (const regs::RegInfo& r : regs::kRegisters) {
    if (r.access != regs::Access::kRo || std::string_view(r.block) == "id" || !device::in_core(r.block)) continue;
    auto v = device_->read_reg(r.addr);
    out += "  " + pad(std::string(r.block) + "." + r.name, 34) +
           (v ? std::to_string(*v) : "read failed: " + v.error().message) + "\n";
  }
  out += "daemon\n";
  std::istringstream in(metrics_.exposition());
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') out += "  " + line + "\n";
  return out;
}

namespace {

// The members section of `show sync`: every member's latest sync report (docs/cluster.md, "Sync
// report"), per peer whole or not, lag, frames, records, rejects, unacknowledged frames, report age.
void show_sync_members(const cluster::SyncHealth& h, Clock::time_point now, std::string& text,
                       nlohmann::ordered_json& j) {
  text += h.show(now);
  auto& mj = j["members"];
  mj = nlohmann::ordered_json::array();
  for (const auto& [id, e] : h.members()) {
    nlohmann::ordered_json m;
    m["member"] = cluster::sync_member_text(id);
    m["incarnation"] = e.report.incarnation;
    m["sequence"] = e.report.sequence;
    m["report_age_seconds"] = std::chrono::duration<double>(now - e.received).count();
    m["stale"] = h.stale(now, e);
    size_t whole = 0;
    m["peers"] = nlohmann::ordered_json::array();
    for (const cluster::PeerSyncHealth& p : e.report.peers) {
      whole += p.whole() ? 1 : 0;
      m["peers"].push_back({{"peer", cluster::sync_member_text(p.peer)},
                            {"whole", p.whole()},
                            {"full_sync_out", (p.flags & cluster::kPeerFullSyncOut) != 0},
                            {"lag_seconds", p.lag_us / 1e6},
                            {"unacked", p.unacked},
                            {"frames_sent", p.frames_sent},
                            {"records_sent", p.records_sent},
                            {"frames_received", p.frames_received},
                            {"records_held", p.records_held},
                            {"rejects", p.rejects}});
    }
    m["whole"] = !h.stale(now, e) && whole == e.report.peers.size();
    mj.push_back(std::move(m));
  }
  auto& rj = j["member_reports"];
  rj["accepted"] = h.accepted();
  rj["rejects"] = nlohmann::ordered_json::object();
  for (size_t r = 0; r < cluster::kSyncReportRejectCount; ++r)
    rj["rejects"][std::string(cluster::sync_report_reject_name(static_cast<cluster::SyncReportReject>(r)))] =
        h.rejects()[r];
}

}  // namespace

// The device's HyperSync feed (docs/hypersync.md §13.2), its encoder and its decoder (§13.1): their
// settings and counters, read now, then the members' HyperSync as their sync reports tell it; `show
// sync json` gives the same as one JSON object (docs/conductord.md, "show sync").
Expected<std::string> Daemon::show_sync(const Args& args) {
  const bool json = !args.empty();
  if (json && args[0] != "json") return make_error(Errc::kInvalidArgument, "usage: show sync [json]");
  auto rd = [this](uint32_t addr) -> Expected<uint32_t> { return device_->read_reg(addr); };
  auto sync = rd(regs::STEER_SYNC_ADDR);
  if (!sync) return sync.error();
  auto mature = rd(regs::FLOW_TABLE_SYNC_MATURE_ADDR);
  if (!mature) return mature.error();
  auto field = [](uint32_t v, uint32_t lsb, uint32_t width) { return (v >> lsb) & ((1u << width) - 1); };
  const bool enabled = field(*sync, regs::STEER_SYNC_ENABLE_LSB, 1) != 0;
  const bool at_insert = field(*sync, regs::STEER_SYNC_AT_INSERT_LSB, 1) != 0;
  const uint32_t dest = field(*sync, regs::STEER_SYNC_DEST_LSB, 8);
  const uint32_t sweeps = field(*mature, regs::FLOW_TABLE_SYNC_MATURE_SWEEPS_LSB, 4);
  const uint32_t gen = field(*mature, regs::FLOW_TABLE_SYNC_MATURE_GEN_LSB, 1);
  struct Counter {
    const char* key;   // JSON
    const char* text;  // text output
    uint32_t addr;
  };
  static constexpr Counter kFeed[] = {
      {"records", "records handed to the encoder", regs::STEER_SYNC_RECORDS_ADDR},
      {"dropped", "records dropped (queue full)", regs::STEER_SYNC_DROPPED_ADDR},
      {"matured", "connections matured", regs::FLOW_TABLE_MATURED_ADDR},
      {"frames", "frames sent", regs::SYNC_ENCODER_FRAMES_ADDR},
      {"frame_bytes", "frame bytes", regs::SYNC_ENCODER_FRAME_BYTES_ADDR},
      {"records_in_frames", "records in frames", regs::SYNC_ENCODER_RECORDS_ADDR},
      {"record_bytes", "record bytes", regs::SYNC_ENCODER_RECORD_BYTES_ADDR},
      {"no_route", "records without a route", regs::SYNC_ENCODER_NO_ROUTE_ADDR},
      {"young", "records too young", regs::SYNC_ENCODER_YOUNG_ADDR},
      {"last_sequence", "last sequence, slot 0", regs::SYNC_ENCODER_SEQ0_ADDR},
  };
  static constexpr Counter kDecoder[] = {
      {"frames", "frames accepted", regs::SYNC_DECODER_FRAMES_ADDR},
      {"records", "records", regs::SYNC_DECODER_RECORDS_ADDR},
      {"skipped", "records skipped (unknown type)", regs::SYNC_DECODER_SKIPPED_ADDR},
      {"control", "control records", regs::SYNC_DECODER_CONTROL_ADDR},
      {"ops", "ops to the flow table", regs::SYNC_DECODER_OPS_ADDR},
      {"not_sync", "frames not sync (NOT_SYNC)", regs::SYNC_DECODER_NOT_SYNC_ADDR},
  };
  nlohmann::ordered_json j;
  std::string out;
  auto line = [&](std::string_view what, const Expected<uint32_t>& v, size_t indent = 2) {
    out += std::string(indent, ' ') + pad(std::string(what), 34 - indent) +
           (v ? std::to_string(*v) : "read failed: " + v.error().message) + "\n";
  };
  auto value = [](const Expected<uint32_t>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(); };
  j["feed"] = {
      {"enabled", enabled}, {"destination", dest}, {"at_insert", at_insert}, {"sweeps", sweeps}, {"generation", gen}};
  out = std::string("feed ") + (enabled ? "on" : "off") + ", destination " + device::hex32(dest).substr(8) +
        ", new connections " +
        (at_insert     ? "at insert"
         : sweeps == 0 ? "never (no maturing: flow_table.SYNC_MATURE.SWEEPS is 0)"
                       : "after " + std::to_string(sweeps) + " ageing sweeps") +
        ", generation " + std::to_string(gen) + "\n";
  j["encoder"] = nlohmann::ordered_json::object();
  for (const Counter& c : kFeed) {
    auto v = rd(c.addr);
    line(c.text, v);
    j["encoder"][c.key] = value(v);
  }
  if (!controller_->device_has_sync_decoder()) {
    out += "decoder: none on this " + std::string(device_->kind()) + " device\n";
    j["decoder"] = nullptr;
    show_sync_members(sync_health_, loop_.now(), out, j);
    return json ? j.dump() + "\n" : out;
  }
  auto cluster = rd(regs::SYNC_DECODER_CLUSTER_ADDR), self = rd(regs::SYNC_DECODER_SELF_ADDR),
       slot0 = rd(regs::SYNC_DECODER_KEY0_CTRL_ADDR);
  uint32_t members = 0;
  for (unsigned i = 0; i < 4; ++i)
    if (auto w = rd(regs::SYNC_DECODER_MEMBERS0_ADDR + 4 * i)) members += static_cast<uint32_t>(__builtin_popcount(*w));
  auto& dj = j["decoder"];
  dj["cluster"] = value(cluster);
  dj["self"] = value(self);
  dj["members"] = members;
  dj["key_slot0"] = slot0 && (*slot0 & regs::SYNC_DECODER_KEY0_CTRL_VALID_MASK) != 0;
  out += "decoder: cluster " + (cluster ? std::to_string(*cluster) : std::string("?")) + ", self " +
         (self ? device::hex32(*self).substr(8) : std::string("?")) + ", " + std::to_string(members) +
         " member bytes, key slot 0 " + (dj["key_slot0"].get<bool>() ? "set" : "empty") + "\n";
  for (const Counter& c : kDecoder) {
    auto v = rd(c.addr);
    line(c.text, v);
    dj[c.key] = value(v);
  }
  // One counter per reject reason of docs/hypersync.md §8, in its order (consecutive registers).
  std::string reasons;
  uint64_t rejected = 0;
  dj["rejects"] = nlohmann::ordered_json::object();
  for (uint32_t i = 0; i < regs::SYNC_DECODER_REJECTS; ++i) {
    const uint32_t addr = regs::SYNC_DECODER_TRUNCATED_ADDR + 4 * i;
    std::string name = "?";
    for (const regs::RegInfo& r : regs::kRegisters)
      if (r.addr == addr) name = r.name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return ch == '_' ? '-' : static_cast<char>(std::tolower(ch)); });
    auto v = rd(addr);
    if (v) rejected += *v;
    reasons += "    " + pad(name, 30) + (v ? std::to_string(*v) : "read failed: " + v.error().message) + "\n";
    dj["rejects"][name] = value(v);
  }
  out += "  " + pad("frames rejected", 32) + std::to_string(rejected) + "\n" + reasons;
  show_sync_members(sync_health_, loop_.now(), out, j);
  return json ? j.dump() + "\n" : out;
}

Expected<std::string> Daemon::traffic(const std::vector<std::string>& args) {
  auto frames = number_arg(args[0], 1, 100000, "FRAMES");
  if (!frames) return frames.error();
  auto flows = args.size() > 1 ? number_arg(args[1], 1, 100000, "FLOWS") : Expected<uint64_t>(256);
  if (!flows) return flows.error();
  auto seed = args.size() > 2 ? number_arg(args[2], 0, 1'000'000'000'000ull, "SEED") : Expected<uint64_t>(1);
  if (!seed) return seed.error();
  GeneratorConfig g;
  g.seed = *seed;
  g.flows = static_cast<uint32_t>(*flows);
  g.sg_id = config_.groups.empty() ? 0 : config_.groups[0].id;
  auto gen = TrafficGenerator::create(g);
  if (!gen) return gen.error();
  std::vector<device::TimedFrame> in;
  in.reserve(*frames);
  for (uint64_t i = 0; i < *frames; ++i) in.push_back(device::TimedFrame{gen->next(), traffic_time_++});
  auto out = device_->process(in);
  if (!out) return out.error();
  uint64_t delivered = 0, actions[4] = {};
  for (const auto& r : *out) {
    delivered += r.deliver;
    ++actions[r.action & 3];
  }
  metrics_.counter("conductord_traffic_frames_total", "Frames the traffic command sent through the device")
      .inc(*frames);
  return std::to_string(out->size()) + " frames through the " + std::string(device_->kind()) +
         " device: " + std::to_string(delivered) + " delivered, " + std::to_string(out->size() - delivered) +
         " dropped; new " + std::to_string(actions[0]) + ", hit " + std::to_string(actions[1]) + ", corrected " +
         std::to_string(actions[2]) + ", failover " + std::to_string(actions[3]) + "\n";
}

// ---- Control-socket commands ---------------------------------------------------------------------
// One table lists every command of the daemon: its CommandSpec (words, arguments, help, how many
// arguments it takes; the registry formats the help line and the usage error from it and checks the
// count) and the Daemon method that answers it.

namespace {

using Args = std::vector<std::string>;

// A row of left-aligned columns; each cell but the last is padded to its width.
std::string columns(std::initializer_list<std::pair<std::string, size_t>> cells) {
  std::string out;
  for (const auto& [text, width] : cells) out += pad(text, width);
  return out + "\n";
}

Expected<uint32_t> addr_arg(const std::string& s) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const std::string digits = hex ? s.substr(2) : s;
  if (digits.empty() || digits.size() > (hex ? 8u : 10u) || !std::all_of(digits.begin(), digits.end(), [hex](char c) {
        return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '9');
      }))
    return make_error(Errc::kInvalidArgument, "'" + s + "' is not a number (decimal or 0x hex)");
  const uint64_t v = std::stoull(digits, nullptr, hex ? 16 : 10);
  if (v > 0xFFFFFFFFull) return make_error(Errc::kInvalidArgument, "'" + s + "' is larger than 32 bits");
  return static_cast<uint32_t>(v);
}

std::string backup_text(const MemberView& m) {
  const uint16_t e = m.backup;
  const bool lb = (e >> regs::BACKUP_ENTRY_LB_VALID_LSB) & 1, rb = (e >> regs::BACKUP_ENTRY_RB_VALID_LSB) & 1;
  const std::string local =
      lb ? member_id_text(MemberId{m.id.site, static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_LB_MEMBER_LSB) & 0x3F)})
         : "-";
  const std::string remote =
      rb ? member_id_text(MemberId{static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_RB_SITE_LSB) & 1),
                                   static_cast<uint8_t>((e >> regs::BACKUP_ENTRY_RB_MEMBER_LSB) & 0x3F)})
         : std::string("-");
  return pad(local, 14) + remote;
}

struct DaemonCommand {
  CommandSpec spec;
  Expected<std::string> (*run)(Daemon& d, const Args& args) = nullptr;
};

}  // namespace

Expected<std::string> Daemon::show_distribution(const Args&) {
  const Controller& ctl = *controller_;
  std::string out;
  for (const GroupView& g : ctl.groups()) {
    out += "security-group " + g.name + " (id " + std::to_string(g.id) + "): " + std::to_string(g.buckets) +
           " buckets, " + std::to_string(g.unassigned) + " unassigned, ActiveSite " +
           std::to_string(ctl.active_site()) + "\n";
    out += "member  weight  admin  health  site     buckets  share\n";
    for (const MemberView& m : g.members)
      out += columns({{member_id_text(m.id), 8},
                      {std::to_string(m.weight), 8},
                      {m.admin_up ? "up" : "down", 7},
                      {m.alive ? "alive" : "failed", 8},
                      {m.site_online ? "online" : "offline", 9},
                      {std::to_string(m.buckets), 9},
                      {pct(m.buckets, g.buckets), 0}});
  }
  if (out.empty()) out = "no security group configured\n";
  return out;
}

// The device against the intended state, then the members' HyperSync: every (member, peer) whose
// sync report says not whole and every member whose report is stale is a difference too.
Expected<std::string> Daemon::verify_distribution(const Args&) {
  size_t total = 0;
  const auto diffs = controller_->verify(1000, &total);
  const auto sync = sync_health_.problems(loop_.now());
  if (total == 0 && sync.empty())
    return "verified: the device matches the intended state (" + std::to_string(controller_->allocator().buckets()) +
           " buckets, member and site status, backup map, hash, " +
           std::to_string(controller_->intended_sync().size()) + " HyperSync registers)" +
           (sync_health_.members().empty()
                ? std::string()
                : "; HyperSync whole on all " + std::to_string(sync_health_.members().size()) + " reporting members") +
           "\n";
  std::string out;
  for (const Difference& d : diffs) out += d.to_string() + "\n";
  if (total > diffs.size()) out += "... and " + std::to_string(total - diffs.size()) + " more\n";
  for (const std::string& line : sync) out += line + "\n";
  const size_t all = total + sync.size();
  return make_error(Errc::kCorrupt, std::to_string(all) + " difference" + (all == 1 ? "" : "s") +
                                        " between the device and the intended state" +
                                        (sync.empty() ? "" : " and in the members' HyperSync") + ":\n" + out);
}

Expected<std::string> Daemon::show_members(const Args&) {
  std::string out =
      "member  name          group         weight  admin  health  status  buckets  local-backup  remote-backup\n";
  for (const MemberView& m : controller_->members())
    out += columns({{member_id_text(m.id), 8},
                    {m.name.empty() ? "-" : m.name, 14},
                    {m.group.empty() ? "-" : m.group, 14},
                    {std::to_string(m.weight), 8},
                    {m.admin_up ? "up" : "down", 7},
                    {m.alive ? "alive" : "failed", 8},
                    {m.status_up ? "up" : "down", 8},
                    {std::to_string(m.buckets), 9},
                    {backup_text(m), 0}});
  return out;
}

Expected<std::string> Daemon::show_sites(const Args&) {
  std::string out = "site  name      state    active  members  serving\n";
  for (const SiteView& s : controller_->sites())
    out += columns({{std::to_string(s.id), 6},
                    {s.name.empty() ? "-" : s.name, 10},
                    {s.online ? "online" : "offline", 9},
                    {s.active ? "yes" : "no", 8},
                    {std::to_string(s.members), 9},
                    {std::to_string(s.serving_members), 0}});
  return out;
}

Expected<std::string> Daemon::member_admin(const Args& a, bool up) {
  const std::string verb = up ? "up" : "down";
  auto id = member_arg(a, "member " + verb + " SITE/MEMBER");
  if (!id) return id.error();
  if (Status s = controller_->set_member_admin(*id, up, "conductorctl"); !s) return s.error();
  const auto v = controller_->member(*id);
  return "member " + member_id_text(*id) + " admin " + verb + " (" + std::to_string(v ? v->buckets : 0) + " buckets)\n";
}

Expected<std::string> Daemon::member_weight(const Args& a) {
  auto id = member_arg({a[0]}, "member weight SITE/MEMBER WEIGHT");
  if (!id) return id.error();
  auto w = number_arg(a[1], 0, kMaxWeight, "WEIGHT");
  if (!w) return w.error();
  if (Status s = controller_->set_member_weight(*id, static_cast<uint16_t>(*w), "conductorctl"); !s) return s.error();
  return "member " + member_id_text(*id) + " weight " + std::to_string(*w) + "\n";
}

Expected<std::string> Daemon::site_online(const Args& a, bool online) {
  auto s = number_arg(a[0], 0, 1, "site");
  if (!s) return s.error();
  if (Status st = controller_->set_site_online(static_cast<uint8_t>(*s), online, "conductorctl"); !st)
    return st.error();
  return "site " + std::to_string(*s) + " " + (online ? "online" : "offline") + "; ActiveSite " +
         std::to_string(controller_->active_site()) + "\n";
}

Expected<std::string> Daemon::reload_command(const Args&) {
  if (Status s = reload(); !s) return s.error();
  return std::string("reloaded ") + opts_.config_path + "\n";
}

Expected<std::string> Daemon::device_read(const Args& a) {
  auto addr = addr_arg(a[0]);
  if (!addr) return addr.error();
  auto v = device_->read_reg(*addr);
  if (!v) return v.error();
  return device::hex32(*addr) + " = " + device::hex32(*v) + "\n";
}

Expected<std::string> Daemon::device_write(const Args& a) {
  auto addr = addr_arg(a[0]);
  if (!addr) return addr.error();
  auto v = addr_arg(a[1]);
  if (!v) return v.error();
  if (Status s = device_->write_reg(*addr, *v); !s) return s.error();
  metrics_.counter("conductord_device_pokes_total", "device write commands (writes outside the Controller)").inc();
  log_.warn("control", "device-write", {{"addr", device::hex32(*addr)}, {"value", device::hex32(*v)}});
  return device::hex32(*addr) + " <- " + device::hex32(*v) + "\n";
}

void Daemon::register_commands() {
  static const DaemonCommand kCommands[] = {
      {{"help", "", "this list", 0, kAnyArgs, ""},
       [](Daemon& d, const Args&) -> Expected<std::string> { return d.commands_.help(); }},
      {{"show distribution", "", "per security group its members, weights and bucket shares", 0, 0, "[verification]"},
       [](Daemon& d, const Args& a) { return d.show_distribution(a); }},
      {{"show distribution verification", "", "read the device back and list every difference from the intended state",
        0, 0, ""},
       [](Daemon& d, const Args& a) { return d.verify_distribution(a); }},
      {{"show members", "", "every member's weight, admin state, health, status bit, buckets and backups", 0, 0, ""},
       [](Daemon& d, const Args& a) { return d.show_members(a); }},
      {{"show sites", "", "each site's state, ActiveSite and serving members", 0, 0, ""},
       [](Daemon& d, const Args& a) { return d.show_sites(a); }},
      {{"member down", "ID",
        "drain a member (clusterXL_admin down): weight 0 for new flows, backups take its connections", 1, 1,
        "SITE/MEMBER"},
       [](Daemon& d, const Args& a) { return d.member_admin(a, false); }},
      {{"member up", "ID", "end a drain: the member takes new connections again", 1, 1, "SITE/MEMBER"},
       [](Daemon& d, const Args& a) { return d.member_admin(a, true); }},
      {{"member weight", "ID W", "set a member's weight 0..512 until the next reload changes it", 2, 2,
        "SITE/MEMBER WEIGHT"},
       [](Daemon& d, const Args& a) { return d.member_weight(a); }},
      {{"site offline", "ID",
        "site drill: its members stop serving, the other site becomes ActiveSite, remote backups take over", 1, 1, ""},
       [](Daemon& d, const Args& a) { return d.site_online(a, false); }},
      {{"site online", "ID", "bring a site back (end a drill)", 1, 1, ""},
       [](Daemon& d, const Args& a) { return d.site_online(a, true); }},
      {{"show sync", "[json]",
        "the device's HyperSync feed, encoder and decoder: settings, records, drops, frames, rejects by reason; the "
        "members' sync per peer: whole, lag, frames, records, rejects",
        0, 1, ""},
       [](Daemon& d, const Args& a) { return d.show_sync(a); }},
      {{"stats", "", "device counters and daemon counters", 0, 0, ""},
       [](Daemon& d, const Args&) -> Expected<std::string> { return d.stats_text(); }},
      {{"reload", "", "read the configuration file again (as SIGHUP)", 0, 0, ""},
       [](Daemon& d, const Args& a) { return d.reload_command(a); }},
      {{"device read", "ADDR", "read one device register (byte address, e.g. 0x41020)", 1, 1, ""},
       [](Daemon& d, const Args& a) { return d.device_read(a); }},
      {{"device write", "ADDR VALUE",
        "write one device register behind the Controller's back (diagnostics; verification reports what it changed)", 2,
        2, ""},
       [](Daemon& d, const Args& a) { return d.device_write(a); }},
      {{"traffic", "FRAMES [FLOWS [SEED]]", "send generated frames through the device (drills, tests)", 1, 3, ""},
       [](Daemon& d, const Args& a) { return d.traffic(a); }},
  };
  for (const DaemonCommand& c : kCommands)
    commands_.add(c.spec, [this, run = c.run](const Args& a) { return run(*this, a); });
}

int run_conductord(int argc, char** argv) {
  auto o = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!o) return cli::report(o.error(), "conductord");
  Daemon d(*o);
  if (int rc = d.init(); rc != kExitOk || o->check) return rc;
  return d.run();
}

}  // namespace conductor::daemon
