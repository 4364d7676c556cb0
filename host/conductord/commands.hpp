// conductorctl commands. A command is a sequence of words ("member down 0/1"); the registry finds
// the longest registered prefix ("member down") and hands the handler the remaining words. Every
// command is registered the same way, the daemon's own and the services' alike: a CommandSpec says
// its words, its arguments and how many it takes, and the registry formats its help line and its
// usage error from it and checks the argument count before the handler runs.
//
//   commands.add({.name = "member down", .args = "ID", .help = "drain a member", .min_args = 1, .max_args = 1},
//                [&](const std::vector<std::string>& args) -> Expected<std::string> { ... });
//   Expected<std::string> out = commands.run({"member", "down", "0/1"});
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/status.hpp"

namespace conductor::daemon {

inline constexpr size_t kAnyArgs = SIZE_MAX;  // CommandSpec::max_args: no upper bound

struct CommandSpec {
  std::string name;                   // the command's fixed words, separated by single spaces
  std::string args;                   // the words after them as the help line shows them ("" for none)
  std::string help;                   // what it does
  size_t min_args = 0, max_args = 0;  // how many words may follow the name
  std::string usage_args;             // the arguments as the usage error shows them, when not `args`
};

class CommandRegistry {
 public:
  using Handler = std::function<Expected<std::string>(const std::vector<std::string>& args)>;

  // Registers `spec`: help() lists it as "NAME ARGS: HELP"; a call with fewer than min_args or more
  // than max_args words after the name fails with "usage: NAME ARGS" (usage_args if given) and the
  // handler does not run. A later add() of the same name replaces the earlier one.
  void add(const CommandSpec& spec, Handler h);

  // Runs the command with the longest matching prefix. Unknown commands are kNotFound errors that
  // name the closest commands.
  Expected<std::string> run(const std::vector<std::string>& words) const;

  std::string help() const;  // one line per command, in prefix order
  size_t size() const { return commands_.size(); }

 private:
  struct Entry {
    std::vector<std::string> words;
    std::string help;
    Handler handler;
  };
  std::map<std::string, Entry> commands_;
};

}  // namespace conductor::daemon
