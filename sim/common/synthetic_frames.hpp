// Deterministic synthetic Ethernet frames for benches below host/ (sim/systemc), from a seed: IPv4
// and IPv6, TCP and UDP, none or one 802.1Q tag, between `flows` client/server pairs in the RFC 2544
// / RFC 5180 benchmarking ranges, either direction, 60..1514 bytes (Simple IMIX sizes or uniform).
// Lengths are consistent (the IP packet runs to the end of the frame); checksums are left zero, the
// core does not check them. host/traffic's generator is the full mix (fragments, extension headers,
// ARP, malformed frames, correct checksums) for the host programs and their tests; sim/ must not
// depend on host/, so this is its own small source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace conductor::sim {

struct SyntheticFrame {
  std::vector<uint8_t> bytes;  // destination MAC first, no FCS
  uint8_t sg_id = 0;           // security-group id for s_axis_tuser
};

class SyntheticFrameSource {
 public:
  SyntheticFrameSource(uint64_t seed, uint32_t flows) : state_(seed), flows_(flows == 0 ? 1 : flows) {}

  SyntheticFrame next() {
    const uint32_t flow = static_cast<uint32_t>(below(flows_));
    // A flow's kind and tagging are fixed by its index; the direction and size change per frame.
    const bool ipv6 = flow % 4 == 3;
    const bool udp = flow % 3 == 1;
    const bool vlan = flow % 8 == 5;
    const bool reply = below(2) == 1;
    const size_t l2 = vlan ? 18 : 14, l3 = ipv6 ? 40 : 20, l4 = udp ? 8 : 20;
    size_t size = frame_size();
    if (size < l2 + l3 + l4) size = l2 + l3 + l4;

    SyntheticFrame f;
    std::vector<uint8_t>& b = f.bytes;
    b.assign(size, 0);
    // Ethernet: 02:00:<flow> client, 02:01:<flow> server.
    const uint8_t client_mac[6] = {0x02, 0x00, 0, 0, uint8_t(flow >> 8), uint8_t(flow)};
    const uint8_t server_mac[6] = {0x02, 0x01, 0, 0, uint8_t(flow >> 8), uint8_t(flow)};
    for (int i = 0; i < 6; ++i) {
      b[i] = reply ? client_mac[i] : server_mac[i];
      b[6 + i] = reply ? server_mac[i] : client_mac[i];
    }
    size_t at = 12;
    if (vlan) at = put16(b, put16(b, at, 0x8100), 100 + flow % 3000);
    at = put16(b, at, ipv6 ? 0x86DD : 0x0800);

    const uint8_t proto = udp ? 17 : 6;
    const size_t ip_len = size - l2;
    const size_t src_at = ipv6 ? at + 8 : at + 12;
    if (ipv6) {
      b[at] = 0x60;
      put16(b, at + 4, static_cast<uint16_t>(ip_len - 40));
      b[at + 6] = proto;
      b[at + 7] = 64;
      // 2001:2:0:1::<flow> client, 2001:2:0:2::<flow> server.
      const uint8_t prefix[6] = {0x20, 0x01, 0x00, 0x02, 0x00, 0x00};
      for (int side = 0; side < 2; ++side) {
        uint8_t* a = &b[src_at + 16 * side];
        for (int i = 0; i < 6; ++i) a[i] = prefix[i];
        a[7] = uint8_t((side == 0) != reply ? 1 : 2);
        a[14] = uint8_t(flow >> 8);
        a[15] = uint8_t(flow);
      }
    } else {
      b[at] = 0x45;
      put16(b, at + 2, static_cast<uint16_t>(ip_len));
      b[at + 8] = 64;
      b[at + 9] = proto;
      // 198.18.x.y client, 198.19.x.y server.
      for (int side = 0; side < 2; ++side) {
        uint8_t* a = &b[src_at + 4 * side];
        a[0] = 198;
        a[1] = uint8_t((side == 0) != reply ? 18 : 19);
        a[2] = uint8_t(flow >> 8);
        a[3] = uint8_t(flow);
      }
    }
    at += l3;
    const uint16_t client_port = static_cast<uint16_t>(49152 + flow % 16384);
    const uint16_t server_port = udp ? 7777 : 443;
    put16(b, put16(b, at, reply ? server_port : client_port), reply ? client_port : server_port);
    if (udp) {
      put16(b, at + 4, static_cast<uint16_t>(ip_len - l3));
    } else {
      b[at + 12] = 0x50;  // data offset 5
      b[at + 13] = 0x18;  // PSH, ACK
    }
    for (size_t i = at + l4; i < size; ++i) b[i] = static_cast<uint8_t>(next_u64());
    return f;
  }

 private:
  static size_t put16(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    b[at] = uint8_t(v >> 8);
    b[at + 1] = uint8_t(v);
    return at + 2;
  }
  // Simple IMIX (60 / 590 / 1514 in 7:4:1) in 12 parts of 14, uniform 60..1514 in 2.
  size_t frame_size() {
    const uint64_t r = below(14);
    if (r < 7) return 60;
    if (r < 11) return 590;
    if (r < 12) return 1514;
    return 60 + below(1514 - 60 + 1);
  }
  uint64_t below(uint64_t n) { return next_u64() % n; }
  uint64_t next_u64() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  uint64_t state_;
  uint32_t flows_;
};

}  // namespace conductor::sim
