// A non-blocking UDP socket driving one HyperSync endpoint (a Sender or a Session: SyncEndpoint) with
// the real clock (docs/hypersync.md §12.5). Poll-friendly, so the daemon's event loop (or a test) owns
// the waiting:
//
//   auto t = UdpTransport::open({.bind = "127.0.0.1", .port = 0});   // port 0: ephemeral
//   t->set_peer("127.0.0.1", peer_port);
//   poll({t->fd(), POLLIN}, timeout until t->next_deadline());
//   if readable: t->on_readable(now);   every datagram -> endpoint.on_frame, replies sent
//   if now >= t->next_deadline(): t->on_deadline(now);
//
// The endpoint's output goes to the peer address. Until set_peer() is called, the peer is learnt from
// the source address of the first datagram the endpoint accepts (so a backup can answer a primary
// whose ephemeral port it was never told). A send that the socket refuses (EAGAIN, ENOBUFS,
// ECONNREFUSED) is counted and dropped: the protocol repairs losses. Loopback or namespace addresses
// only in tests; IPv4 and IPv6 literals.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "host/common/status.hpp"
#include "host/sync/sync_types.hpp"

namespace conductor::sync {

struct UdpOptions {
  std::string bind = "127.0.0.1";  // local address literal
  uint16_t port = 0;               // 0: ephemeral (read it back with local_port())
  double drop_tx = 0;              // test hook: drop this fraction of outgoing datagrams (seeded)
  uint64_t drop_seed = 1;
};

struct UdpStats {
  uint64_t rx_datagrams = 0, rx_bytes = 0, tx_datagrams = 0, tx_bytes = 0;
  uint64_t tx_errors = 0, tx_dropped_by_hook = 0, rx_errors = 0, tx_without_peer = 0;
};

class UdpTransport {
 public:
  // Binds a non-blocking UDP socket; an error names the address and the OS reason.
  static Expected<std::unique_ptr<UdpTransport>> open(const UdpOptions& options, SyncEndpoint& endpoint);
  ~UdpTransport();
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  Status set_peer(const std::string& address, uint16_t port);
  int fd() const { return fd_; }
  uint16_t local_port() const;
  bool has_peer() const { return peer_len_ != 0; }

  void on_readable(TimePoint now);  // reads until the socket is empty
  TimePoint next_deadline() const { return endpoint_.next_deadline(); }
  void on_deadline(TimePoint now);
  void flush();  // sends what the endpoint queued (after events fed to it directly)
  const UdpStats& stats() const { return stats_; }

 private:
  UdpTransport(int fd, SyncEndpoint& endpoint, const UdpOptions& options);
  int fd_ = -1;
  SyncEndpoint& endpoint_;
  sockaddr_storage peer_{};
  socklen_t peer_len_ = 0;
  double drop_tx_ = 0;
  std::mt19937_64 rng_;
  UdpStats stats_;
  std::vector<uint8_t> rx_buf_ = std::vector<uint8_t>(65536);
};

// Socket buffers for a sync socket that several peers' windows reach ([sync] window frames each):
// `bytes` each way, with SO_RCVBUFFORCE/SO_SNDBUFFORCE as root (beyond net.core.[rw]mem_max), else as
// far as the limits allow. Returns what the kernel granted (receive, send), as getsockopt reports it.
inline constexpr int kSyncSocketBuffer = 16 << 20;
std::pair<int, int> grow_socket_buffers(int fd, int bytes = kSyncSocketBuffer);

// Parses an IPv4 or IPv6 literal and port into a socket address.
Expected<std::pair<sockaddr_storage, socklen_t>> udp_address(const std::string& address, uint16_t port);

}  // namespace conductor::sync
