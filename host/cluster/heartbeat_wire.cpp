#include "host/cluster/heartbeat_wire.hpp"

#include <cstdio>

#include "host/cluster/wire_bytes.hpp"

namespace conductor::cluster {

namespace {

using wire::get16;
using wire::get32;
using wire::get64;
using wire::put16;
using wire::put32;
using wire::put64;

HeartbeatError reject(HeartbeatReject r, std::string msg) {
  return HeartbeatError{r, "heartbeat rejected (" + std::string(heartbeat_reject_name(r)) + "): " + msg};
}

}  // namespace

std::string_view heartbeat_reject_name(HeartbeatReject r) {
  switch (r) {
    case HeartbeatReject::kLength:
      return "length";
    case HeartbeatReject::kMagic:
      return "magic";
    case HeartbeatReject::kVersion:
      return "version";
    case HeartbeatReject::kType:
      return "type";
    case HeartbeatReject::kMember:
      return "member";
    case HeartbeatReject::kFlags:
      return "flags";
    case HeartbeatReject::kCpu:
      return "cpu";
    case HeartbeatReject::kReserved:
      return "reserved";
    case HeartbeatReject::kTag:
      return "tag";
  }
  return "unknown";
}

std::array<uint8_t, kHeartbeatBytes> encode_heartbeat(const Heartbeat& hb, const sync::SipKey& key) {
  std::array<uint8_t, kHeartbeatBytes> b{};
  put16(&b[0], kHeartbeatMagic);
  b[2] = kHeartbeatVersion;
  b[3] = kHeartbeatTypeLoad;
  b[4] = hb.member.site;
  b[5] = hb.member.member;
  put16(&b[6], hb.flags);
  put32(&b[8], hb.incarnation);
  put32(&b[12], hb.sequence);
  put16(&b[16], hb.load.cpu_centipercent);
  put16(&b[18], 0);
  put32(&b[20], hb.load.connections);
  put64(&b[24], hb.load.bps);
  wire::put_tag(b.data(), kHeartbeatTagOffset, key);
  return b;
}

HeartbeatDecodeResult decode_heartbeat(std::span<const uint8_t> bytes, const sync::SipKey& key) {
  char buf[160];
  if (bytes.size() != kHeartbeatBytes) {
    std::snprintf(buf, sizeof buf, "%zu bytes, a v1 heartbeat is exactly %zu", bytes.size(), kHeartbeatBytes);
    return reject(HeartbeatReject::kLength, buf);
  }
  const uint8_t* p = bytes.data();
  if (get16(p) != kHeartbeatMagic) {
    std::snprintf(buf, sizeof buf, "magic 0x%04x, expected 0x%04x", get16(p), kHeartbeatMagic);
    return reject(HeartbeatReject::kMagic, buf);
  }
  if (p[2] != kHeartbeatVersion) {
    std::snprintf(buf, sizeof buf, "version %u, this build reads version %u", p[2], kHeartbeatVersion);
    return reject(HeartbeatReject::kVersion, buf);
  }
  if (p[3] != kHeartbeatTypeLoad) {
    std::snprintf(buf, sizeof buf, "type %u, known: 1 (heartbeat with load)", p[3]);
    return reject(HeartbeatReject::kType, buf);
  }
  Heartbeat hb;
  hb.member = MemberId{p[4], p[5]};
  if (!hb.member.in_range()) {
    std::snprintf(buf, sizeof buf, "member %u/%u out of range (site 0..%u, member 0..%u)", p[4], p[5], kMaxSites - 1,
                  kMaxMembersPerSite - 1);
    return reject(HeartbeatReject::kMember, buf);
  }
  hb.flags = get16(p + 6);
  if (hb.flags & ~kKnownFlags) {
    std::snprintf(buf, sizeof buf, "flags 0x%04x has unknown bits 0x%04x", hb.flags, hb.flags & ~kKnownFlags);
    return reject(HeartbeatReject::kFlags, buf);
  }
  hb.incarnation = get32(p + 8);
  hb.sequence = get32(p + 12);
  hb.load.cpu_centipercent = get16(p + 16);
  if (hb.load.cpu_centipercent > kMaxCpuCentiPercent) {
    std::snprintf(buf, sizeof buf, "cpu %u.%02u%% above 100%%", hb.load.cpu_centipercent / 100,
                  hb.load.cpu_centipercent % 100);
    return reject(HeartbeatReject::kCpu, buf);
  }
  if (get16(p + 18) != 0) {
    std::snprintf(buf, sizeof buf, "reserved bytes 18..19 are 0x%04x, must be zero", get16(p + 18));
    return reject(HeartbeatReject::kReserved, buf);
  }
  hb.load.connections = get32(p + 20);
  hb.load.bps = get64(p + 24);
  if (!wire::tag_matches(p, kHeartbeatTagOffset, key)) {
    std::snprintf(buf, sizeof buf, "tag does not match the [sync] key (from member %u/%u, sequence %u)", hb.member.site,
                  hb.member.member, hb.sequence);
    return reject(HeartbeatReject::kTag, buf);
  }
  return hb;
}

}  // namespace conductor::cluster
