// Shared fixtures for the HyperSync tests, the corpus generator and the benchmark: one sample record of
// every type (IPv4 and IPv6) and a sender/receiver pair in the fuzz cluster.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "host/sync/codec.hpp"
#include "tests/sync/sync_fuzz_input.hpp"

namespace conductor::sync::test {

inline FlowKey sample_key_v4(uint32_t i = 0) {
  // 198.18.0.1:40000+i <-> 198.19.0.1:443, TCP, security group 3 (canonical order: lower address first).
  return key_v4(0xC6120001u + i, 0xC6130001u, static_cast<uint16_t>(40000 + i), 443, 6, 3);
}

inline FlowKey sample_key_v6(uint32_t i = 0) {
  std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::array<uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  b[12] = static_cast<uint8_t>(i >> 8);  // 2001:db8::1 <-> 2001:db8::<i>:0:2 (A stays the lower endpoint)
  b[13] = static_cast<uint8_t>(i);
  return key_v6(a, b, static_cast<uint16_t>(50000 + i), 53, 17, 4);
}

inline uint64_t sample_value(uint32_t last_seen = 123456) {
  FlowValueFields f;
  f.owner_member = 2, f.owner_site = 0;
  f.lb_member = 3, f.lb_valid = 1;
  f.rb_member = 4, f.rb_site = 1, f.rb_valid = 1;
  f.state = 1, f.sync_flags = 0x05;
  f.last_seen = last_seen;
  return pack_flow_value(f);
}

// One record of every v1.0 type.
inline std::vector<Record> every_record_type() {
  return {
      new_record(sample_key_v4(), sample_value()),
      update_record(sample_key_v4(1), sample_value(777)),
      delete_record(sample_key_v4(2)),
      new_record(sample_key_v6(), sample_value()),
      update_record(sample_key_v6(1), sample_value(99)),
      delete_record(sample_key_v6(2)),
      full_sync_begin(0xABCD0001u, 1000),
      full_sync_end(0xABCD0001u, 998),
      ack_record(5, 10, 20),
      nack_record(5, 21, 23),
      heartbeat_record(42),
  };
}

// A frame from member 2 site 0 to the fuzz receiver (member 1 site 0, cluster 7).
inline FrameHeader sample_header(uint32_t sequence = 1, uint32_t epoch = 1) {
  FrameHeader h;
  h.cluster_id = fuzz::kFuzzCluster;
  h.source = member_byte(2, 0);
  h.destination = member_byte(1, 0);
  h.epoch = epoch;
  h.sequence = sequence;
  return h;
}

}  // namespace conductor::sync::test
