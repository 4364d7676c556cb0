// C++17 (Vitis HLS and SystemC translation units include it).
// Flow key, parse status and steering metadata: the plain C++ view of the words that cross between
// parser, dist_hash and the rest of the pipeline. Bit layouts of the packed forms are defined once in
// rtl/csr/conductor.regs (struct FLOW_KEY, DECISION, STEER_META) and generated into
// hls/common/gen/conductor_regs.hpp; pack/unpack live in hls/common/packing.hpp.
#pragma once

#include <array>
#include <cstdint>

#include "common/gen/conductor_regs.hpp"

namespace conductor {

// Parse status: STEER_META.STATUS (rtl/csr/conductor.regs).
using ParseStatus = regs::SteerMetaStatus;

constexpr bool status_takes_default(ParseStatus s) {
  return s == ParseStatus::kNonIp || s == ParseStatus::kTruncated || s == ParseStatus::kBadHeader;
}

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoSctp = 132;
constexpr uint8_t kProtoIcmpV6 = 58;

// Addresses are 16-byte big-endian integers: an IPv4 address sits in bytes 12..15 (first octet in
// byte 12), bytes 0..11 zero. When ip_valid is false every field but sg_id is zero.
struct FlowKey {
  std::array<uint8_t, 16> src_addr{};
  std::array<uint8_t, 16> dst_addr{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t proto = 0;
  bool is_ipv6 = false;
  bool is_frag = false;
  bool l4_valid = false;
  bool ip_valid = false;
  uint8_t sg_id = 0;

  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return a.src_addr == b.src_addr && a.dst_addr == b.dst_addr && a.src_port == b.src_port &&
           a.dst_port == b.dst_port && a.proto == b.proto && a.is_ipv6 == b.is_ipv6 && a.is_frag == b.is_frag &&
           a.l4_valid == b.l4_valid && a.ip_valid == b.ip_valid && a.sg_id == b.sg_id;
  }
  friend bool operator!=(const FlowKey& a, const FlowKey& b) { return !(a == b); }
};

// dist_hash output (DECISION).
struct Decision {
  uint32_t hash = 0;
  uint16_t bucket = 0;
  uint8_t member = 0;  // 6 bits
  uint8_t site = 0;    // 1 bit
  bool valid = false;
  uint8_t sg_id = 0;

  friend bool operator==(const Decision& a, const Decision& b) {
    return a.hash == b.hash && a.bucket == b.bucket && a.member == b.member && a.site == b.site && a.valid == b.valid &&
           a.sg_id == b.sg_id;
  }
  friend bool operator!=(const Decision& a, const Decision& b) { return !(a == b); }
};

// conductor_core output sideband (STEER_META), identical on every beat of a frame.
struct SteerMeta {
  uint32_t hash = 0;
  uint16_t bucket = 0;
  uint8_t member = 0;
  uint8_t site = 0;
  bool deliver = false;
  ParseStatus status = ParseStatus::kOk;
  bool defaulted = false;

  friend bool operator==(const SteerMeta& a, const SteerMeta& b) {
    return a.hash == b.hash && a.bucket == b.bucket && a.member == b.member && a.site == b.site &&
           a.deliver == b.deliver && a.status == b.status && a.defaulted == b.defaulted;
  }
  friend bool operator!=(const SteerMeta& a, const SteerMeta& b) { return !(a == b); }
};

}  // namespace conductor
