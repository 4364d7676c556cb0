// Test helpers shared by the sync_decoder unit tests, co-simulation, fuzz target and benchmark: a
// standard configuration (and the host codec's Membership and KeyRing for the same identity), frames
// built by host/sync's encode_udp_packet, the op a host Record must become, and the host codec's
// reject reason as the decoder's Reject.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "hls/sync_decoder/sync_decoder_model.hpp"
#include "host/sync/codec.hpp"

namespace conductor::sync_decoder::testing {

// The kernel's checks are the host codec's (one list, hls/common/hypersync_wire.hpp), one counter each.
static_assert(kRejects == sync::kSyncRxErrorCount, "one NOT_SYNC..RECORD_COUNT_MISMATCH counter per §8 check");
inline Reject from_host(sync::SyncRxError e) { return e; }

inline constexpr uint8_t kSelf = sync::member_byte(4, 0);
inline constexpr uint8_t kPeer = sync::member_byte(3, 0);
inline constexpr uint8_t kRemotePeer = sync::member_byte(9, 1);

inline sync::SipKey slot_key(unsigned slot) {
  sync::SipKey k{};
  for (unsigned i = 0; i < 16; ++i) k[i] = static_cast<uint8_t>(0xA0 + 7 * i + 31 * slot);
  return k;
}

// Cluster 0x0C1A, we are member 4 of site 0; members 3 and 4 of site 0 and 9 of site 1; keys in
// slots 0 and 2 (1 and 3 empty).
inline SyncDecoderConfig standard_config() {
  SyncDecoderConfig c;
  c.cluster_id = 0x0C1A;
  c.self = kSelf;
  for (uint8_t m : {kSelf, kPeer, kRemotePeer}) c.add_member(m);
  for (unsigned s : {0u, 2u}) {
    c.keys[s].valid = true;
    c.keys[s].key = slot_key(s);
  }
  return c;
}

inline sync::Membership membership(const SyncDecoderConfig& c) {
  sync::Membership m;
  m.cluster_id = c.cluster_id;
  m.self = c.self;
  for (unsigned b = 0; b < 128; ++b)
    if (c.is_member(static_cast<uint8_t>(b))) m.add(static_cast<uint8_t>(b));
  return m;
}

inline sync::KeyRing key_ring(const SyncDecoderConfig& c) {
  sync::KeyRing k;
  for (unsigned s = 0; s < kKeySlots; ++s)
    if (c.keys[s].valid) k.slots[s].emplace(c.keys[s].key);
  return k;
}

inline sync::UdpEncap encap() {
  sync::UdpEncap e;
  e.dst_mac = {0x02, 0xC0, 0xFF, 0xEE, 0x01, 0x00};
  e.src_mac = {0x02, 0xC0, 0xFF, 0xEE, 0x00, 0x03};
  e.src_ip = {198, 18, 0, 3};
  e.dst_ip = {198, 18, 0, 4};
  return e;
}

inline sync::FrameHeader header(uint8_t source, uint8_t dest, uint32_t epoch, uint32_t seq, uint8_t key_number = 0) {
  sync::FrameHeader h;
  h.cluster_id = 0x0C1A;
  h.source = source;
  h.destination = dest;
  h.epoch = epoch;
  h.sequence = seq;
  h.key_number = key_number;
  return h;
}

inline std::vector<uint8_t> udp_frame(const sync::FrameHeader& h, const std::vector<sync::Record>& records,
                                      const sync::SipKey& key) {
  auto f = sync::encode_udp_packet(h, records, key, encap());
  return f ? *f : std::vector<uint8_t>{};
}

// The UDP payload of an IPv4 frame (up to the IP total length: Ethernet padding is not payload).
inline std::vector<uint8_t> payload(const std::vector<uint8_t>& frame) {
  if (frame.size() <= kPayloadAt) return {};
  const size_t end = std::min(frame.size(), size_t{14} + ((size_t{frame[16]} << 8) | frame[17]));
  return end > kPayloadAt ? std::vector<uint8_t>(frame.begin() + kPayloadAt, frame.begin() + end)
                          : std::vector<uint8_t>{};
}

// A random flow record (about 1 in 4 IPv6; NEW, UPDATE or DELETE).
inline sync::Record random_flow_record(std::mt19937_64& rng) {
  std::array<uint8_t, 16> a{}, b{};
  const bool v6 = rng() % 4 == 0;
  for (unsigned i = 0; i < (v6 ? 16u : 4u); ++i) {
    a[i] = static_cast<uint8_t>(rng());
    b[i] = static_cast<uint8_t>(rng());
  }
  const auto ap = static_cast<uint16_t>(rng()), bp = static_cast<uint16_t>(rng());
  const uint8_t proto = rng() % 2 ? 6 : 17, sg = static_cast<uint8_t>(rng());
  sync::FlowKey k = v6 ? sync::key_v6(a, b, ap, bp, proto, sg) : sync::FlowKey{};
  if (!v6) {
    k.a_addr = a;
    k.b_addr = b;
    k.a_port = ap, k.b_port = bp, k.proto = proto, k.sg_id = sg;
  }
  switch (rng() % 3) {
    case 0:
      return sync::new_record(k, rng());
    case 1:
      return sync::update_record(k, rng());
    default:
      return sync::delete_record(k);
  }
}

// Any record: flow records mostly, control records, skippable unknown types, minor extensions.
inline sync::Record random_record(std::mt19937_64& rng) {
  const unsigned kind = rng() % 100;
  sync::Record r;
  if (kind < 80) {
    r = random_flow_record(rng);
  } else if (kind < 84) {
    r = sync::full_sync_begin(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
  } else if (kind < 86) {
    r = sync::full_sync_end(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
  } else if (kind < 89) {
    r = sync::ack_record(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
  } else if (kind < 91) {
    r = sync::nack_record(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
  } else if (kind < 94) {
    r = sync::heartbeat_record(static_cast<uint32_t>(rng()));
  } else {
    r.type = static_cast<sync::RecordType>(0x50 + rng() % 0x2F);  // unknown, bit 7 clear: skipped
  }
  if (rng() % 10 == 0) r.extension.resize(rng() % 40, static_cast<uint8_t>(rng()));  // a later minor's fields
  return r;
}

// The op a decoded flow record must become (TAG as SyncDecoderCore documents).
inline OpWord expected_op(const sync::Record& r, uint8_t source, bool full_sync, bool broadcast) {
  std::vector<uint8_t> bytes = {static_cast<uint8_t>(r.type), 0};
  const unsigned n = r.key.is_ipv6 ? 16 : 4;
  bytes.insert(bytes.end(), r.key.a_addr.begin(), r.key.a_addr.begin() + n);
  bytes.insert(bytes.end(), r.key.b_addr.begin(), r.key.b_addr.begin() + n);
  for (uint16_t p : {r.key.a_port, r.key.b_port}) {
    bytes.push_back(static_cast<uint8_t>(p >> 8));
    bytes.push_back(static_cast<uint8_t>(p));
  }
  bytes.push_back(r.key.proto);
  bytes.push_back(r.key.sg_id);
  for (int i = 7; i >= 0; --i) bytes.push_back(static_cast<uint8_t>(r.value >> (8 * i)));
  const uint32_t tag = source | (full_sync ? 1u << kTagFullSyncBit : 0u) | (broadcast ? 1u << kTagBroadcastBit : 0u);
  return make_op(bytes.data(), tag);
}

}  // namespace conductor::sync_decoder::testing

namespace conductor::sync_decoder::testing {

// Ethernet II + IPv4 (IHL 5, DF) + UDP 8116 around any payload, lengths consistent, checksums zero
// (the decoder checks neither).
inline std::vector<uint8_t> wrap(const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> f(kPayloadAt, 0);
  const auto e = encap();
  std::copy(e.dst_mac.begin(), e.dst_mac.end(), f.begin());
  std::copy(e.src_mac.begin(), e.src_mac.end(), f.begin() + 6);
  f[12] = 0x08;
  f[14] = 0x45;
  const size_t ip_total = 28 + payload.size();
  f[16] = static_cast<uint8_t>(ip_total >> 8);
  f[17] = static_cast<uint8_t>(ip_total);
  f[20] = 0x40;
  f[22] = 64;
  f[23] = 17;
  std::copy(e.src_ip.begin(), e.src_ip.begin() + 4, f.begin() + 26);
  std::copy(e.dst_ip.begin(), e.dst_ip.begin() + 4, f.begin() + 30);
  f[34] = f[36] = static_cast<uint8_t>(sync::kUdpPort >> 8);
  f[35] = f[37] = static_cast<uint8_t>(sync::kUdpPort);
  f[38] = static_cast<uint8_t>((ip_total - 20) >> 8);
  f[39] = static_cast<uint8_t>(ip_total - 20);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// A payload with its tag recomputed with `key` (so that a mutated payload reaches the later checks).
inline void resign(std::vector<uint8_t>& payload, const sync::SipKey& key) {
  if (payload.size() < sync::kTagBytes) return;
  const size_t at = payload.size() - sync::kTagBytes;
  const auto tag = sync::siphash24_bytes(key, payload.data(), at);
  std::copy(tag.begin(), tag.end(), payload.begin() + at);
}

// A random mutation of a valid payload: byte flips, a cut, an extension, a changed header field, a
// bad record; about half re-signed with the slot's key so that the record walk is reached.
inline std::vector<uint8_t> mutate(std::vector<uint8_t> p, std::mt19937_64& rng) {
  switch (rng() % 7) {
    case 0:
      for (unsigned i = 0, n = 1 + rng() % 3; i < n && !p.empty(); ++i) p[rng() % p.size()] ^= 1u << (rng() % 8);
      break;
    case 1:
      p.resize(rng() % (p.size() + 1));
      break;
    case 2:
      for (unsigned i = 0, n = 1 + rng() % 20; i < n; ++i) p.push_back(static_cast<uint8_t>(rng()));
      break;
    case 3:  // a header byte before the epoch
      if (p.size() > 8) p[rng() % 8] = static_cast<uint8_t>(rng());
      break;
    case 4:  // the record count or records bytes
      if (p.size() > 20) p[16 + rng() % 4] += static_cast<uint8_t>(1 + rng() % 3);
      break;
    case 5:  // a record's type or length byte (the first record's, or any byte of the records)
      if (p.size() > 30) p[20 + (rng() % 2 ? rng() % 2 : rng() % (p.size() - 28))] = static_cast<uint8_t>(rng());
      break;
    default:  // an unknown must-understand type
      if (p.size() > 30) p[20] = static_cast<uint8_t>(0x80 | rng());
      break;
  }
  if (rng() % 2 && p.size() >= sync::kFrameOverheadBytes) {
    const unsigned slot = p[sync::kOffFlags] >> sync::kKeyNumberShift;
    resign(p, slot_key(slot));
  }
  return p;
}

}  // namespace conductor::sync_decoder::testing
