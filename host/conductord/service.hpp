// A pluggable part of the daemon (VRRP election, cluster membership, ...). The daemon starts every
// service after the Controller has programmed the device, calls reload() after each SIGHUP that
// was applied (ctx.config is then the new running configuration) and stop() on SIGTERM/SIGINT
// before it exits. Services register fds and timers on ctx.loop and commands on ctx.commands.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/cluster/sync_health.hpp"
#include "host/common/status.hpp"
#include "host/conductord/commands.hpp"
#include "host/config/cluster_config.hpp"
#include "host/control/controller.hpp"
#include "host/control/event_loop.hpp"
#include "host/control/log.hpp"
#include "host/control/metrics.hpp"

namespace conductor::daemon {

struct DaemonContext {
  control::EventLoop& loop;
  control::Logger& log;
  control::Metrics& metrics;
  CommandRegistry& commands;
  control::Controller& controller;
  const config::ClusterConfig& config;  // current (replaced in place on SIGHUP reload)
  std::string self_name;                // --name: this daemon's [orchestrator NAME] ("" if not given)
  // The members' sync reports (the cluster service feeds it; `show sync` and verification read it).
  cluster::SyncHealth* sync_health = nullptr;
};

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string_view name() const = 0;
  virtual Status start(DaemonContext& ctx) = 0;
  virtual void reload(DaemonContext& ctx, const config::ClusterConfig& old_config) {
    (void)ctx;
    (void)old_config;
  }
  virtual void stop(control::Clock::time_point now) { (void)now; }  // clean shutdown (e.g. VRRP priority 0)
};

// services.cpp: every service the daemon runs, in start order.
std::vector<std::unique_ptr<Service>> make_services();

}  // namespace conductor::daemon
