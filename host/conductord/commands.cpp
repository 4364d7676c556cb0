#include "host/conductord/commands.hpp"

#include <sstream>

namespace conductor::daemon {

void CommandRegistry::add(const CommandSpec& spec, Handler h) {
  Entry e;
  std::istringstream in(spec.name);
  for (std::string w; in >> w;) e.words.push_back(w);
  e.help = spec.name + (spec.args.empty() ? "" : " " + spec.args) + ": " + spec.help;
  const std::string& usage_args = spec.usage_args.empty() ? spec.args : spec.usage_args;
  const std::string usage = "usage: " + spec.name + (usage_args.empty() ? "" : " " + usage_args);
  e.handler = [min = spec.min_args, max = spec.max_args, usage,
               h = std::move(h)](const std::vector<std::string>& a) -> Expected<std::string> {
    if (a.size() < min || a.size() > max) return make_error(Errc::kInvalidArgument, usage);
    return h(a);
  };
  commands_[spec.name] = std::move(e);
}

Expected<std::string> CommandRegistry::run(const std::vector<std::string>& words) const {
  const Entry* best = nullptr;
  for (const auto& [prefix, e] : commands_) {
    if (e.words.size() > words.size()) continue;
    bool match = true;
    for (size_t i = 0; i < e.words.size() && match; ++i) match = e.words[i] == words[i];
    if (match && (!best || e.words.size() > best->words.size())) best = &e;
  }
  if (!best) {
    std::string first = words.empty() ? "" : words[0];
    std::string near;
    for (const auto& [prefix, e] : commands_)
      if (!e.words.empty() && e.words[0] == first) near += (near.empty() ? "" : ", ") + prefix;
    std::string shown;
    for (const std::string& w : words) shown += (shown.empty() ? "" : " ") + w;
    return make_error(Errc::kNotFound, "unknown command '" + shown + "'" +
                                           (near.empty() ? " (try: help)" : " (commands starting so: " + near + ")"));
  }
  std::vector<std::string> args(words.begin() + static_cast<long>(best->words.size()), words.end());
  return best->handler(args);
}

std::string CommandRegistry::help() const {
  std::string out;
  for (const auto& [prefix, e] : commands_) out += e.help + "\n";
  return out;
}

}  // namespace conductor::daemon
