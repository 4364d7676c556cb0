// The command line every seed-corpus generator shares (gen_parser_corpus, gen_sync_corpus,
// gen_sync_session_corpus, gen_vrrp_corpus, gen_heartbeat_corpus), on host/common/cli.hpp:
//   NAME DIR          write the files into DIR
//   NAME --check DIR  write nothing; exit 1 if a file in DIR is missing or differs (CTest runs this)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/common/cli.hpp"

namespace conductor::test {

struct CorpusArgs {
  bool check = false;
  std::string dir;
};

// Fills `args` from argv and returns nullopt; or, when the program is done (--help: the help on
// stdout; a bad argument: the error on stderr), returns its exit code (0, cli::kExitUsage).
inline std::optional<int> parse_corpus_args(int argc, char** argv, const std::string& name, const std::string& about,
                                            CorpusArgs& args) {
  CLI::App app{about, name};
  cli::setup(app);
  app.add_flag("--check", args.check, "write nothing: exit 1 if a file in DIR is missing or differs");
  app.add_option("DIR", args.dir, "the corpus folder")->required()->type_name("");
  if (Status s = cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s) return cli::report(s, name);
  return std::nullopt;
}

}  // namespace conductor::test
