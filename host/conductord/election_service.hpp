// The orchestrator election as a conductord service (docs/election.md).
//
// With `--name NAME` the daemon is [orchestrator NAME]; the service runs that orchestrator's VRRPv3
// router (host/election VrrpEndpoint) for its site:
//   [site N]          vrid, advert-interval, preempt, accept-mode, virtual-addresses
//   [orchestrator N]  address (the router's primary address), priority, interface (empty: the
//                     interface that holds `address`)
// Becoming Master adds the virtual addresses to the interface and sends gratuitous ARP; becoming
// Backup removes them. The data plane stays programmed on both orchestrators (warm standby), so a
// transition changes nothing else.
//
// Logs (component "election"): start, become-master / become-backup / become-initialize with the
// reason and the Master last heard, master-changed, io-error (rate-limited), stop, reconfigure.
// Metrics: conductord_election_state{vrid} (0 Initialize, 1 Backup, 2 Master), ..._adverts_sent_total,
// ..._adverts_received_total, ..._transitions_total{to}, ..._dropped_total{reason}, ..._io_errors_total.
// Command: `show election`. stop(): a Master sends priority 0 so that the Backup takes over after
// Skew_Time instead of Master_Down_Interval.
//
// Without --name the service does nothing (logged once). A configuration whose orchestrator or site
// is missing, or whose interface or sockets cannot be used, fails start() with the reason.
#pragma once

#include <memory>

#include "host/conductord/service.hpp"

namespace conductor::daemon {

std::unique_ptr<Service> make_election_service();

}  // namespace conductor::daemon
