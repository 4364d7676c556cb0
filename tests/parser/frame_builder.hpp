// Builds Ethernet frames for the parser tests, the parser co-simulation and the fuzz seed corpus.
// Header fields are written exactly as given (nothing is "fixed up"), so a test can build a bad
// header as easily as a good one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "common/flow_key.hpp"

namespace conductor::test {

using Bytes = std::vector<uint8_t>;
using Ip6Addr = std::array<uint8_t, 16>;

struct Ipv4Header {
  std::array<uint8_t, 4> src{198, 18, 0, 1};
  std::array<uint8_t, 4> dst{198, 19, 255, 254};
  uint8_t proto = kProtoTcp;
  uint8_t version = 4;
  uint8_t ihl = 5;        // 32-bit words; options bytes (4 * ihl - 20) are written as 0x01 (NOP)
  int total_length = -1;  // -1: 4 * ihl + 40
  bool more_fragments = false;
  bool dont_fragment = false;
  uint16_t frag_offset = 0;  // 13 bits, in 8-byte units
  uint8_t ttl = 64;
};

struct Ipv6Header {
  Ip6Addr src{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  Ip6Addr dst{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
  uint8_t next_header = kProtoTcp;
  uint8_t version = 6;
  uint16_t payload_length = 40;
};

class FrameBuilder {
 public:
  // Destination and source MAC, then `ether_type` (the caller adds tags before it with vlan()).
  FrameBuilder& macs() {
    for (int i = 0; i < 6; ++i) b_.push_back(static_cast<uint8_t>(0x02 + i));
    for (int i = 0; i < 6; ++i) b_.push_back(static_cast<uint8_t>(0x12 + i));
    return *this;
  }
  FrameBuilder& u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  FrameBuilder& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  FrameBuilder& bytes(std::initializer_list<uint8_t> v) {
    b_.insert(b_.end(), v);
    return *this;
  }
  FrameBuilder& fill(size_t n, uint8_t v) {
    b_.insert(b_.end(), n, v);
    return *this;
  }
  // A VLAN tag: TPID then TCI.
  FrameBuilder& vlan(uint16_t tpid, uint16_t tci = 100) { return u16(tpid).u16(tci); }
  // MACs, `tags` VLAN tags (0x88A8 outer, 0x8100 inner, as in QinQ), then the EtherType.
  FrameBuilder& ethernet(uint16_t ether_type, int tags = 0) {
    macs();
    for (int t = 0; t < tags; ++t) vlan(t + 1 < tags ? 0x88A8 : 0x8100, static_cast<uint16_t>(100 + t));
    return u16(ether_type);
  }

  FrameBuilder& ipv4(const Ipv4Header& h) {
    u8(static_cast<uint8_t>(h.version << 4 | (h.ihl & 0x0F))).u8(0);
    u16(static_cast<uint16_t>(h.total_length >= 0 ? h.total_length : 4 * h.ihl + 40));
    u16(0x1234);  // identification
    u16(static_cast<uint16_t>((h.dont_fragment ? 0x4000 : 0) | (h.more_fragments ? 0x2000 : 0) |
                              (h.frag_offset & 0x1FFF)));
    u8(h.ttl).u8(h.proto).u16(0xBEEF);  // checksum: not checked by the parser
    b_.insert(b_.end(), h.src.begin(), h.src.end());
    b_.insert(b_.end(), h.dst.begin(), h.dst.end());
    if (h.ihl > 5) fill(4u * h.ihl - 20, 0x01);
    return *this;
  }

  FrameBuilder& ipv6(const Ipv6Header& h) {
    u8(static_cast<uint8_t>(h.version << 4)).u8(0).u16(0x0abc);  // traffic class, flow label
    u16(h.payload_length).u8(h.next_header).u8(64);
    b_.insert(b_.end(), h.src.begin(), h.src.end());
    b_.insert(b_.end(), h.dst.begin(), h.dst.end());
    return *this;
  }
  // Hop-by-Hop / Routing / Destination Options style header: 8 * (hdr_ext_len + 1) bytes.
  FrameBuilder& ext6(uint8_t next_header, uint8_t hdr_ext_len = 0) {
    u8(next_header).u8(hdr_ext_len);
    return fill(8u * (hdr_ext_len + 1u) - 2u, 0x00);
  }
  // Fragment header: 8 bytes.
  FrameBuilder& frag6(uint8_t next_header, uint16_t offset, bool more) {
    u8(next_header).u8(0);
    u16(static_cast<uint16_t>((offset & 0x1FFF) << 3 | (more ? 1 : 0)));
    return u16(0xCAFE).u16(0xF00D);  // identification
  }
  // TCP (20 bytes), UDP (8) or SCTP (12) header: ports first, the rest filler.
  FrameBuilder& l4(uint8_t proto, uint16_t sport, uint16_t dport) {
    u16(sport).u16(dport);
    const size_t rest = proto == kProtoTcp ? 16 : proto == kProtoUdp ? 4 : 8;
    return fill(rest, 0x5A);
  }
  FrameBuilder& payload(size_t n) {
    for (size_t i = 0; i < n; ++i) b_.push_back(static_cast<uint8_t>(0xA0 + i));
    return *this;
  }
  // Pads with zero bytes up to `n` bytes (Ethernet minimum size is 60 without the FCS).
  FrameBuilder& pad_to(size_t n) {
    if (b_.size() < n) b_.resize(n, 0);
    return *this;
  }

  size_t size() const { return b_.size(); }
  const Bytes& bytes() const { return b_; }
  Bytes build() const { return b_; }

 private:
  Bytes b_;
};

// Expected keys.
inline FlowKey ipv4_key(const Ipv4Header& h, uint8_t sg_id, bool l4_valid = false, uint16_t sport = 0,
                        uint16_t dport = 0) {
  FlowKey k;
  for (int i = 0; i < 4; ++i) {
    k.src_addr[12 + i] = h.src[i];
    k.dst_addr[12 + i] = h.dst[i];
  }
  k.proto = h.proto;
  k.is_frag = h.more_fragments || h.frag_offset != 0;
  k.l4_valid = l4_valid;
  k.src_port = sport;
  k.dst_port = dport;
  k.ip_valid = true;
  k.sg_id = sg_id;
  return k;
}

inline FlowKey ipv6_key(const Ipv6Header& h, uint8_t proto, uint8_t sg_id, bool l4_valid = false, uint16_t sport = 0,
                        uint16_t dport = 0, bool is_frag = false) {
  FlowKey k;
  k.src_addr = h.src;
  k.dst_addr = h.dst;
  k.proto = proto;
  k.is_ipv6 = true;
  k.is_frag = is_frag;
  k.l4_valid = l4_valid;
  k.src_port = sport;
  k.dst_port = dport;
  k.ip_valid = true;
  k.sg_id = sg_id;
  return k;
}

inline FlowKey empty_key(uint8_t sg_id) {
  FlowKey k;
  k.sg_id = sg_id;
  return k;
}

}  // namespace conductor::test
