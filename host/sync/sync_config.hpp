// The cluster file's [sync] section (host/config, docs/conductord.conf.md) as Sender and Session
// configurations (docs/hypersync.md §12): key, delay, flush and MTU come from the file; who talks to
// whom, the epoch and the per-service delay table from the caller (the daemon knows the members).
#pragma once

#include <cstdint>
#include <vector>

#include "host/config/cluster_config.hpp"
#include "host/sync/sender.hpp"
#include "host/sync/session.hpp"

namespace conductor::sync {

SenderConfig make_sender_config(const config::Sync& sync, uint16_t cluster_id, uint8_t self, uint8_t destination,
                                uint32_t epoch, std::vector<PortDelay> port_delays = {});
SessionConfig make_session_config(const config::Sync& sync, uint16_t cluster_id, uint8_t self, uint8_t peer,
                                  uint32_t epoch);

}  // namespace conductor::sync
