// Each section's keys as written in the file, with whether a change to the key applies live
// (internal: to_text() and diff() both read these tables, so they cannot disagree).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/config/cluster_config.hpp"
#include "host/config/diff.hpp"

namespace conductor::config {

struct Field {
  std::string_view key;
  std::optional<std::string> value;  // nullopt: not set (to_text() leaves the line out)
  Apply apply = Apply::kLive;
  bool secret = false;  // diff() does not print the values
};

std::vector<Field> fields(const ClusterSettings& c);
std::vector<Field> fields(const Site& s);
std::vector<Field> fields(const Orchestrator& o);
std::vector<Field> fields(const Member& m);
std::vector<Field> fields(const SecurityGroup& g);
std::vector<Field> fields(const Autoscale& a);
std::vector<Field> fields(const Timers& t);
std::vector<Field> fields(const Sync& s);
std::vector<Field> fields(const Control& c);
std::vector<Field> fields(const Device& d);
std::vector<Field> fields(const Hash& h);

// Section headers as in the file.
std::string header(const Site& s);
std::string header(const Orchestrator& o);
std::string header(const Member& m);
std::string header(const SecurityGroup& g);
std::string header(const Autoscale& a);

}  // namespace conductor::config
