#include "host/traffic/generator.hpp"

#include <algorithm>
#include <bit>
#include <span>
#include <string>

#include "host/traffic/checksum.hpp"

namespace conductor {
namespace {

constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86DD;
constexpr uint16_t kEthArp = 0x0806;
constexpr uint16_t kTpidCtag = 0x8100;
constexpr uint16_t kTpidStag = 0x88A8;

constexpr uint8_t kNhHopByHop = 0;
constexpr uint8_t kNhRouting = 43;
constexpr uint8_t kNhFragment = 44;
constexpr uint8_t kNhDestOpts = 60;

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpV6 = 58;
constexpr uint8_t kProtoSctp = 132;

constexpr uint32_t kMinFrame = 60;  // without FCS
constexpr uint32_t kMaxFrame = 1514;
constexpr uint32_t kMaxFlows = 1u << 24;

// Server ports: ones tshark's port-based dissectors leave alone with arbitrary payload.
constexpr uint16_t kTcpServerPorts[] = {443, 8443, 9443};
constexpr uint16_t kUdpServerPorts[] = {7777, 9000, 9999};
constexpr uint16_t kSctpServerPorts[] = {7777, 9000, 9999};

void put8(std::vector<uint8_t>& v, uint32_t x) { v.push_back(static_cast<uint8_t>(x)); }
void put16(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
  put16(v, x >> 16);
  put16(v, x & 0xFFFFu);
}
void set16(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  v[at] = static_cast<uint8_t>(x >> 8);
  v[at + 1] = static_cast<uint8_t>(x);
}
void append(std::vector<uint8_t>& v, std::span<const uint8_t> s) { v.insert(v.end(), s.begin(), s.end()); }

bool is_v6(FrameKind k) {
  return k == FrameKind::kIpv6Tcp || k == FrameKind::kIpv6Udp || k == FrameKind::kIpv6Sctp || k == FrameKind::kIcmpv6;
}
uint8_t proto_of(FrameKind k) {
  switch (k) {
    case FrameKind::kIpv4Tcp:
    case FrameKind::kIpv6Tcp:
      return kProtoTcp;
    case FrameKind::kIpv4Udp:
    case FrameKind::kIpv6Udp:
      return kProtoUdp;
    case FrameKind::kIpv4Sctp:
    case FrameKind::kIpv6Sctp:
      return kProtoSctp;
    case FrameKind::kIcmp:
      return kProtoIcmp;
    case FrameKind::kIcmpv6:
      return kProtoIcmpV6;
    default:
      return 0;
  }
}
bool has_ports(uint8_t proto) { return proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp; }

uint32_t round_down8(uint32_t x) { return x & ~7u; }
uint32_t round_up8(uint32_t x) { return (x + 7u) & ~7u; }

}  // namespace

const char* frame_kind_name(FrameKind k) {
  switch (k) {
    case FrameKind::kIpv4Tcp:
      return "ipv4-tcp";
    case FrameKind::kIpv4Udp:
      return "ipv4-udp";
    case FrameKind::kIpv4Sctp:
      return "ipv4-sctp";
    case FrameKind::kIcmp:
      return "icmp";
    case FrameKind::kIpv6Tcp:
      return "ipv6-tcp";
    case FrameKind::kIpv6Udp:
      return "ipv6-udp";
    case FrameKind::kIpv6Sctp:
      return "ipv6-sctp";
    case FrameKind::kIcmpv6:
      return "icmpv6";
    case FrameKind::kArp:
      return "arp";
    case FrameKind::kTruncated:
      return "truncated";
    case FrameKind::kBadHeader:
      return "bad-header";
  }
  return "?";
}

// ---- random numbers: xoshiro256** seeded by splitmix64 -------------------------------------------

TrafficGenerator::Rng::Rng(uint64_t seed) {
  for (auto& s : s_) {
    seed += 0x9E3779B97F4A7C15ull;
    uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    s = z ^ (z >> 31);
  }
}

uint64_t TrafficGenerator::Rng::next() {
  const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = std::rotl(s_[3], 45);
  return result;
}

uint32_t TrafficGenerator::Rng::below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }

// ---- flows --------------------------------------------------------------------------------------

struct TrafficGenerator::Flow {
  FrameKind kind = FrameKind::kIpv4Tcp;
  bool v6 = false;
  uint8_t proto = 0;
  std::array<std::array<uint8_t, 16>, 2> addr{};  // [0] client, [1] server; IPv4 in bytes 0..3
  std::array<uint16_t, 2> port{};
  std::array<std::array<uint8_t, 6>, 2> mac{};
  uint8_t vlan_tags = 0;
  std::array<uint16_t, 2> vid{};  // outer, inner
  uint32_t flow_label = 0;
  std::vector<uint8_t> ip4_options;  // a multiple of 4 bytes
  std::vector<uint8_t> ext_before;   // IPv6 per-fragment extension headers, in order
  bool atomic_frag = false;          // an atomic Fragment header on unfragmented packets
  bool final_dest = false;           // Destination Options after the Fragment position
  std::array<uint32_t, 2> seq{};     // TCP next sequence number per direction
  std::array<bool, 2> opened{};      // TCP SYN / SYN-ACK sent
  std::array<uint16_t, 2> ip_id{};
  std::array<uint32_t, 2> vtag{};  // SCTP verification tag each side expects
  std::array<uint32_t, 2> tsn{};
  std::array<uint16_t, 2> ssn{};
  uint16_t icmp_id = 0;
  uint16_t icmp_seq = 0;
  uint64_t sent = 0;
};

namespace {
// The IPv4 address an end of a flow answers ARP for (IPv6 flows: one derived from the interface
// id), and from which its MAC is made, so one address never shows up with two MACs.
std::array<uint8_t, 4> arp_address(const TrafficGenerator::Flow& f, int side) {
  const auto& a = f.addr[side];
  if (!f.v6) return {a[0], a[1], a[2], a[3]};
  return {198, static_cast<uint8_t>(18 + side), a[14], static_cast<uint8_t>(1 + a[15] % 254)};
}
}  // namespace

TrafficGenerator::TrafficGenerator(TrafficGenerator&&) noexcept = default;
TrafficGenerator& TrafficGenerator::operator=(TrafficGenerator&&) noexcept = default;
TrafficGenerator::~TrafficGenerator() = default;

uint32_t TrafficGenerator::flows() const { return static_cast<uint32_t>(flows_.size()); }

Expected<TrafficGenerator> TrafficGenerator::create(const GeneratorConfig& c) {
  auto bad = [](const std::string& what) { return make_error(Errc::kInvalidArgument, what); };
  if (c.flows == 0) return bad("traffic generator: flows must be at least 1");
  if (c.flows > kMaxFlows) return bad("traffic generator: flows above " + std::to_string(kMaxFlows));
  const TrafficMix& m = c.mix;
  const uint64_t mix_sum =
      uint64_t{m.ipv4_tcp} + m.ipv4_udp + m.ipv4_sctp + m.icmp + m.ipv6_tcp + m.ipv6_udp + m.ipv6_sctp + m.icmpv6;
  if (mix_sum == 0) return bad("traffic generator: the traffic mix is all zero");
  const std::pair<const char*, uint32_t> permilles[] = {
      {"vlan1_permille", c.vlan1_permille},
      {"vlan2_permille", c.vlan2_permille},
      {"ipv4_options_permille", c.ipv4_options_permille},
      {"ipv6_ext_permille", c.ipv6_ext_permille},
      {"ipv6_long_chain_permille", c.ipv6_long_chain_permille},
      {"fragment_permille", c.fragment_permille},
      {"arp_permille", c.arp_permille},
      {"malformed_permille", c.malformed_permille},
  };
  for (const auto& [name, v] : permilles) {
    if (v > 1000) return bad(std::string("traffic generator: ") + name + " " + std::to_string(v) + " above 1000");
  }
  if (c.vlan1_permille + c.vlan2_permille > 1000) {
    return bad("traffic generator: vlan1_permille + vlan2_permille above 1000");
  }
  if (c.ipv6_ext_permille + c.ipv6_long_chain_permille > 1000) {
    return bad("traffic generator: ipv6_ext_permille + ipv6_long_chain_permille above 1000");
  }
  if (c.arp_permille + c.malformed_permille > 1000) {
    return bad("traffic generator: arp_permille + malformed_permille above 1000");
  }
  return TrafficGenerator(c);
}

TrafficGenerator::TrafficGenerator(const GeneratorConfig& c) : config_(c), rng_(c.seed) {
  const TrafficMix& m = c.mix;
  const std::array<uint32_t, 8> weight = {m.ipv4_tcp, m.ipv4_udp, m.ipv4_sctp, m.icmp,
                                          m.ipv6_tcp, m.ipv6_udp, m.ipv6_sctp, m.icmpv6};
  uint64_t sum = 0;
  for (uint32_t w : weight) sum += w;

  flows_.resize(c.flows);
  for (uint32_t i = 0; i < c.flows; ++i) {
    Flow& f = flows_[i];
    // Stratified: flow i takes the kind at (i + 1/2) / flows of the cumulative mix.
    const uint64_t point = ((2 * uint64_t{i} + 1) * sum) / (2 * uint64_t{c.flows});
    uint64_t acc = 0;
    int k = 0;
    for (; k < 8; ++k) {
      acc += weight[k];
      if (point < acc) break;
    }
    f.kind = static_cast<FrameKind>(k);
    f.v6 = is_v6(f.kind);
    f.proto = proto_of(f.kind);
    flows_by_kind_[k].push_back(i);

    if (!f.v6) {
      f.addr[0] = {198, 18, static_cast<uint8_t>(rng_.below(256)), static_cast<uint8_t>(1 + rng_.below(254))};
      f.addr[1] = {198, 19, static_cast<uint8_t>(rng_.below(256)), static_cast<uint8_t>(1 + rng_.below(254))};
    } else {
      for (int side = 0; side < 2; ++side) {
        auto& a = f.addr[side];
        a = {0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, static_cast<uint8_t>(side + 1)};
        uint64_t iid = rng_.next();
        for (int b = 0; b < 8; ++b) a[8 + b] = static_cast<uint8_t>(iid >> (56 - 8 * b));
      }
    }
    f.port[0] = static_cast<uint16_t>(49152 + rng_.below(65536 - 49152));  // IANA dynamic range
    switch (f.proto) {
      case kProtoTcp:
        f.port[1] = kTcpServerPorts[rng_.below(std::size(kTcpServerPorts))];
        break;
      case kProtoUdp:
        f.port[1] = kUdpServerPorts[rng_.below(std::size(kUdpServerPorts))];
        break;
      case kProtoSctp:
        f.port[1] = kSctpServerPorts[rng_.below(std::size(kSctpServerPorts))];
        break;
      default:
        f.port = {0, 0};
    }
    for (int side = 0; side < 2; ++side) {  // locally administered, a function of the ARP address
      const auto ip = arp_address(f, side);
      f.mac[side] = {0x02, static_cast<uint8_t>(side), ip[0], ip[1], ip[2], ip[3]};
    }
    const uint32_t v = rng_.below(1000);
    f.vlan_tags = v < c.vlan1_permille ? 1 : v < c.vlan1_permille + c.vlan2_permille ? 2 : 0;
    f.vid = {static_cast<uint16_t>(1 + rng_.below(4094)), static_cast<uint16_t>(1 + rng_.below(4094))};
    f.flow_label = rng_.below(1u << 20);
    if (!f.v6) {
      if (rng_.permille(c.ipv4_options_permille)) {
        if (rng_.below(2) == 0) {
          f.ip4_options = {0x94, 0x04, 0x00, 0x00};  // Router Alert (copied into fragments)
        } else {
          // Record Route with two empty slots, then End of Options List to a 4-byte boundary.
          f.ip4_options = {0x07, 0x0B, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x00};
        }
      }
    } else {
      const uint32_t e = rng_.below(1000);
      if (e < c.ipv6_long_chain_permille) {
        f.ext_before = {kNhHopByHop, kNhDestOpts, kNhRouting};
        f.atomic_frag = true;
        f.final_dest = true;
      } else if (e < c.ipv6_long_chain_permille + c.ipv6_ext_permille) {
        // A non-empty subset of {HBH, DO, RH, DO-final} with at most 3 members, in RFC 8200 order.
        uint32_t mask;
        do mask = 1 + rng_.below(15);
        while (std::popcount(mask) > 3);
        if (mask & 1) f.ext_before.push_back(kNhHopByHop);
        if (mask & 2) f.ext_before.push_back(kNhDestOpts);
        if (mask & 4) f.ext_before.push_back(kNhRouting);
        f.final_dest = (mask & 8) != 0;
      }
    }
    f.seq = {static_cast<uint32_t>(rng_.next()), static_cast<uint32_t>(rng_.next())};
    f.ip_id = {static_cast<uint16_t>(rng_.next()), static_cast<uint16_t>(rng_.next())};
    f.vtag = {1 + rng_.below(0xFFFFFFFEu), 1 + rng_.below(0xFFFFFFFEu)};
    f.tsn = {static_cast<uint32_t>(rng_.next()), static_cast<uint32_t>(rng_.next())};
    f.icmp_id = static_cast<uint16_t>(rng_.next());
  }
  for (int k = 0; k < 8; ++k) {
    kind_weight_[k] = flows_by_kind_[k].empty() ? 0 : weight[k];
    kind_weight_sum_ += kind_weight_[k];
  }
}

// ---- frames -------------------------------------------------------------------------------------

uint32_t TrafficGenerator::frame_size() {
  if (config_.min_size_only) return kMinFrame;
  const uint32_t r = rng_.below(14);  // Simple IMIX 7:4:1, plus 2 parts uniform
  if (r < 7) return kMinFrame;
  if (r < 11) return 590;
  if (r < 12) return kMaxFrame;
  return kMinFrame + rng_.below(kMaxFrame - kMinFrame + 1);
}

void TrafficGenerator::emit_l2(const Flow& f, bool reply, uint16_t ethertype, std::vector<uint8_t>& out) const {
  const int d = reply ? 1 : 0;
  append(out, f.mac[1 - d]);
  append(out, f.mac[d]);
  if (f.vlan_tags == 2) {
    put16(out, kTpidStag);
    put16(out, f.vid[0]);
  }
  if (f.vlan_tags >= 1) {
    put16(out, kTpidCtag);
    put16(out, f.vid[1]);
  }
  put16(out, ethertype);
}

namespace {

// Extension header bytes (next header filled in by the caller's chain order).
void put_ext(std::vector<uint8_t>& v, uint8_t type, uint8_t next, const std::array<uint8_t, 16>& dst,
             uint32_t frag_offset_bytes, bool more, uint32_t frag_id) {
  switch (type) {
    case kNhHopByHop:
    case kNhDestOpts:  // one PadN option filling the 8 bytes
      v.insert(v.end(), {next, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00});
      break;
    case kNhRouting:  // Segment Routing header (type 4), one segment, segments left 0
      v.insert(v.end(), {next, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00});
      append(v, dst);
      break;
    case kNhFragment:
      put8(v, next);
      put8(v, 0);
      put16(v, (frag_offset_bytes / 8) << 3 | (more ? 1u : 0u));
      put32(v, frag_id);
      break;
  }
}

size_t ext_len(uint8_t type) { return type == kNhRouting ? 24 : 8; }

}  // namespace

// Builds one IP packet of `f` (one frame, or two fragments of which the second goes to pending_).
// Returns the end offset of the headers the parser needs (for truncation) in `needed_end`.
void TrafficGenerator::build_ip(Flow& f, bool reply, bool allow_fragment, Frame& out, FrameInfo& info,
                                size_t* needed_end) {
  const int d = reply ? 1 : 0;
  const auto& src = f.addr[d];
  const auto& dst = f.addr[1 - d];
  const uint32_t target = frame_size();
  const size_t l2 = 14 + 4u * f.vlan_tags;

  // Header sizes.
  size_t unfrag_ext = 0;  // IPv6 per-fragment extension headers
  for (uint8_t t : f.ext_before) unfrag_ext += ext_len(t);
  const size_t ip_fixed = f.v6 ? 40 + unfrag_ext : 20 + f.ip4_options.size();
  const size_t final_dest = f.v6 && f.final_dest ? 8 : 0;
  const bool tcp_handshake = f.proto == kProtoTcp && !f.opened[d];
  size_t l4_hdr = 8;
  if (f.proto == kProtoTcp) l4_hdr = tcp_handshake ? 24 : 20;
  if (f.proto == kProtoSctp) l4_hdr = 28;

  const bool fragment = allow_fragment && !tcp_handshake && rng_.permille(config_.fragment_permille);
  const size_t frag_hdr = f.v6 && (fragment || f.atomic_frag) ? 8 : 0;
  const size_t hdrs = l2 + ip_fixed + frag_hdr + final_dest + l4_hdr;

  size_t payload = 0;
  uint32_t first_part = 0;  // fragmentable bytes in the first fragment
  if (!fragment) {
    payload = target > hdrs ? target - hdrs : 0;
    if (f.proto == kProtoTcp) payload = tcp_handshake ? 0 : std::max<size_t>(1, payload);
    if (f.proto == kProtoSctp) payload = std::max<size_t>(1, payload & ~size_t{3});
  } else {
    const size_t room = target > l2 + ip_fixed + frag_hdr ? target - l2 - ip_fixed - frag_hdr : 0;
    first_part =
        std::max(round_down8(static_cast<uint32_t>(room)), round_up8(static_cast<uint32_t>(final_dest + l4_hdr)));
    // Second fragment: 8..256 bytes (8 with min_size_only).
    const uint32_t total = first_part + 8 + (config_.min_size_only ? 0 : 8 * rng_.below(32));
    payload = total - final_dest - l4_hdr;  // SCTP: a multiple of 4 (total is a multiple of 8)
  }

  // Upper-layer segment with its checksum.
  std::vector<uint8_t> seg;
  seg.reserve(l4_hdr + payload + 4);
  const uint16_t sport = f.port[d];
  const uint16_t dport = f.port[1 - d];
  size_t csum_at = SIZE_MAX;
  switch (f.proto) {
    case kProtoTcp: {
      uint8_t flags = 0x10;  // ACK
      if (tcp_handshake)
        flags = reply ? 0x12 : 0x02;  // SYN-ACK : SYN
      else if (payload > 0)
        flags = 0x18;  // PSH-ACK
      const bool acks = (flags & 0x10) != 0;
      put16(seg, sport);
      put16(seg, dport);
      put32(seg, f.seq[d]);
      put32(seg, acks ? f.seq[1 - d] : 0);
      put8(seg, static_cast<uint32_t>(l4_hdr / 4) << 4);
      put8(seg, flags);
      put16(seg, 65535);  // window
      csum_at = seg.size();
      put16(seg, 0);
      put16(seg, 0);                                                       // urgent pointer
      if (tcp_handshake) seg.insert(seg.end(), {0x02, 0x04, 0x05, 0xB4});  // MSS 1460
      f.seq[d] += static_cast<uint32_t>(payload) + (tcp_handshake ? 1 : 0);
      f.opened[d] = true;
      break;
    }
    case kProtoUdp:
      put16(seg, sport);
      put16(seg, dport);
      put16(seg, static_cast<uint32_t>(l4_hdr + payload));
      csum_at = seg.size();
      put16(seg, 0);
      break;
    case kProtoSctp:
      put16(seg, sport);
      put16(seg, dport);
      put32(seg, f.vtag[1 - d]);
      put32(seg, 0);    // CRC32c, filled below
      put8(seg, 0);     // DATA
      put8(seg, 0x03);  // B|E: a whole message
      put16(seg, static_cast<uint32_t>(16 + payload));
      put32(seg, f.tsn[d]++);
      put16(seg, 0);  // stream 0
      put16(seg, f.ssn[d]++);
      put32(seg, 0);  // PPID
      break;
    case kProtoIcmp:
    case kProtoIcmpV6: {
      const bool v6 = f.proto == kProtoIcmpV6;
      put8(seg, reply ? (v6 ? 129 : 0) : (v6 ? 128 : 8));  // echo reply : echo request
      put8(seg, 0);
      csum_at = seg.size();
      put16(seg, 0);
      put16(seg, f.icmp_id);
      if (!reply) ++f.icmp_seq;
      put16(seg, f.icmp_seq);
      break;
    }
  }
  // Payload: "cndr" (keeps tshark's payload heuristics, e.g. RTP/RTCP, from claiming it), then
  // random bytes.
  static constexpr uint8_t kTag[] = {'c', 'n', 'd', 'r'};
  const size_t payload_at = seg.size();
  seg.resize(payload_at + payload);
  uint8_t* pay = seg.data() + payload_at;
  for (size_t i = 0; i < payload && i < 4; ++i) pay[i] = kTag[i];
  size_t i = 4;
  for (; i + 8 <= payload; i += 8) {
    const uint64_t r = rng_.next();
    for (size_t b = 0; b < 8; ++b) pay[i + b] = static_cast<uint8_t>(r >> (8 * b));
  }
  if (i < payload) {
    const uint64_t r = rng_.next();
    for (size_t b = 0; i + b < payload; ++b) pay[i + b] = static_cast<uint8_t>(r >> (8 * b));
  }
  if (f.proto == kProtoSctp) {
    while (seg.size() % 4) seg.push_back(0);  // chunk padding (not in the chunk length)
    const uint32_t crc = crc32c(seg);
    for (int b = 0; b < 4; ++b) seg[8 + b] = static_cast<uint8_t>(crc >> (8 * b));
  } else {
    uint32_t sum = 0;
    const size_t alen = f.v6 ? 16 : 4;
    if (f.proto != kProtoIcmp) {  // pseudo header: addresses, upper-layer length, protocol
      sum = ones_sum(std::span(src.data(), alen), sum);
      sum = ones_sum(std::span(dst.data(), alen), sum);
      sum += static_cast<uint32_t>(seg.size()) + f.proto;  // both fit in 16-bit words
    }
    uint16_t c = internet_checksum(seg, sum);
    if (f.proto == kProtoUdp && c == 0) c = 0xFFFF;
    set16(seg, csum_at, c);
  }

  // Fragmentable part: IPv6 final Destination Options, then the segment.
  std::vector<uint8_t> body;
  body.reserve(final_dest + seg.size());
  if (final_dest) put_ext(body, kNhDestOpts, f.proto, dst, 0, false, 0);
  append(body, seg);

  const uint16_t ip_id = f.ip_id[d]++;
  const uint32_t frag_id = (uint32_t{f.flow_label} << 12) ^ ip_id ^ (reply ? 0x80000000u : 0);
  auto emit = [&](std::vector<uint8_t>& v, FrameInfo& fi, size_t from, size_t len, bool first, bool more) {
    v.clear();
    v.reserve(std::max<size_t>(kMinFrame, l2 + ip_fixed + frag_hdr + len));
    emit_l2(f, reply, f.v6 ? kEthIpv6 : kEthIpv4, v);
    const size_t l3 = v.size();
    if (!f.v6) {
      std::vector<uint8_t> opts;
      for (size_t i = 0; i < f.ip4_options.size();) {  // later fragments: copied options only
        const uint8_t t = f.ip4_options[i];
        const size_t n = (t == 0 || t == 1) ? 1 : f.ip4_options[i + 1];
        if (first || (t & 0x80)) opts.insert(opts.end(), f.ip4_options.begin() + i, f.ip4_options.begin() + i + n);
        i += n;
      }
      while (opts.size() % 4) opts.push_back(0);
      const size_t ihl = 20 + opts.size();
      put8(v, 0x40 | static_cast<uint32_t>(ihl / 4));
      put8(v, 0);
      put16(v, static_cast<uint32_t>(ihl + len));
      put16(v, ip_id);
      uint32_t flags_off = static_cast<uint32_t>(from / 8);
      if (more) flags_off |= 0x2000;
      if (!fragment && f.proto == kProtoTcp) flags_off |= 0x4000;  // DF
      put16(v, flags_off);
      put8(v, 64);
      put8(v, f.proto);
      put16(v, 0);
      append(v, std::span(src.data(), 4));
      append(v, std::span(dst.data(), 4));
      append(v, opts);
      set16(v, l3 + 10, internet_checksum(std::span(v.data() + l3, ihl)));
      fi.ipv4_options = !opts.empty();
    } else {
      std::vector<uint8_t> chain = f.ext_before;
      if (frag_hdr) chain.push_back(kNhFragment);
      const uint8_t after_chain = final_dest ? kNhDestOpts : f.proto;
      const size_t pay = unfrag_ext + frag_hdr + len;
      put32(v, 0x60000000u | f.flow_label);
      put16(v, static_cast<uint32_t>(pay));
      put8(v, chain.empty() ? after_chain : chain[0]);
      put8(v, 64);
      append(v, src);
      append(v, dst);
      for (size_t i = 0; i < chain.size(); ++i) {
        const uint8_t next = i + 1 < chain.size() ? chain[i + 1] : after_chain;
        put_ext(v, chain[i], next, dst, static_cast<uint32_t>(from), more, frag_id);
      }
      fi.ipv6_ext_headers = static_cast<uint8_t>(chain.size() + (first && final_dest ? 1 : 0));
    }
    if (needed_end && first) {  // meaningful for unfragmented packets (malformed frames)
      size_t end = v.size();    // L2 + IP header(s) so far
      if (f.v6 && f.atomic_frag) {
        end = l3 + 40;  // past the parser's chain limit: only the fixed header is needed
      } else {
        end += final_dest;
        if (has_ports(f.proto)) end += 4;
      }
      *needed_end = end;
    }
    v.insert(v.end(), body.begin() + from, body.begin() + from + len);
    if (v.size() < kMinFrame) v.resize(kMinFrame, 0);
  };

  info.kind = f.kind;
  info.reply = reply;
  info.vlan_tags = f.vlan_tags;
  if (!fragment) {
    info.fragment = 0;
    emit(out.bytes, info, 0, body.size(), true, false);
  } else {
    info.fragment = 1;
    pending_info_ = info;
    pending_info_.fragment = 2;
    emit(out.bytes, info, 0, first_part, true, true);
    emit(pending_.bytes, pending_info_, first_part, body.size() - first_part, false, false);
    has_pending_ = true;
  }
  ++f.sent;
}

size_t TrafficGenerator::pick_flow() {
  uint64_t x = rng_.next() % kind_weight_sum_;
  int k = 0;
  while (x >= kind_weight_[k]) x -= kind_weight_[k++];
  const auto& list = flows_by_kind_[k];
  return list[rng_.below(static_cast<uint32_t>(list.size()))];
}

void TrafficGenerator::build_arp(Frame& out, FrameInfo& info) {
  // Between the two ends of a random flow, on its VLAN(s); IPv6 flows lend their MACs only.
  const Flow& f = flows_[rng_.below(flows())];
  const bool request = (arp_seq_++ % 2) == 0;
  const std::array<std::array<uint8_t, 4>, 2> ip = {arp_address(f, 0), arp_address(f, 1)};
  const int s = request ? 0 : 1;  // sender: the client asks, the server answers
  std::vector<uint8_t>& v = out.bytes;
  v.clear();
  v.reserve(kMinFrame + 8);
  if (request) {
    v.insert(v.end(), 6, 0xFF);
  } else {
    append(v, f.mac[0]);
  }
  append(v, f.mac[s]);
  if (f.vlan_tags == 2) {
    put16(v, kTpidStag);
    put16(v, f.vid[0]);
  }
  if (f.vlan_tags >= 1) {
    put16(v, kTpidCtag);
    put16(v, f.vid[1]);
  }
  put16(v, kEthArp);
  put16(v, 1);  // Ethernet
  put16(v, kEthIpv4);
  put8(v, 6);
  put8(v, 4);
  put16(v, request ? 1 : 2);
  append(v, f.mac[s]);
  append(v, ip[s]);
  if (request) {
    v.insert(v.end(), 6, 0x00);
  } else {
    append(v, f.mac[0]);
  }
  append(v, ip[1 - s]);
  if (v.size() < kMinFrame) v.resize(kMinFrame, 0);
  info.kind = FrameKind::kArp;
  info.vlan_tags = f.vlan_tags;
}

void TrafficGenerator::build_malformed(Frame& out, FrameInfo& info) {
  Flow& f = flows_[pick_flow()];
  const Flow saved = f;  // a malformed copy does not advance the flow (its SYN stays to come)
  const bool reply = f.sent == 1 || (f.sent > 1 && rng_.below(2) == 1);
  size_t needed = 0;
  FrameInfo ignored;
  build_ip(f, reply, false, out, ignored, &needed);
  f = saved;
  info.vlan_tags = f.vlan_tags;
  info.reply = reply;
  std::vector<uint8_t>& v = out.bytes;
  const size_t l3 = 14 + 4u * f.vlan_tags;
  if (rng_.below(5) < 3) {
    info.kind = FrameKind::kTruncated;  // cut inside a header the parser needs
    v.resize(12 + rng_.below(static_cast<uint32_t>(needed - 12)));
    return;
  }
  info.kind = FrameKind::kBadHeader;
  if (f.v6) {
    uint32_t version = rng_.below(15);
    if (version >= 6) ++version;
    v[l3] = static_cast<uint8_t>(version << 4 | (v[l3] & 0x0F));
    return;
  }
  const size_t ihl_bytes = 4u * (v[l3] & 0x0F);
  switch (rng_.below(3)) {
    case 0: {
      uint32_t version = rng_.below(15);
      if (version >= 4) ++version;
      v[l3] = static_cast<uint8_t>(version << 4 | (v[l3] & 0x0F));
      break;
    }
    case 1:
      v[l3] = static_cast<uint8_t>(0x40 | rng_.below(5));  // IHL 0..4
      break;
    default:
      // Total length below the header length (not 0, which tshark takes for a TSO capture).
      set16(v, l3 + 2, 1 + rng_.below(static_cast<uint32_t>(ihl_bytes - 1)));
  }
  // The header checksum stays right for the bytes as they are: only the field is wrong.
  set16(v, l3 + 10, 0);
  set16(v, l3 + 10, internet_checksum(std::span(v.data() + l3, ihl_bytes)));
}

void TrafficGenerator::next(Frame& out, FrameInfo* info) {
  FrameInfo local;
  FrameInfo& fi = info != nullptr ? *info : local;
  fi = FrameInfo{};
  out.sg_id = config_.sg_id;
  if (has_pending_) {
    out.bytes.swap(pending_.bytes);
    fi = pending_info_;
    has_pending_ = false;
    return;
  }
  const uint32_t r = rng_.below(1000);
  if (r < config_.arp_permille) {
    build_arp(out, fi);
  } else if (r < config_.arp_permille + config_.malformed_permille) {
    build_malformed(out, fi);
  } else {
    const size_t index = pick_flow();
    Flow& f = flows_[index];
    // The client opens, the server answers, then either side.
    const bool reply = f.sent == 1 || (f.sent > 1 && rng_.below(2) == 1);
    fi.flow = static_cast<uint32_t>(index);
    build_ip(f, reply, true, out, fi);
    if (has_pending_) pending_info_.flow = fi.flow;
  }
}

Frame TrafficGenerator::next(FrameInfo* info) {
  Frame f;
  next(f, info);
  return f;
}

Expected<std::vector<Frame>> generate_traffic(const GeneratorConfig& config, std::vector<FrameInfo>* infos) {
  auto gen = TrafficGenerator::create(config);
  if (!gen) return gen.error();
  std::vector<Frame> frames(config.packets);
  if (infos) infos->assign(config.packets, FrameInfo{});
  for (uint64_t i = 0; i < config.packets; ++i) gen->next(frames[i], infos ? &(*infos)[i] : nullptr);
  return frames;
}

}  // namespace conductor
