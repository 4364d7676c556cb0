// Bytes on the wire per connection-state change for conntrackd FTFW and OpenBSD pfsync, computed from
// their published message formats, and the same arithmetic for HyperSync (docs/hypersync.md §9, where
// every number is derived and sourced). Used by bench_sync (counters) and sync_tests (the table).
#pragma once

#include <cstddef>

#include "common/hypersync_wire.hpp"

namespace conductor::sync::peer {

// ---- conntrackd FTFW (conntrack-tools include/network.h, src/build.c; protocol version 1) ---------
inline constexpr size_t kFtfwNethdr = 8;  // struct nethdr: version/type, flags, len, seq
constexpr size_t nta(size_t payload) {    // struct netattr (4) + payload, NTA_ALIGN(4)
  return (4 + payload + 3) & ~size_t{3};
}
// ct2msg() for a TCP conntrack without mark, NAT, helper or window tracking, timeout included:
// NTA_IPV4|NTA_IPV6, NTA_STATUS, NTA_L4PROTO, NTA_PORT, NTA_TCP_STATE, NTA_TIMEOUT. Same for NEW, UPD, DEL.
constexpr size_t ftfw_tcp_message(bool ipv6) {
  return kFtfwNethdr + nta(ipv6 ? 32 : 8) + nta(4) + nta(1) + nta(4) + nta(1) + nta(4);
}
static_assert(ftfw_tcp_message(false) == 60 && ftfw_tcp_message(true) == 84, "docs/hypersync.md §9");

// ---- OpenBSD pfsync (sys/net/if_pfsync.h 1.65, PFSYNC_VERSION 6; struct pfsync_state in pfvar.h) ---
inline constexpr size_t kPfsyncHeader = 20;     // struct pfsync_header: version, pad, len, pfcksum[16]
inline constexpr size_t kPfsyncSubheader = 4;   // struct pfsync_subheader: action, len, count
inline constexpr size_t kPfsyncStatePeer = 32;  // struct pfsync_state_peer
inline constexpr size_t kPfsyncStateKey = 40;  // struct pfsync_state_key: addr[2] 32, port[2] 4, rdomain 2, af 1, pad 1
inline constexpr size_t kPfsyncState =
    8 + 16 + 2 * kPfsyncStateKey + 2 * kPfsyncStatePeer + 16 + 20 + 32 + 4 + 8 + 2 + 10 + 2 + 2;  // PFSYNC_ACT_INS: 264
inline constexpr size_t kPfsyncUpdC = 8 + 2 * kPfsyncStatePeer + 4 + 4 + 1 + 1 + 2;  // PFSYNC_ACT_UPD_C: 84
inline constexpr size_t kPfsyncDelC = 8 + 4;                                         // PFSYNC_ACT_DEL_C: 12
static_assert(kPfsyncState == 264 && kPfsyncUpdC == 84 && kPfsyncDelC == 12, "docs/hypersync.md §9");

// ---- Frame arithmetic ----------------------------------------------------------------------------
// A packet of `mtu` IP bytes: `fixed` bytes of IP + transport + protocol overhead, then as many
// `message`-byte messages as fit. Ethernet header (14) counted, FCS and preamble not.
struct FullFrame {
  size_t messages = 0;     // per packet
  size_t frame_bytes = 0;  // Ethernet frame
  double per_change = 0;   // frame_bytes / messages
  size_t alone = 0;        // Ethernet frame carrying one message
};
constexpr FullFrame full_frame(size_t mtu, size_t fixed, size_t message) {
  FullFrame f;
  f.messages = (mtu - fixed) / message;
  f.frame_bytes = kEthernetBytes + fixed + f.messages * message;
  f.per_change = static_cast<double>(f.frame_bytes) / static_cast<double>(f.messages);
  f.alone = kEthernetBytes + fixed + message;
  return f;
}
inline constexpr size_t kConductorFixedV4 = kIpv4HeaderBytes + kUdpHeaderBytes + kFrameOverheadBytes;  // 56
inline constexpr size_t kFtfwFixedV4 = kIpv4HeaderBytes + kUdpHeaderBytes;                             // 28
inline constexpr size_t kPfsyncFixedV4 = kIpv4HeaderBytes + kPfsyncHeader + kPfsyncSubheader;          // 44

}  // namespace conductor::sync::peer
