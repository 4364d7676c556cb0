// Cluster membership as a conductord service (docs/cluster.md): listens for member heartbeats on
// this orchestrator's address at [timers] heartbeat-port, runs ClusterCore (member liveness, site
// state, auto-scaling; host/cluster) on the daemon's clock, and carries out its actions through the
// Controller: member health, site online/offline, weights, group membership. Every decision is
// logged with its reason (component "cluster"), counted in metrics, and shown by
// `conductorctl show liveness` and `conductorctl show autoscale`.
#pragma once

#include <memory>

#include "host/cluster/cluster_core.hpp"
#include "host/conductord/service.hpp"

namespace conductor::daemon {

std::unique_ptr<Service> make_cluster_service();

// What the service does with one ClusterCore action on the data plane: member health, site online,
// weight, group add/remove through the Controller. kActiveSite (the Controller derives ActiveSite
// from the sites and members) and kStartFullSync (no HyperSync transport in conductord yet) need no
// Controller call. Exposed so in-process tests drive a Controller exactly as the service does.
Status apply_cluster_action(control::Controller& controller, const cluster::CoreAction& action);

}  // namespace conductor::daemon
