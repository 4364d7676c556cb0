// conductor: the offline tool. `conductor sim ...` runs traffic through the pipeline; `conductor
// member ...` is the member agent (also built alone as conductor-member).
#include <cstdio>
#include <string>
#include <vector>

#include "host/common/cli.hpp"
#include "host/conductor/sim_options.hpp"
#include "host/conductor/sim_run.hpp"
#include "host/member/member_agent.hpp"

int main(int argc, char** argv) {
  using namespace conductor;
  CLI::App app{"Conductor's offline tool.", "conductor"};
  cli::setup(app);
  app.require_subcommand(1);
  SimOptions sim = default_sim_options();
  CLI::App* sim_cmd = app.add_subcommand("sim", "run frames through the Conductor pipeline (conductor sim --help)");
  add_sim_options(*sim_cmd, sim);
  member::MemberOptions mem;
  CLI::App* member_cmd = app.add_subcommand(
      "member", "send this member's heartbeats and load to the orchestrators (conductor member --help)");
  add_member_options(*member_cmd, mem);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(app.help().c_str(), stderr);
    return cli::kExitUsage;
  }
  if (args[0] == "help") args[0] = "--help";
  const bool is_command = args[0] == sim_cmd->get_name() || args[0] == member_cmd->get_name();
  if (!is_command && args[0].rfind('-', 0) != 0) {
    std::fprintf(stderr, "conductor: unknown command '%s' (commands: sim, member; conductor --help)\n",
                 args[0].c_str());
    return cli::kExitUsage;
  }
  if (Status s = cli::parse(app, args); !s) return cli::report(s, is_command ? "conductor " + args[0] : "conductor");
  if (sim_cmd->parsed()) return run_sim(sim, stdout, stderr);
  return member::run_member(mem, stderr);
}
