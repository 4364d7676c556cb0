// Synthetic traffic for `conductor sim`, the benches and the tests: deterministic from a seed (its
// own xoshiro256** generator and integer arithmetic only, so the same config gives the same bytes
// with any compiler or standard library).
//
// What it makes:
//   - `flows` connections between a client in 198.18.0.0/16 (IPv6: 2001:2:0:1::/64) and a server
//     in 198.19.0.0/16 (2001:2:0:2::/64), the benchmarking ranges of RFC 2544/5180. Each flow has a
//     kind (TrafficMix), 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) VLAN tags, and for some flows IPv4
//     options (Router Alert or Record Route) or an IPv6 extension chain (Hop-by-Hop, Destination
//     Options, Segment Routing header; 1..3 of them, or a 5-header chain with an atomic Fragment
//     header that goes past the parser's 4-header limit).
//     Flows are given kinds in proportion to the mix (stratified, so even a few flows follow it).
//     Client ports are in 49152..65535, server ports fixed per protocol (TCP 443/8443/9443, UDP and
//     SCTP 7777/9000/9999); MACs are 02:00:<client IPv4> and 02:01:<server IPv4> (IPv6 flows: an
//     IPv4 address derived from the interface id), so ARP never shows one address with two MACs.
//   - Every IP packet belongs to a flow. Its kind is drawn by the TrafficMix weights (among kinds
//     that have flows), then one of that kind's flows uniformly. A flow's first packet goes from the
//     client, its second from the server, later ones either way (50/50). TCP opens with SYN /
//     SYN-ACK (MSS option), then every segment is PSH-ACK with 1+ bytes and running sequence and
//     acknowledgement numbers; ICMP is echo request / reply; SCTP carries one DATA chunk. Payload
//     bytes are "cndr" then random. Checksums (IPv4 header, TCP, UDP, ICMP, ICMPv6, SCTP CRC32c)
//     and lengths are correct: tshark 4.0 reports no warning or error on these frames.
//   - Fragments: a datagram (any kind but a TCP handshake) is, with fragment_permille, sent as two
//     fragments in consecutive frames (IPv4 MF/offset, or an IPv6 Fragment header after the
//     per-fragment headers). Checksums cover the whole datagram.
//   - ARP (request from the client, reply from the server of a random flow, on that flow's VLAN
//     tags) with arp_permille of the frames, and malformed frames with malformed_permille: a copy of
//     a flow's next packet (the flow does not advance) cut inside the headers the parser needs
//     (kTruncated, 12 bytes up to just before the end of the L4 ports, so shorter than 60 bytes), or
//     with a bad IPv4 version / IHL < 5 / total length below the header length, or IPv6 version
//     (kBadHeader; the IPv4 header checksum is still right, only the field is wrong).
//   - Frame sizes (without FCS): 60..1514, never more whatever the headers. Default: Simple IMIX
//     (60 / 590 / 1514 in 7:4:1) plus uniform sizes 60..1514 (2 parts in 14). min_size_only: every
//     frame as small as its headers allow (60 bytes for plain IPv4 UDP/TCP, more when VLAN tags,
//     IPv6 or extension headers need it; second fragments 8 bytes of data). Frames shorter than 60
//     bytes are padded with zeros after the IP packet (the IP lengths exclude the padding).
// The parse status each kind gets from the parser model is checked by
// tests/traffic/generator_parser_test.cpp: ARP non-ip, kTruncated truncated, kBadHeader bad-header,
// 5-header IPv6 chains ext-limit, fragments IS_FRAG without ports, everything else ok.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "host/common/status.hpp"
#include "host/traffic/frame.hpp"

namespace conductor {

// What a generated frame is (from the generator's point of view).
enum class FrameKind : uint8_t {
  kIpv4Tcp,
  kIpv4Udp,
  kIpv4Sctp,
  kIcmp,
  kIpv6Tcp,
  kIpv6Udp,
  kIpv6Sctp,
  kIcmpv6,
  kArp,        // non-IP
  kTruncated,  // ends inside a header it announces
  kBadHeader,  // IP version / IHL / total length inconsistent
};
inline constexpr int kFrameKinds = 11;
const char* frame_kind_name(FrameKind k);

// Relative shares of IP packets by kind (any scale; zero removes a kind).
struct TrafficMix {
  uint32_t ipv4_tcp = 50;
  uint32_t ipv4_udp = 20;
  uint32_t ipv4_sctp = 2;
  uint32_t icmp = 3;
  uint32_t ipv6_tcp = 12;
  uint32_t ipv6_udp = 8;
  uint32_t ipv6_sctp = 1;
  uint32_t icmpv6 = 2;
};

struct GeneratorConfig {
  uint64_t seed = 1;
  uint32_t flows = 256;        // >= 1
  uint64_t packets = 10'000;   // frames generate_traffic() returns (TrafficGenerator is unbounded)
  uint8_t sg_id = 0;           // security-group id of every frame
  bool min_size_only = false;  // smallest frames the headers allow (throughput runs)
  TrafficMix mix{};
  // Per-flow decorations, in 1/1000 of the flows (of the IPv4 or IPv6 flows where it applies).
  uint32_t vlan1_permille = 100;           // one 802.1Q tag
  uint32_t vlan2_permille = 30;            // 802.1ad outer + 802.1Q inner tag
  uint32_t ipv4_options_permille = 30;     // IPv4 options on every packet of the flow
  uint32_t ipv6_ext_permille = 100;        // 1..3 IPv6 extension headers
  uint32_t ipv6_long_chain_permille = 15;  // 5 extension headers (past the parser's limit)
  // Per-packet, in 1/1000.
  uint32_t fragment_permille = 20;   // of IP datagrams: sent as two fragments
  uint32_t arp_permille = 10;        // of frames: ARP
  uint32_t malformed_permille = 10;  // of frames: truncated or bad IP header
};

// What the generator made, for tests and reports.
struct FrameInfo {
  static constexpr uint32_t kNoFlow = 0xFFFFFFFFu;
  FrameKind kind = FrameKind::kArp;
  uint32_t flow = kNoFlow;  // IP packets: index of the flow; ARP and malformed frames: kNoFlow
  bool reply = false;       // server -> client
  uint8_t vlan_tags = 0;
  uint8_t fragment = 0;  // 0 not a fragment, 1 first fragment, 2 second (last) fragment
  bool ipv4_options = false;
  uint8_t ipv6_ext_headers = 0;  // extension headers in this frame (a Fragment header included)
};

class TrafficGenerator {
 public:
  // Rejects flows == 0, an all-zero mix, a permille above 1000 and per-frame or per-flow shares
  // that add up to more than 1000.
  static Expected<TrafficGenerator> create(const GeneratorConfig& config);

  // The next frame (unbounded stream; config.packets is not consulted).
  Frame next(FrameInfo* info = nullptr);
  void next(Frame& out, FrameInfo* info = nullptr);  // reuses out's buffer

  const GeneratorConfig& config() const { return config_; }
  uint32_t flows() const;

  struct Flow;  // one connection's addresses and state; opaque (generator.cpp)

  TrafficGenerator(TrafficGenerator&&) noexcept;
  TrafficGenerator& operator=(TrafficGenerator&&) noexcept;
  ~TrafficGenerator();

 private:
  explicit TrafficGenerator(const GeneratorConfig& config);
  class Rng {
   public:
    explicit Rng(uint64_t seed);
    uint64_t next();
    uint32_t below(uint32_t n);  // 0..n-1
    bool permille(uint32_t p) { return below(1000) < p; }

   private:
    std::array<uint64_t, 4> s_{};
  };

  size_t pick_flow();
  void build_ip(Flow& flow, bool reply, bool allow_fragment, Frame& out, FrameInfo& info, size_t* needed_end = nullptr);
  void build_arp(Frame& out, FrameInfo& info);
  void build_malformed(Frame& out, FrameInfo& info);
  uint32_t frame_size();
  void emit_l2(const Flow& flow, bool reply, uint16_t ethertype, std::vector<uint8_t>& out) const;

  GeneratorConfig config_;
  Rng rng_;
  std::vector<Flow> flows_;
  std::array<std::vector<uint32_t>, 8> flows_by_kind_;  // IP kinds only
  std::array<uint32_t, 8> kind_weight_{};               // mix weights of kinds that have flows
  uint64_t kind_weight_sum_ = 0;
  Frame pending_;  // second fragment waiting to go out
  FrameInfo pending_info_;
  bool has_pending_ = false;
  uint32_t arp_seq_ = 0;
};

// config.packets frames from a fresh generator, or the config error.
Expected<std::vector<Frame>> generate_traffic(const GeneratorConfig& config, std::vector<FrameInfo>* infos = nullptr);

}  // namespace conductor
