// The member agent: `conductor member --config FILE --id S/M [...]` (also built as the stand-alone
// binary `conductor-member`). It sends a heartbeat with its load (host/cluster/heartbeat_wire.hpp)
// every [timers] heartbeat-interval to every orchestrator of the cluster at the heartbeat port,
// from the member's configured address, and exits cleanly on SIGTERM/SIGINT after a last report with
// the LEAVING flag (so the orchestrators mark it down at once instead of after the timeout).
//
// Load comes from the command line (--cpu, --connections, --throughput) and can be changed while it
// runs: on SIGUSR1 it reads --load-file (`cpu=85.5 connections=1200 throughput=10Gbps`, any of the
// three, whitespace separated); a bad file is reported and the previous load is kept.
//
// With a [sync] key it also runs HyperSync with its peers (member_sync.hpp) and sets the heartbeat's
// SYNCED flag while every peer's session is whole.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "host/cluster/heartbeat_wire.hpp"
#include "host/common/status.hpp"
#include "host/sync/impairment.hpp"

namespace CLI {
class App;
}

namespace conductor::member {

struct MemberOptions {
  std::string config_path;
  MemberId id{};
  cluster::Load load{};
  std::string load_file;                              // read at start (if given) and on SIGUSR1
  std::optional<uint16_t> heartbeat_port;             // overrides the configuration
  std::optional<std::string> bind_address;            // overrides the member's configured address
  uint64_t count = 0;                                 // stop after this many heartbeats (0: run until a signal)
  bool verbose = false;                               // one line per heartbeat on stderr
  std::optional<sync::ImpairmentConfig> sync_impair;  // test/diagnostic: impair every sync datagram sent
};

// Adds the agent's flags to app (`conductor member`'s CLI11 App), each parsed into o.
void add_member_options(CLI::App& app, MemberOptions& o);

// args after "member". --help comes back as Errc::kNotFound carrying the help text
// (host/common/cli.hpp).
Expected<MemberOptions> parse_member_options(const std::vector<std::string>& args,
                                             const std::string& program = "conductor member");

// `key=value ...` as in --load-file; keys cpu (percent, fractional allowed), connections, throughput
// (a rate: 10Gbps, 400Mbps, or bits/s). Keys not given keep their value in `base`.
Expected<cluster::Load> parse_load_text(std::string_view text, cluster::Load base);

// Runs the agent until SIGTERM/SIGINT (or --count). Returns the process exit code.
int run_member(const MemberOptions& options, std::FILE* err);

// argv after "member" (or after conductor-member's name): parse, --help, run.
int member_main(const std::vector<std::string>& args, const std::string& program = "conductor member");

}  // namespace conductor::member
