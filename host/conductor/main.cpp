// conductor: the offline tool. `conductor sim ...` runs traffic through the pipeline.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "host/conductor/sim_options.hpp"
#include "host/conductor/sim_run.hpp"
#include "host/member/member_agent.hpp"

namespace {

const char* const kUsage = R"(usage: conductor <command> [flags]
commands:
  sim     run frames through the Conductor pipeline (conductor sim --help)
  member  send this member's heartbeats and load to the orchestrators (conductor member --help)
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "member") return conductor::member::member_main(args);
  if (cmd == "sim") {
    for (const auto& a : args) {
      if (a == "--help" || a == "-h") {
        std::fputs(conductor::kSimUsage, stdout);
        return 0;
      }
    }
    auto opts = conductor::parse_sim_options(args);
    if (!opts) {
      std::fprintf(stderr, "conductor sim: %s\n", opts.error().message.c_str());
      return 2;
    }
    return conductor::run_sim(*opts, stdout, stderr);
  }
  std::fprintf(stderr, "conductor: unknown command '%s'\n%s", cmd.c_str(), kUsage);
  return 2;
}
