// Golden model of the packet parser; the contract is docs/architecture.md ("Parser"). Written for
// clarity, not to mirror the RTL pipeline: each check below is one numbered rule of the contract, in
// the contract's order, and the first rule that fails decides the status.
#include "parser/parser_model.hpp"

namespace conductor {
namespace {

constexpr size_t kEthHeaderBytes = 14;
constexpr size_t kVlanTagBytes = 4;
constexpr size_t kIpv4MinHeaderBytes = 20;
constexpr size_t kIpv6HeaderBytes = 40;
constexpr size_t kIpv6ExtMinBytes = 8;
constexpr size_t kPortBytes = 4;

// The bytes the parser may look at, and how a header that does not fit is classified.
class Window {
 public:
  Window(const uint8_t* frame, size_t len)
      : frame_(frame), avail_(len < kParserWindowBytes ? len : kParserWindowBytes) {}

  // True when bytes [off, off + n) are inside the frame and the window.
  bool has(size_t off, size_t n) const { return off <= avail_ && n <= avail_ - off; }
  // Status for a header that does not fit: the frame ended inside the window (truncated), or the
  // whole window is present and the header reaches past it (ext-limit).
  ParseStatus missing() const { return avail_ < kParserWindowBytes ? ParseStatus::kTruncated : ParseStatus::kExtLimit; }
  uint8_t u8(size_t off) const { return frame_[off]; }
  uint16_t u16(size_t off) const { return static_cast<uint16_t>(frame_[off] << 8 | frame_[off + 1]); }

 private:
  const uint8_t* frame_;
  size_t avail_;
};

bool is_vlan_tpid(uint16_t t) { return t == kEtherTypeVlan || t == kEtherTypeQinQ; }

bool has_ports(uint8_t proto) { return proto == kProtoTcp || proto == kProtoUdp || proto == kProtoSctp; }

bool is_ipv6_ext(uint8_t nh) {
  return nh == kIpv6HopByHop || nh == kIpv6Routing || nh == kIpv6Fragment || nh == kIpv6DestOpts;
}

// A status that takes the default action carries no key: every field but sg_id is zero.
ParseResult fail(ParseStatus s, uint8_t sg_id) {
  ParseResult r;
  r.key.sg_id = sg_id;
  r.status = s;
  return r;
}

void read_ports(const Window& w, size_t off, FlowKey& key) {
  key.src_port = w.u16(off);
  key.dst_port = w.u16(off + 2);
  key.l4_valid = true;
}

ParseResult parse_ipv4(const Window& w, size_t l3, uint8_t sg_id) {
  if (!w.has(l3, kIpv4MinHeaderBytes)) return fail(ParseStatus::kTruncated, sg_id);
  const unsigned version = w.u8(l3) >> 4;
  const size_t header_bytes = 4u * (w.u8(l3) & 0x0Fu);
  const size_t total_length = w.u16(l3 + 2);
  if (version != 4 || header_bytes < kIpv4MinHeaderBytes || total_length < header_bytes) {
    return fail(ParseStatus::kBadHeader, sg_id);
  }
  if (!w.has(l3, header_bytes)) return fail(ParseStatus::kTruncated, sg_id);

  ParseResult r;
  FlowKey& k = r.key;
  k.sg_id = sg_id;
  k.ip_valid = true;
  k.proto = w.u8(l3 + 9);
  for (size_t i = 0; i < 4; ++i) {
    k.src_addr[12 + i] = w.u8(l3 + 12 + i);
    k.dst_addr[12 + i] = w.u8(l3 + 16 + i);
  }
  const bool more_fragments = (w.u8(l3 + 6) & 0x20) != 0;
  const unsigned frag_offset = w.u16(l3 + 6) & 0x1FFFu;
  k.is_frag = more_fragments || frag_offset != 0;
  if (!k.is_frag && has_ports(k.proto)) {
    const size_t l4 = l3 + header_bytes;
    // An IPv4 header ends at most 22 + 60 bytes in: its ports always lie inside the window.
    if (!w.has(l4, kPortBytes)) return fail(ParseStatus::kTruncated, sg_id);
    read_ports(w, l4, k);
  }
  return r;
}

ParseResult parse_ipv6(const Window& w, size_t l3, uint8_t sg_id) {
  if (!w.has(l3, kIpv6HeaderBytes)) return fail(ParseStatus::kTruncated, sg_id);
  if ((w.u8(l3) >> 4) != 6) return fail(ParseStatus::kBadHeader, sg_id);

  ParseResult r;
  FlowKey& k = r.key;
  k.sg_id = sg_id;
  k.ip_valid = true;
  k.is_ipv6 = true;
  for (size_t i = 0; i < 16; ++i) {
    k.src_addr[i] = w.u8(l3 + 8 + i);
    k.dst_addr[i] = w.u8(l3 + 24 + i);
  }
  uint8_t nh = w.u8(l3 + 6);
  size_t off = l3 + kIpv6HeaderBytes;

  // ext-limit keeps the addresses, with PROTO = the next header where parsing stopped.
  auto stop = [&](ParseStatus s) {
    if (status_takes_default(s)) return fail(s, sg_id);
    k.proto = nh;
    r.status = s;
    return r;
  };

  for (int i = 0; i < kParserMaxIpv6ExtHeaders && is_ipv6_ext(nh); ++i) {
    if (!w.has(off, kIpv6ExtMinBytes)) return stop(w.missing());
    if (nh == kIpv6Fragment) {
      const unsigned frag_offset = w.u16(off + 2) >> 3;
      const bool more_fragments = (w.u8(off + 3) & 0x01) != 0;
      if (frag_offset != 0 || more_fragments) {
        // A real fragment: what follows the Fragment header is fragment data (for a non-first
        // fragment) or may be, so the chain ends here with the Fragment header's Next Header as
        // PROTO, the same for every fragment of a datagram. No ports (L4_VALID is never set for
        // fragments).
        k.is_frag = true;
        nh = w.u8(off);
        return stop(ParseStatus::kOk);
      }
      nh = w.u8(off);  // atomic fragment: skipped like any other extension header
      off += kIpv6ExtMinBytes;
    } else {
      const size_t ext_bytes = 8u * (w.u8(off + 1) + 1u);
      nh = w.u8(off);
      off += ext_bytes;
    }
  }
  if (is_ipv6_ext(nh)) return stop(ParseStatus::kExtLimit);  // a fifth extension header
  if (has_ports(nh)) {
    if (!w.has(off, kPortBytes)) return stop(w.missing());
    read_ports(w, off, k);
  }
  return stop(ParseStatus::kOk);  // AH, ESP, No Next Header, ICMPv6...: no ports
}

}  // namespace

ParseResult parse_frame(const uint8_t* frame, size_t len, uint8_t sg_id) {
  const Window w(frame, len);
  if (!w.has(0, kEthHeaderBytes)) return fail(ParseStatus::kTruncated, sg_id);
  size_t type_off = 12;
  uint16_t ether_type = w.u16(type_off);
  for (int tags = 0; is_vlan_tpid(ether_type); ++tags) {
    if (tags == kParserMaxVlanTags) return fail(ParseStatus::kNonIp, sg_id);  // a third tag
    type_off += kVlanTagBytes;
    if (!w.has(type_off, 2)) return fail(ParseStatus::kTruncated, sg_id);
    ether_type = w.u16(type_off);
  }
  const size_t l3 = type_off + 2;
  if (ether_type == kEtherTypeIpv4) return parse_ipv4(w, l3, sg_id);
  if (ether_type == kEtherTypeIpv6) return parse_ipv6(w, l3, sg_id);
  return fail(ParseStatus::kNonIp, sg_id);
}

const char* parse_status_name(ParseStatus s) {
  switch (s) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kNonIp:
      return "non-ip";
    case ParseStatus::kTruncated:
      return "truncated";
    case ParseStatus::kBadHeader:
      return "bad-header";
    case ParseStatus::kExtLimit:
      return "ext-limit";
  }
  return "invalid";
}

}  // namespace conductor
