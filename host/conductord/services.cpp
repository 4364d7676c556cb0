// The services conductord runs, in start order (SHARED: one line per service).
#include "host/conductord/cluster_service.hpp"
#include "host/conductord/election_service.hpp"
#include "host/conductord/service.hpp"

namespace conductor::daemon {

std::vector<std::unique_ptr<Service>> make_services() {
  std::vector<std::unique_ptr<Service>> s;
  s.push_back(make_election_service());
  s.push_back(make_cluster_service());
  return s;
}

}  // namespace conductor::daemon
