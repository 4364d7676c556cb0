// sync_config.hpp.
#include "host/sync/sync_config.hpp"

#include <utility>

namespace conductor::sync {

SenderConfig make_sender_config(const config::Sync& sync, uint16_t cluster_id, uint8_t self, uint8_t destination,
                                uint32_t epoch, std::vector<PortDelay> port_delays) {
  SenderConfig c;
  c.cluster_id = cluster_id;
  c.self = self;
  c.destination = destination;
  c.epoch = epoch;
  c.key = sync.key;
  c.mtu = sync.mtu;
  c.flush = std::chrono::duration_cast<Duration>(sync.flush);
  c.delay = std::chrono::duration_cast<Duration>(sync.delay);
  c.port_delays = std::move(port_delays);
  c.window = sync.window;
  c.rate_bps = sync.rate;
  return c;
}

SessionConfig make_session_config(const config::Sync& sync, uint16_t cluster_id, uint8_t self, uint8_t peer,
                                  uint32_t epoch) {
  SessionConfig c;
  c.cluster_id = cluster_id;
  c.self = self;
  c.peer = peer;
  c.epoch = epoch;
  c.key = sync.key;
  return c;
}

}  // namespace conductor::sync
