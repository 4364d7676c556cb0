// Test helpers shared by the sync_encoder unit tests, co-simulation and benchmark: a standard
// configuration, random records, and the host codec's view of a model record (host/sync Record,
// UdpEncap), so frames can be checked against encode_udp_packet and decode_frame.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "hls/sync_encoder/sync_encoder_model.hpp"
#include "host/sync/codec.hpp"

namespace conductor::sync_encoder::testing {

inline SyncEncoderConfig standard_config() {
  SyncEncoderConfig c;
  c.key_number = 2;
  c.cluster_id = 0x0C1A;
  c.source = sync::member_byte(3, 0);
  c.epoch = 0x5EED0001;
  c.mtu = 1500;
  c.flush_cycles = 400;
  for (unsigned i = 0; i < 16; ++i) c.key[i] = static_cast<uint8_t>(0xA0 + 7 * i);
  c.src_mac = 0x02C0FFEE0003ULL;
  c.src_ip = 0xC6120003;  // 198.18.0.3
  const uint8_t members[kDestSlots] = {sync::member_byte(4, 0), sync::member_byte(9, 1), sync::kBroadcast,
                                       sync::member_byte(5, 0)};
  for (unsigned i = 0; i < kDestSlots; ++i) {
    c.dest[i].valid = i < 3;
    c.dest[i].member = members[i];
    c.dest[i].mac = 0x02C0FFEE0100ULL + i;
    c.dest[i].ip = 0xC6120010 + i;
  }
  c.dest[2].mac = 0x01005E000074ULL;  // broadcast slot: an IPv4 multicast group
  c.dest[2].ip = 0xEF000074;
  c.delay_default = 3000;
  c.delay[0] = {true, 53, 17, 0};      // DNS over UDP: never delayed
  c.delay[1] = {true, 443, 0, 10000};  // HTTPS: 10 s
  return c;
}

inline sync::SipKey sip_key(const SyncEncoderConfig& c) { return c.key; }

inline std::array<uint8_t, 6> mac_bytes(uint64_t m) {
  std::array<uint8_t, 6> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(m >> (8 * (5 - i)));
  return b;
}
inline std::array<uint8_t, 16> ip_bytes(uint32_t ip) {
  return {static_cast<uint8_t>(ip >> 24), static_cast<uint8_t>(ip >> 16), static_cast<uint8_t>(ip >> 8),
          static_cast<uint8_t>(ip)};
}

inline sync::UdpEncap encap(const SyncEncoderConfig& c, unsigned slot) {
  sync::UdpEncap e;
  e.dst_mac = mac_bytes(c.dest[slot].mac);
  e.src_mac = mac_bytes(c.src_mac);
  e.src_ip = ip_bytes(c.src_ip);
  e.dst_ip = ip_bytes(c.dest[slot].ip);
  e.src_port = c.src_port;
  e.dst_port = c.dst_port;
  e.ttl = c.ttl;
  e.dscp = c.dscp;
  e.ip_id = 0;
  return e;
}

inline sync::FrameHeader header(const SyncEncoderConfig& c, unsigned slot, uint32_t seq) {
  sync::FrameHeader h;
  h.key_number = c.key_number;
  h.cluster_id = c.cluster_id;
  h.source = c.source;
  h.destination = c.dest[slot].member;
  h.epoch = c.epoch;
  h.sequence = seq;
  return h;
}

inline sync::Record host_record(const SyncRecord& r) {
  sync::FlowKey k;
  k.is_ipv6 = r.ipv6;
  k.a_addr = r.a_addr;
  k.b_addr = r.b_addr;
  k.a_port = r.a_port;
  k.b_port = r.b_port;
  k.proto = r.proto;
  k.sg_id = r.sg_id;
  if (r.op == Op::kDelete) return sync::delete_record(k);
  if (r.op == Op::kUpdate) return sync::update_record(k, r.value);
  return sync::new_record(k, r.value);
}

// A random, mature record for destination slot `slot` of c (about 1 in 4 IPv6).
inline SyncRecord random_record(std::mt19937_64& rng, const SyncEncoderConfig& c, unsigned slot) {
  SyncRecord r;
  r.op = static_cast<Op>(1 + rng() % 3);
  r.ipv6 = rng() % 4 == 0;
  for (auto& b : r.a_addr) b = static_cast<uint8_t>(rng());
  for (auto& b : r.b_addr) b = static_cast<uint8_t>(rng());
  if (!r.ipv6)
    for (unsigned i = 4; i < 16; ++i) r.a_addr[i] = r.b_addr[i] = 0;
  r.a_port = static_cast<uint16_t>(1024 + rng() % 60000);
  r.b_port = static_cast<uint16_t>(rng() % 3 == 0 ? 443 : 1024 + rng() % 60000);
  r.proto = rng() % 2 ? 6 : 17;
  r.sg_id = static_cast<uint8_t>(rng());
  r.value = rng();
  r.dest = c.dest[slot].member;
  r.now = static_cast<uint32_t>(rng());
  r.created = r.now - 20000 - static_cast<uint32_t>(rng() % 100000);
  return r;
}

}  // namespace conductor::sync_encoder::testing
