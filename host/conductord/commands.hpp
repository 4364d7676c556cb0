// conductorctl commands. A command is a sequence of words ("member down 0/1"); the registry finds
// the longest registered prefix ("member down") and hands the handler the remaining words.
//
//   commands.add("member down", "member down ID: drain a member (weight 0, backups take over)",
//                [&](const std::vector<std::string>& args) -> Expected<std::string> { ... });
//   Expected<std::string> out = commands.run({"member", "down", "0/1"});
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/common/status.hpp"

namespace conductor::daemon {

class CommandRegistry {
 public:
  using Handler = std::function<Expected<std::string>(const std::vector<std::string>& args)>;

  // `prefix` is the command's fixed words, separated by single spaces; `help` one line of usage
  // ("member down ID: ..."). A later add() of the same prefix replaces the earlier one.
  void add(std::string prefix, std::string help, Handler h);

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
