// conductord: the daemon as a class, so that tests can run it in-process as well as a binary.
//
//   conductord --config FILE [--name ORCH] [--device sim|soft] [--foreground] [--check]
//
// Exit codes: 0 clean stop (SIGTERM/SIGINT) or --check passed; 1 a run-time failure (the device
// refused, a socket could not be bound); 2 usage or configuration errors (every problem as
// FILE:LINE: reason on stderr).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/cluster/sync_health.hpp"
#include "host/conductord/commands.hpp"
#include "host/conductord/service.hpp"
#include "host/config/cluster_config.hpp"
#include "host/control/controller.hpp"
#include "host/control/event_loop.hpp"
#include "host/control/log.hpp"
#include "host/control/metrics.hpp"
#include "host/device/device.hpp"

namespace conductor::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Options {
  std::string config_path;
  std::string name;                            // --name: this daemon's [orchestrator NAME]
  std::optional<config::DeviceType> device{};  // --device overrides [device] type
  bool foreground = false;                     // accepted; conductord never detaches
  bool check = false;                          // --check: validate the configuration and exit
};

// Usage errors name the argument. --help and --version are kNotFound with the text to print
// (host/common/cli.hpp).
Expected<Options> parse_options(const std::vector<std::string>& args);

// Checks that need the system or go beyond the file format: --name names an orchestrator,
// socket-group exists, one security group per device. Messages are FILE:LINE: reason.
std::vector<std::string> check_for_daemon(const config::ClusterConfig& c, const std::string& path,
                                          const std::string& text, const Options& o);

class Daemon {
 public:
  explicit Daemon(Options o);
  ~Daemon();

  // Loads the configuration, opens the device, programs it, binds the sockets, starts the
  // services. Returns an exit code (kExitOk: ready to run()).
  int init();
  // The event loop until SIGTERM/SIGINT (or stop()); then stops the services and removes the
  // socket. Returns the exit code.
  int run();
  void stop() { loop_.stop(); }

  // SIGHUP: reload the file and apply the difference. Exposed for tests and the `reload` command.
  Status reload();

  control::Controller& controller() { return *controller_; }
  const config::ClusterConfig& config() const { return config_; }
  control::EventLoop& loop() { return loop_; }

 private:
  Status open_control_socket();
  Status open_metrics_socket();
  Status open_signals();
  void on_signal(control::Clock::time_point now);
  void on_control_accept(control::Clock::time_point now);
  void on_control_readable(int fd, control::Clock::time_point now);
  void on_metrics_accept(control::Clock::time_point now);
  void on_metrics_readable(int fd, control::Clock::time_point now);
  // Client I/O never blocks the loop: a client's answer goes to its output buffer, which is written
  // when the socket takes more (POLLOUT); see "Client I/O" in docs/conductord.md.
  void add_client(int fd, bool http, std::string name, control::Clock::time_point now);
  void on_client_ready(int fd, control::Clock::time_point now);
  void respond(int fd, std::string bytes, control::Clock::time_point now);  // then close once sent
  void flush_client(int fd, control::Clock::time_point now);
  void on_client_deadline(int fd, control::Clock::time_point now);
  void drop_client(int fd, std::string_view reason);  // logs one line naming the client
  void close_client(int fd);
  // The control-socket commands: register_commands() adds the table in daemon.cpp, which checks the
  // argument count before a handler runs.
  using Args = std::vector<std::string>;
  void register_commands();
  Expected<std::string> show_distribution(const Args& args);
  Expected<std::string> verify_distribution(const Args& args);
  Expected<std::string> show_members(const Args& args);
  Expected<std::string> show_sites(const Args& args);
  Expected<std::string> member_admin(const Args& args, bool up);
  Expected<std::string> member_weight(const Args& args);
  Expected<std::string> site_online(const Args& args, bool online);
  std::string stats_text();
  Expected<std::string> show_sync(const Args& args);
  Expected<std::string> reload_command(const Args& args);
  Expected<std::string> device_read(const Args& args);
  Expected<std::string> device_write(const Args& args);
  Expected<std::string> traffic(const Args& args);

  Options opts_;
  config::ClusterConfig config_{};
  std::string config_text_;
  control::Logger log_;
  control::Metrics metrics_;
  control::EventLoop loop_;
  CommandRegistry commands_;
  std::unique_ptr<device::Device> device_;
  std::unique_ptr<control::Controller> controller_;
  std::unique_ptr<DaemonContext> ctx_;
  std::vector<std::unique_ptr<Service>> services_;
  cluster::SyncHealth sync_health_;  // the members' sync reports (the cluster service feeds it)

  int signal_fd_ = -1;
  int control_fd_ = -1;
  int metrics_fd_ = -1;
  std::string socket_path_;  // bound path, removed at exit
  struct Client {
    bool http = false;
    std::string name;  // for logs: "control pid 12 uid 0", "metrics 127.0.0.1:40312"
    std::string in;    // the request so far
    std::string out;   // the answer; out_sent bytes of it are written
    size_t out_sent = 0;
    bool answered = false;                // out holds the whole answer: no more reading
    control::Clock::time_point progress;  // accepted, or the last write that sent a byte
    uint64_t timer = 0;
  };
  std::map<int, Client> clients_;
  uint32_t sync_epoch_ = 0;    // sync_encoder EPOCH: the start time (a restarted daemon's is greater)
  uint32_t traffic_time_ = 0;  // timestamp ticks of frames the traffic command sends
  int exit_code_ = kExitOk;
};

int run_conductord(int argc, char** argv);

}  // namespace conductor::daemon
