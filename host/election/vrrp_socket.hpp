// VRRPv3 over real sockets: the I/O half of the election (the sans-I/O half is vrrp_fsm.hpp).
//
// VrrpEndpoint runs one VrrpRouter on one network interface and carries out its actions:
//
//   receive   socket(AF_INET, SOCK_RAW, 112), SO_BINDTODEVICE the interface, IP_ADD_MEMBERSHIP
//             224.0.0.18 on it. A raw IPv4 socket returns the IP header too; the router's on_packet
//             runs the codec's §7.1 checks on it (TTL 255, protocol 112, destination, checksum...).
//   send      the same socket: IP_MULTICAST_IF (ifindex + the primary address, which the kernel then
//             uses as the source, so the pseudo-header checksum matches), IP_MULTICAST_TTL 255,
//             IP_MULTICAST_LOOP 0, IP_TOS 0xC0 (network control, as RFC 5798 routers send).
//   addresses on kBecomeMaster the virtual addresses are added to the interface (rtnetlink
//             RTM_NEWADDR, /32, NLM_F_REPLACE so that it is idempotent); on kBecomeBackup and
//             kBecomeInitialize they are removed (RTM_DELADDR; "not there" is not an error). Both
//             wait for the kernel's acknowledgement.
//   announce  kAnnounce sends one gratuitous ARP request per virtual address (sender = target = the
//             address, from the interface's MAC to the broadcast address; RFC 5798 §6.4.1 / §6.4.2)
//             on an AF_PACKET socket.
//
// On a loopback interface (orchestrators of a test on one host) multicast loops back so that the
// peers hear each other, and the endpoint neither manages addresses nor announces them.
//
// Only IPv4 is carried over sockets here (the codec and the state machine also speak IPv6; an IPv6
// endpoint would need ff02::12 with IPV6_RECVHOPLIMIT / IPV6_RECVPKTINFO and unsolicited NAs).
// The virtual MAC (00-00-5E-00-01-{VRID}, §7.3) is not used: the Master answers with the
// interface's own MAC, as keepalived does unless told `use_vmac`.
//
// Poll-friendly and single-threaded: the owner waits on fd() (readable) and next_deadline(), then
// calls on_readable(now) / on_deadline(now). Each call returns what happened (the actions carried
// out and any I/O errors) so the owner can log and count; the endpoint never logs by itself.
// Needs CAP_NET_RAW (sockets) and CAP_NET_ADMIN (addresses).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/common/status.hpp"
#include "host/election/vrrp_codec.hpp"
#include "host/election/vrrp_fsm.hpp"

namespace conductor::election {

struct EndpointConfig {
  std::string interface {};                                  // e.g. "eth0"; must carry vrrp.primary_address
  VrrpConfig vrrp{};                                         // family must be kIpv4
  Ipv4Checksum ipv4_checksum = Ipv4Checksum::kPseudoHeader;  // what keepalived 2.2 sends and expects
  RxOptions rx{};                                            // what to accept (either checksum form by default)
  bool manage_addresses = true;                              // add/remove the virtual addresses on the interface
  bool announce = true;                                      // gratuitous ARP on becoming Master
  uint8_t address_prefix_len = 32;                           // prefix of the added virtual addresses
};

// I/O counters (the protocol counters are the router's VrrpStats).
struct EndpointStats {
  uint64_t datagrams_received = 0;
  uint64_t datagrams_sent = 0;
  uint64_t send_errors = 0;
  uint64_t receive_errors = 0;
  uint64_t other_vrid = 0;  // a well-formed VRRP datagram for another virtual router
  uint64_t addresses_added = 0;
  uint64_t addresses_removed = 0;
  uint64_t address_errors = 0;
  uint64_t garps_sent = 0;
  uint64_t garp_errors = 0;
};

// What one call did: the router's actions (carried out, in order) and the I/O errors met doing it.
struct Step {
  Actions actions;
  std::vector<Error> errors;
};

class VrrpEndpoint {
 public:
  // Validates the config, resolves the interface (index, MAC), checks that the primary address is
  // one of its addresses (on a loopback interface: any 127/8 address), opens the sockets. The router starts in Initialize: call start().
  static Expected<VrrpEndpoint> open(EndpointConfig config);

  VrrpEndpoint(VrrpEndpoint&&) noexcept;
  VrrpEndpoint& operator=(VrrpEndpoint&&) noexcept;
  VrrpEndpoint(const VrrpEndpoint&) = delete;
  VrrpEndpoint& operator=(const VrrpEndpoint&) = delete;
  ~VrrpEndpoint();  // closes the sockets; does NOT send priority 0 (call shutdown first)

  // Startup event: removes stale virtual addresses (a crashed predecessor may have left them), then
  // the router's Startup (Backup, or Master for the owner).
  Step start(TimePoint now);
  // Shutdown event: a Master sends priority 0 and removes its addresses.
  Step shutdown(TimePoint now);

  int fd() const { return fd_; }  // wait for POLLIN
  // Reads every datagram waiting (non-blocking) and hands each to the router.
  Step on_readable(TimePoint now);
  std::optional<TimePoint> next_deadline() const { return router_.next_deadline(); }
  Step on_deadline(TimePoint now);

  const VrrpRouter& router() const { return router_; }
  const EndpointConfig& config() const { return config_; }
  const EndpointStats& stats() const { return stats_; }
  int ifindex() const { return ifindex_; }
  // A loopback interface: peers on one host (tests). Multicast loops back, addresses are not
  // managed and nothing is announced (config() shows manage_addresses and announce off).
  bool loopback() const { return loopback_; }

 private:
  VrrpEndpoint(EndpointConfig config, VrrpRouter router);
  void carry_out(const Actions& actions, Step& step);
  Status send_advert(const Advert& advert);
  Status set_addresses(bool present);
  Status announce();
  void close_all();

  EndpointConfig config_;
  VrrpRouter router_;
  EndpointStats stats_;
  int fd_ = -1;          // raw IPv4, protocol 112
  int netlink_fd_ = -1;  // NETLINK_ROUTE, for RTM_NEWADDR / RTM_DELADDR
  int packet_fd_ = -1;   // AF_PACKET, for gratuitous ARP
  int ifindex_ = 0;
  std::array<uint8_t, 6> mac_{};
  uint32_t netlink_seq_ = 0;
  bool loopback_ = false;
};

// The addresses of interface `ifname` (getifaddrs), in the codec's form. For tests and the daemon's
// configuration checks.
// An interface that does not exist has none.
Expected<std::vector<IpAddress>> interface_addresses(const std::string& ifname);
// The interface that holds `address` (kNotFound when none does): the VRRP interface when the
// configuration names only the orchestrator's address. An unassigned 127/8 address is the loopback
// interface's (all of 127/8 is local there).
Expected<std::string> interface_holding(const IpAddress& address);

}  // namespace conductor::election
