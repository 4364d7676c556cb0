#include "host/cluster/sync_report_wire.hpp"

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

SyncReportError reject(SyncReportReject r, const char* msg) {
  return SyncReportError{r, "sync report rejected (" + std::string(sync_report_reject_name(r)) + "): " + msg};
}

uint16_t order(MemberId m) { return static_cast<uint16_t>(m.site << 8 | m.member); }

}  // namespace

std::string_view sync_report_reject_name(SyncReportReject r) {
  switch (r) {
    case SyncReportReject::kLength:
      return "length";
    case SyncReportReject::kMagic:
      return "magic";
    case SyncReportReject::kVersion:
      return "version";
    case SyncReportReject::kCount:
      return "count";
    case SyncReportReject::kMember:
      return "member";
    case SyncReportReject::kReserved:
      return "reserved";
    case SyncReportReject::kPeer:
      return "peer";
    case SyncReportReject::kFlags:
      return "flags";
    case SyncReportReject::kTag:
      return "tag";
  }
  return "unknown";
}

std::vector<uint8_t> encode_sync_report(const SyncReport& r, const sync::SipKey& key) {
  const size_t n = r.peers.size() > kSyncReportMaxPeers ? kSyncReportMaxPeers : r.peers.size();
  std::vector<uint8_t> b(sync_report_bytes(n), 0);
  put16(&b[0], kSyncReportMagic);
  b[2] = kSyncReportVersion;
  b[3] = static_cast<uint8_t>(n);
  b[4] = r.member.site;
  b[5] = r.member.member;
  put32(&b[8], r.incarnation);
  put32(&b[12], r.sequence);
  for (size_t i = 0; i < n; ++i) {
    const PeerSyncHealth& p = r.peers[i];
    uint8_t* e = &b[kSyncReportHeaderBytes + i * kSyncReportPeerBytes];
    e[0] = p.peer.site;
    e[1] = p.peer.member;
    e[2] = p.flags;
    put32(e + 4, p.lag_us);
    put64(e + 8, p.frames_sent);
    put64(e + 16, p.records_sent);
    put64(e + 24, p.frames_received);
    put32(e + 32, p.records_held);
    put32(e + 36, p.unacked);
    put64(e + 40, p.rejects);
  }
  const size_t tag_at = b.size() - kSyncReportTagBytes;
  wire::put_tag(b.data(), tag_at, key);
  return b;
}

SyncReportDecodeResult decode_sync_report(std::span<const uint8_t> bytes, const sync::SipKey& key) {
  char buf[200];
  if (bytes.size() < kSyncReportMinBytes) {
    std::snprintf(buf, sizeof buf, "%zu bytes, a v1 sync report is at least %zu", bytes.size(), kSyncReportMinBytes);
    return reject(SyncReportReject::kLength, buf);
  }
  const uint8_t* p = bytes.data();
  if (get16(p) != kSyncReportMagic) {
    std::snprintf(buf, sizeof buf, "magic 0x%04x, expected 0x%04x", get16(p), kSyncReportMagic);
    return reject(SyncReportReject::kMagic, buf);
  }
  if (p[2] != kSyncReportVersion) {
    std::snprintf(buf, sizeof buf, "version %u, this build reads version %u", p[2], kSyncReportVersion);
    return reject(SyncReportReject::kVersion, buf);
  }
  const size_t n = p[3];
  if (n > kSyncReportMaxPeers) {
    std::snprintf(buf, sizeof buf, "peer count %zu above %zu", n, kSyncReportMaxPeers);
    return reject(SyncReportReject::kCount, buf);
  }
  if (bytes.size() != sync_report_bytes(n)) {
    std::snprintf(buf, sizeof buf, "%zu bytes, a v1 sync report with %zu peers is exactly %zu", bytes.size(), n,
                  sync_report_bytes(n));
    return reject(SyncReportReject::kLength, buf);
  }
  SyncReport r;
  r.member = MemberId{p[4], p[5]};
  if (!r.member.in_range()) {
    std::snprintf(buf, sizeof buf, "member %u/%u out of range (site 0..%u, member 0..%u)", p[4], p[5], kMaxSites - 1,
                  kMaxMembersPerSite - 1);
    return reject(SyncReportReject::kMember, buf);
  }
  if (get16(p + 6) != 0) {
    std::snprintf(buf, sizeof buf, "reserved bytes 6..7 are 0x%04x, must be zero", get16(p + 6));
    return reject(SyncReportReject::kReserved, buf);
  }
  r.incarnation = get32(p + 8);
  r.sequence = get32(p + 12);
  r.peers.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* e = p + kSyncReportHeaderBytes + i * kSyncReportPeerBytes;
    if (e[3] != 0) {
      std::snprintf(buf, sizeof buf, "peer entry %zu reserved byte is 0x%02x, must be zero", i, e[3]);
      return reject(SyncReportReject::kReserved, buf);
    }
    PeerSyncHealth h;
    h.peer = MemberId{e[0], e[1]};
    if (!h.peer.in_range() || h.peer == r.member || (i > 0 && order(h.peer) <= order(r.peers.back().peer))) {
      std::snprintf(buf, sizeof buf, "peer entry %zu is %u/%u: %s", i, e[0], e[1],
                    !h.peer.in_range()   ? "out of range"
                    : h.peer == r.member ? "the reporting member itself"
                                         : "not above the previous entry (peers ascend, no duplicates)");
      return reject(SyncReportReject::kPeer, buf);
    }
    h.flags = e[2];
    if (h.flags & ~kPeerKnownFlags) {
      std::snprintf(buf, sizeof buf, "peer %u/%u flags 0x%02x has unknown bits 0x%02x", e[0], e[1], h.flags,
                    h.flags & ~kPeerKnownFlags);
      return reject(SyncReportReject::kFlags, buf);
    }
    h.lag_us = get32(e + 4);
    h.frames_sent = get64(e + 8);
    h.records_sent = get64(e + 16);
    h.frames_received = get64(e + 24);
    h.records_held = get32(e + 32);
    h.unacked = get32(e + 36);
    h.rejects = get64(e + 40);
    r.peers.push_back(h);
  }
  const size_t tag_at = bytes.size() - kSyncReportTagBytes;
  if (!wire::tag_matches(p, tag_at, key)) {
    std::snprintf(buf, sizeof buf, "tag does not match the [sync] key (from member %u/%u, sequence %u)", r.member.site,
                  r.member.member, r.sequence);
    return reject(SyncReportReject::kTag, buf);
  }
  return r;
}

}  // namespace conductor::cluster
