// Frames for the HyperSync Wireshark dissector (host/sync/wireshark/hypersync.lua), and its test.
//
//   gen_pcap <out.pcap>
//       writes the sample capture: every record type over IPv4 and IPv6 transport, then malformed
//       frames (truncated, garbage, records-bytes mismatch, a record past the end, a wrong record
//       count, a record shorter than its type, an unknown must-understand type, major version 2),
//       then mutated frames from a fixed seed.
//   gen_pcap --check --tshark <tshark> --lua <hypersync.lua> --dir <scratch dir>
//       writes the same capture into <dir>, runs
//         tshark -X lua_script:<lua> -r <dir>/hypersync.pcap -T fields -e hypersync.<field> ...
//       and checks:
//       - directed frames: every hypersync field of every frame, exactly (value, occurrences, order);
//       - mutated frames: the dissector's malformed-input verdicts agree with decode_frame's
//         (truncated, bad-magic, bad-version, length-mismatch, bad-record-length,
//         unknown-record-type, record-count-mismatch, or accepted);
//       - no frame raises a Lua error (_ws.lua.error) or the dissector's internal-error expert, and
//         tshark's stderr holds nothing but its known "Running as user root" warning.
//   Exit status 0 when everything matched; every mismatch is printed.
#include <arpa/inet.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host/common/cli.hpp"
#include "host/sync/codec.hpp"
#include "host/traffic/checksum.hpp"
#include "host/traffic/pcap_io.hpp"
#include "tests/common/process.hpp"

namespace {

using namespace conductor;
using namespace conductor::sync;

// ---- Formatting as tshark -T fields prints each field type ------------------------------------------
std::string hex(uint64_t v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return b;
}
std::string dec(uint64_t v) { return std::to_string(v); }
std::string flag(bool v) { return v ? "1" : "0"; }
std::string bytes_hex(const uint8_t* p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}
std::string addr_text(const std::array<uint8_t, 16>& a, bool v6) {
  char b[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.data(), b, sizeof b);
  return b;
}

// Every field the test reads, in the order of the tshark command line.
const std::vector<std::string> kFields = {
    "hypersync.magic",
    "hypersync.version",
    "hypersync.version.major",
    "hypersync.version.minor",
    "hypersync.flags",
    "hypersync.flags.retransmit",
    "hypersync.flags.full_sync",
    "hypersync.flags.ack_request",
    "hypersync.flags.reserved",
    "hypersync.flags.key",
    "hypersync.cluster",
    "hypersync.src",
    "hypersync.src.member",
    "hypersync.src.site",
    "hypersync.src.bit7",
    "hypersync.dst",
    "hypersync.dst.member",
    "hypersync.dst.site",
    "hypersync.dst.broadcast",
    "hypersync.epoch",
    "hypersync.seq",
    "hypersync.record_count",
    "hypersync.records_bytes",
    "hypersync.tag",
    "hypersync.tag.status",
    "hypersync.undecoded",
    "hypersync.record.type",
    "hypersync.record.length",
    "hypersync.record.body",
    "hypersync.record.extension",
    "hypersync.key.a_addr",
    "hypersync.key.b_addr",
    "hypersync.key.a_addr6",
    "hypersync.key.b_addr6",
    "hypersync.key.a_port",
    "hypersync.key.b_port",
    "hypersync.key.proto",
    "hypersync.key.sg",
    "hypersync.value",
    "hypersync.value.last_seen",
    "hypersync.value.sync_flags",
    "hypersync.value.state",
    "hypersync.value.rb_valid",
    "hypersync.value.rb_site",
    "hypersync.value.rb_member",
    "hypersync.value.lb_valid",
    "hypersync.value.lb_member",
    "hypersync.value.owner_site",
    "hypersync.value.owner_member",
    "hypersync.fullsync.session",
    "hypersync.fullsync.count",
    "hypersync.ack.epoch",
    "hypersync.ack.first",
    "hypersync.ack.last",
    "hypersync.nack.epoch",
    "hypersync.nack.first",
    "hypersync.nack.last",
    "hypersync.heartbeat.seq",
    // Expert info (an FT_NONE field prints "1" per occurrence).
    "hypersync.expert.truncated",
    "hypersync.expert.bad_magic",
    "hypersync.expert.bad_version",
    "hypersync.expert.length_mismatch",
    "hypersync.expert.bad_record_length",
    "hypersync.expert.record_count_mismatch",
    "hypersync.expert.unknown_record",
    "hypersync.expert.unknown_must_understand",
    "hypersync.expert.member_bit7",
    "hypersync.expert.captured_short",
    "hypersync.expert.internal",
    "_ws.lua.error",
    "_ws.malformed",
};

using Fields = std::map<std::string, std::vector<std::string>>;  // field -> values in tree order

// ---- Expected fields of a payload, built from what the generator wrote -------------------------------
struct Expect {
  Fields f;
  void add(const std::string& name, std::string v) { f[name].push_back(std::move(v)); }
  void expert(const std::string& name) {
    add("hypersync.expert." + name, "1");
    // Wireshark marks a packet with malformed-group expert info with its "Malformed Packet" item.
    static const std::set<std::string> kMalformedGroup = {"truncated", "bad_magic", "length_mismatch",
                                                          "bad_record_length", "record_count_mismatch"};
    if (kMalformedGroup.count(name)) f["_ws.malformed"] = {"_ws.malformed"};
  }

  void header(const uint8_t* p, size_t avail) {
    auto g16 = [&](size_t o) { return uint32_t{p[o]} << 8 | p[o + 1]; };
    auto g32 = [&](size_t o) { return g16(o) << 16 | g16(o + 2); };
    if (avail >= 2) add("hypersync.magic", hex(g16(0), 4));
    if (avail >= 3) {
      add("hypersync.version", hex(p[2], 2));
      add("hypersync.version.major", dec(p[2] >> 4));
      add("hypersync.version.minor", dec(p[2] & 15));
    }
    if (avail >= 4) {
      add("hypersync.flags", hex(p[3], 2));
      add("hypersync.flags.retransmit", flag(p[3] & kFlagRetransmit));
      add("hypersync.flags.full_sync", flag(p[3] & kFlagFullSync));
      add("hypersync.flags.ack_request", flag(p[3] & kFlagAckRequest));
      add("hypersync.flags.reserved", hex((p[3] >> 3) & 7, 2));
      add("hypersync.flags.key", dec(p[3] >> kKeyNumberShift));
    }
    if (avail >= 6) add("hypersync.cluster", dec(g16(4)));
    if (avail >= 7) {
      add("hypersync.src", hex(p[6], 2));
      add("hypersync.src.member", dec(p[6] & 0x3F));
      add("hypersync.src.site", dec((p[6] >> 6) & 1));
      add("hypersync.src.bit7", dec(p[6] >> 7));
    }
    if (avail >= 8) {
      add("hypersync.dst", hex(p[7], 2));
      if (p[7] != kBroadcast) {
        add("hypersync.dst.member", dec(p[7] & 0x3F));
        add("hypersync.dst.site", dec((p[7] >> 6) & 1));
      }
      add("hypersync.dst.broadcast", flag(p[7] == kBroadcast));
    }
    if (avail >= 12) add("hypersync.epoch", dec(g32(8)));
    if (avail >= 16) add("hypersync.seq", dec(g32(12)));
    if (avail >= 18) add("hypersync.record_count", dec(g16(16)));
    if (avail >= 20) add("hypersync.records_bytes", dec(g16(18)));
  }
  void tag(const uint8_t* p) {
    add("hypersync.tag", bytes_hex(p, kTagBytes));
    add("hypersync.tag.status", "not verified (needs the cluster key)");
  }
  void key(const FlowKey& k) {
    add(k.is_ipv6 ? "hypersync.key.a_addr6" : "hypersync.key.a_addr", addr_text(k.a_addr, k.is_ipv6));
    add(k.is_ipv6 ? "hypersync.key.b_addr6" : "hypersync.key.b_addr", addr_text(k.b_addr, k.is_ipv6));
    add("hypersync.key.a_port", dec(k.a_port));
    add("hypersync.key.b_port", dec(k.b_port));
    add("hypersync.key.proto", dec(k.proto));
    add("hypersync.key.sg", dec(k.sg_id));
  }
  void value(uint64_t w) {
    const FlowValueFields v = unpack_flow_value(w);
    add("hypersync.value", hex(w, 16));
    add("hypersync.value.last_seen", dec(v.last_seen));
    add("hypersync.value.sync_flags", hex(v.sync_flags, 2));
    add("hypersync.value.state", dec(v.state));
    add("hypersync.value.rb_valid", flag(v.rb_valid));
    add("hypersync.value.rb_site", dec(v.rb_site));
    add("hypersync.value.rb_member", dec(v.rb_member));
    add("hypersync.value.lb_valid", flag(v.lb_valid));
    add("hypersync.value.lb_member", dec(v.lb_member));
    add("hypersync.value.owner_site", dec(v.owner_site));
    add("hypersync.value.owner_member", dec(v.owner_member));
  }
  void record(const Record& r) {
    const uint8_t t = static_cast<uint8_t>(r.type);
    add("hypersync.record.type", hex(t, 2));
    add("hypersync.record.length", dec(encoded_size(r)));
    switch (r.type) {
      case RecordType::kNewV4:
      case RecordType::kUpdateV4:
      case RecordType::kNewV6:
      case RecordType::kUpdateV6:
        key(r.key);
        value(r.value);
        break;
      case RecordType::kDeleteV4:
      case RecordType::kDeleteV6:
        key(r.key);
        break;
      case RecordType::kFullSyncBegin:
      case RecordType::kFullSyncEnd:
        add("hypersync.fullsync.session", dec(r.session));
        add("hypersync.fullsync.count", dec(r.count));
        break;
      case RecordType::kAck:
      case RecordType::kNack: {
        const std::string p = r.type == RecordType::kAck ? "hypersync.ack." : "hypersync.nack.";
        add(p + "epoch", dec(r.epoch));
        add(p + "first", dec(r.first_seq));
        add(p + "last", dec(r.last_seq));
        break;
      }
      case RecordType::kHeartbeat:
        add("hypersync.heartbeat.seq", dec(r.first_seq));
        break;
      default:  // unknown skippable type: the body, skipped by its length
        if (!r.extension.empty()) add("hypersync.record.body", bytes_hex(r.extension.data(), r.extension.size()));
        expert("unknown_record");
        return;
    }
    if (!r.extension.empty()) add("hypersync.record.extension", bytes_hex(r.extension.data(), r.extension.size()));
  }
  // A well-formed frame: header, records, tag.
  void frame(const std::vector<uint8_t>& payload, const std::vector<Record>& records) {
    header(payload.data(), payload.size());
    for (const Record& r : records) record(r);
    tag(payload.data() + payload.size() - kTagBytes);
  }
};

// ---- Frames ------------------------------------------------------------------------------------------
const SipKey kKey = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

UdpEncap encap(bool ipv6) {
  UdpEncap e;
  e.dst_mac = {0x02, 0, 0, 0, 0, 0x02};
  e.src_mac = {0x02, 0, 0, 0, 0, 0x01};
  e.ipv6 = ipv6;
  if (ipv6) {  // 2001:db8::/32 documentation addresses; the capture never touches a network
    e.src_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    e.dst_ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
  } else {  // 198.18.0.0/15
    e.src_ip = {198, 18, 0, 1};
    e.dst_ip = {198, 18, 0, 2};
  }
  return e;
}

// Ethernet/IP/UDP 8116 around an arbitrary payload (lengths and checksums right), for payloads the
// codec would refuse to encode.
std::vector<uint8_t> wrap(const std::vector<uint8_t>& payload, bool ipv6) {
  const UdpEncap e = encap(ipv6);
  std::vector<uint8_t> out(e.dst_mac.begin(), e.dst_mac.end());
  out.insert(out.end(), e.src_mac.begin(), e.src_mac.end());
  auto put16 = [&](uint16_t v) { out.push_back(static_cast<uint8_t>(v >> 8)), out.push_back(static_cast<uint8_t>(v)); };
  put16(ipv6 ? 0x86DD : 0x0800);
  const size_t ip_at = out.size();
  const size_t udp_len = kUdpHeaderBytes + payload.size();
  const size_t alen = ipv6 ? 16 : 4;
  if (!ipv6) {
    out.insert(out.end(), {0x45, static_cast<uint8_t>(e.dscp << 2)});
    put16(static_cast<uint16_t>(kIpv4HeaderBytes + udp_len));
    put16(0), put16(0x4000);
    out.insert(out.end(), {e.ttl, 17, 0, 0});
  } else {
    put16(static_cast<uint16_t>(0x6000 | e.dscp << 4)), put16(0);
    put16(static_cast<uint16_t>(udp_len));
    out.insert(out.end(), {17, e.ttl});
  }
  out.insert(out.end(), e.src_ip.begin(), e.src_ip.begin() + alen);
  out.insert(out.end(), e.dst_ip.begin(), e.dst_ip.begin() + alen);
  if (!ipv6) {
    const uint16_t c = internet_checksum(std::span<const uint8_t>(out.data() + ip_at, kIpv4HeaderBytes));
    out[ip_at + 10] = static_cast<uint8_t>(c >> 8), out[ip_at + 11] = static_cast<uint8_t>(c);
  }
  const size_t udp_at = out.size();
  put16(kUdpPort), put16(kUdpPort), put16(static_cast<uint16_t>(udp_len)), put16(0);
  out.insert(out.end(), payload.begin(), payload.end());
  uint32_t sum = ones_sum(std::span<const uint8_t>(e.src_ip.data(), alen));
  sum = ones_sum(std::span<const uint8_t>(e.dst_ip.data(), alen), sum);
  const uint8_t pseudo[4] = {0, 17, static_cast<uint8_t>(udp_len >> 8), static_cast<uint8_t>(udp_len)};
  sum = ones_sum(std::span<const uint8_t>(pseudo, 4), sum);
  uint16_t c = internet_checksum(std::span<const uint8_t>(out.data() + udp_at, udp_len), sum);
  if (c == 0) c = 0xFFFF;
  out[udp_at + 6] = static_cast<uint8_t>(c >> 8), out[udp_at + 7] = static_cast<uint8_t>(c);
  return out;
}

FlowKey v4key(uint32_t i) { return key_v4(0xC6120001u + i, 0xC6130001u, static_cast<uint16_t>(40000 + i), 443, 6, 3); }
FlowKey v6key(uint32_t i) {
  std::array<uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::array<uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  b[13] = static_cast<uint8_t>(i);
  return key_v6(a, b, static_cast<uint16_t>(50000 + i), 53, 17, 200);
}
uint64_t value(unsigned owner, unsigned site, unsigned state, unsigned sync_flags, uint32_t last_seen) {
  FlowValueFields v;
  v.owner_member = owner, v.owner_site = site;
  v.lb_member = owner + 1, v.lb_valid = 1;
  v.rb_member = 63 - owner, v.rb_site = !site, v.rb_valid = state != 2;
  v.state = state, v.sync_flags = sync_flags;
  v.last_seen = last_seen;
  return pack_flow_value(v);
}

struct Case {
  std::string name;
  std::vector<uint8_t> frame;  // Ethernet frame
  bool directed = true;        // compare every field against `expect`
  Expect expect;
  std::vector<uint8_t> payload;  // mutated frames: the UDP payload, for the codec's verdict
};

Case named(std::string name) {
  Case c;
  c.name = std::move(name);
  return c;
}

struct Built {
  std::vector<uint8_t> payload;
  std::vector<Record> records;
};

Built build(const FrameHeader& h, const std::vector<Record>& records) {
  auto p = encode_frame(h, records, kKey);
  if (!p) {
    std::fprintf(stderr, "gen_pcap: encode_frame: %s\n", p.error().message.c_str());
    std::exit(2);
  }
  return {*p, records};
}

void put16_at(std::vector<uint8_t>& p, size_t at, uint16_t v) {
  p[at] = static_cast<uint8_t>(v >> 8), p[at + 1] = static_cast<uint8_t>(v);
}

std::vector<Case> directed_cases() {
  std::vector<Case> cases;
  auto add_ok = [&](std::string name, const FrameHeader& h, const std::vector<Record>& recs, bool ipv6) {
    Case c = named(std::move(name));
    auto pkt = encode_udp_packet(h, recs, kKey, encap(ipv6));
    if (!pkt) std::fprintf(stderr, "gen_pcap: %s\n", pkt.error().message.c_str()), std::exit(2);
    c.frame = *pkt;
    const Built b = build(h, recs);
    c.expect.frame(b.payload, b.records);
    cases.push_back(std::move(c));
  };

  FrameHeader h1;
  h1.flags = kFlagRetransmit | kFlagAckRequest;
  h1.key_number = 2;
  h1.cluster_id = 7;
  h1.source = member_byte(5, 1);
  h1.destination = member_byte(2, 0);
  h1.epoch = 0x01020304;
  h1.sequence = 1000;
  const std::vector<Record> v4 = {new_record(v4key(0), value(2, 0, 0, 0x05, 123456)),
                                  update_record(v4key(1), value(17, 1, 1, 0x3F, 0xFFFFFFFFu)), delete_record(v4key(2))};
  add_ok("ipv4 deltas over IPv4", h1, v4, false);

  FrameHeader h2;
  h2.version_minor = 3;
  h2.flags = kFlagFullSync;
  h2.key_number = 3;
  h2.cluster_id = 65535;
  h2.source = member_byte(63, 1);
  h2.destination = kBroadcast;
  h2.epoch = 0xFFFFFFFFu;
  h2.sequence = 1;
  const std::vector<Record> v6 = {new_record(v6key(0), value(0, 1, 1, 0, 1)),
                                  update_record(v6key(1), value(40, 0, 2, 0x2A, 99)), delete_record(v6key(2))};
  add_ok("ipv6 deltas over IPv6, broadcast, full sync", h2, v6, true);

  FrameHeader h3 = h1;
  h3.flags = 0x38;  // reserved bits only (kept, ignored)
  h3.key_number = 0;
  h3.source = member_byte(1, 0);
  h3.destination = member_byte(0, 1);
  h3.sequence = 0xFFFFFFFEu;
  const std::vector<Record> ctl = {full_sync_begin(0xABCD0001u, 1000),
                                   full_sync_end(0xABCD0001u, 998),
                                   ack_record(5, 10, 20),
                                   nack_record(5, 21, 23),
                                   nack_record(6, 0, 0),
                                   heartbeat_record(42)};
  add_ok("control records over IPv4", h3, ctl, false);
  add_ok("control records over IPv6", h3, ctl, true);

  // A later minor version: appended fields and an unknown skippable record type.
  FrameHeader h4 = h2;
  h4.version_minor = 15;
  h4.flags = 0;
  Record ext = update_record(v4key(7), value(9, 0, 1, 1, 7));
  ext.extension = {0xAA, 0xBB, 0xCC};
  Record unk;
  unk.type = static_cast<RecordType>(0x51);
  unk.extension = {1, 2, 3, 4, 5};
  Record unk_empty;
  unk_empty.type = static_cast<RecordType>(0x7F);
  Record hb = heartbeat_record(7);
  hb.extension = {0xEE};
  add_ok("appended fields and unknown skippable types", h4, {ext, unk, unk_empty, hb}, false);
  add_ok("no records", h1, {}, true);

  // ---- Malformed ----
  const Built good = build(h1, v4);
  {
    Case c = named("truncated: 24 bytes of payload");
    std::vector<uint8_t> p(good.payload.begin(), good.payload.begin() + 24);
    c.frame = wrap(p, false);
    c.expect.header(p.data(), p.size());
    c.expect.expert("truncated");
    cases.push_back(std::move(c));
  }
  {
    Case c = named("truncated: 5 bytes of payload");
    std::vector<uint8_t> p(good.payload.begin(), good.payload.begin() + 5);
    c.frame = wrap(p, true);
    c.expect.header(p.data(), p.size());
    c.expect.expert("truncated");
    cases.push_back(std::move(c));
  }
  {
    Case c = named("garbage: bad magic");
    std::mt19937 rng(8116);
    std::vector<uint8_t> p(61);
    for (auto& b : p) b = static_cast<uint8_t>(rng());
    p[0] = 0x13, p[1] = 0x37;
    c.frame = wrap(p, false);
    c.expect.add("hypersync.magic", "0x1337");
    c.expect.add("hypersync.undecoded", bytes_hex(p.data() + 2, p.size() - 2));
    c.expect.expert("bad_magic");
    cases.push_back(std::move(c));
  }
  {
    Case c = named("major version 2");
    std::vector<uint8_t> p = good.payload;
    p[kOffVersion] = 0x21;
    c.frame = wrap(p, true);
    c.expect.header(p.data(), 3);
    c.expect.add("hypersync.undecoded", bytes_hex(p.data() + 3, p.size() - 3));
    c.expect.expert("bad_version");
    cases.push_back(std::move(c));
  }
  {
    Case c = named("records bytes disagree with the payload");
    std::vector<uint8_t> p = good.payload;
    put16_at(p, kOffRecordsBytes, 60);  // the payload holds 64
    c.frame = wrap(p, false);
    c.expect.frame(p, good.records);  // the records between header and tag are still shown
    c.expect.expert("length_mismatch");
    cases.push_back(std::move(c));
  }
  {
    Case c = named("record runs past the end");
    std::vector<uint8_t> p = good.payload;
    p[kHeaderBytes + 24 + 1] = 200;  // second record's length
    c.frame = wrap(p, false);
    c.expect.header(p.data(), p.size());
    c.expect.record(good.records[0]);
    c.expect.add("hypersync.record.type", hex(p[kHeaderBytes + 24], 2));
    c.expect.add("hypersync.record.length", "200");
    c.expect.expert("bad_record_length");
    c.expect.tag(p.data() + p.size() - kTagBytes);
    cases.push_back(std::move(c));
  }
  {
    Case c = named("record count too high");
    std::vector<uint8_t> p = good.payload;
    put16_at(p, kOffRecordCount, 4);
    c.frame = wrap(p, false);
    c.expect.frame(p, good.records);
    c.expect.expert("record_count_mismatch");
    cases.push_back(std::move(c));
  }
  {
    // NEW_V4 of 16 bytes (the type needs 24), then a heartbeat: the walk goes on by the length.
    Case c = named("record shorter than its type");
    std::vector<uint8_t> p(good.payload.begin(), good.payload.begin() + kHeaderBytes);
    put16_at(p, kOffRecordCount, 2);
    put16_at(p, kOffRecordsBytes, 16 + 6);
    std::vector<uint8_t> rec = {0x01, 16};
    for (int i = 0; i < 14; ++i) rec.push_back(static_cast<uint8_t>(i));
    p.insert(p.end(), rec.begin(), rec.end());
    p.insert(p.end(), {0x41, 6, 0, 0, 0, 9});
    p.insert(p.end(), 8, 0x5A);
    c.frame = wrap(p, true);
    c.expect.header(p.data(), p.size());
    c.expect.add("hypersync.record.type", "0x01");
    c.expect.add("hypersync.record.length", "16");
    c.expect.add("hypersync.record.body", bytes_hex(rec.data() + 2, 14));
    c.expect.expert("bad_record_length");
    c.expect.record(heartbeat_record(9));
    c.expect.tag(p.data() + p.size() - kTagBytes);
    cases.push_back(std::move(c));
  }
  {
    Case c = named("unknown must-understand type");
    std::vector<uint8_t> p(good.payload.begin(), good.payload.begin() + kHeaderBytes);
    put16_at(p, kOffRecordCount, 1);
    put16_at(p, kOffRecordsBytes, 4);
    p.insert(p.end(), {0x85, 4, 0xDE, 0xAD});
    p.insert(p.end(), 8, 0x01);
    c.frame = wrap(p, false);
    c.expect.header(p.data(), p.size());
    c.expect.add("hypersync.record.type", "0x85");
    c.expect.add("hypersync.record.length", "4");
    c.expect.add("hypersync.record.body", "dead");
    c.expect.expert("unknown_must_understand");
    c.expect.tag(p.data() + p.size() - kTagBytes);
    cases.push_back(std::move(c));
  }
  return cases;
}

// Mutations of valid payloads, re-signed so that decode_frame reaches its structural checks.
std::vector<Case> mutated_cases(size_t n) {
  FrameHeader h;
  h.cluster_id = 7;
  h.source = member_byte(2, 0);
  h.destination = member_byte(1, 0);
  h.epoch = 1;
  h.sequence = 1;
  const std::vector<std::vector<Record>> seeds = {
      {new_record(v4key(0), value(2, 0, 1, 5, 1)), update_record(v6key(1), value(3, 1, 1, 0, 2)),
       delete_record(v4key(3))},
      {full_sync_begin(1, 2), ack_record(1, 2, 3), nack_record(1, 4, 5), heartbeat_record(6), full_sync_end(1, 2)},
      {delete_record(v6key(4)), heartbeat_record(1)},
      {},
  };
  std::mt19937 rng(4116);
  std::vector<Case> cases;
  for (size_t i = 0; i < n; ++i) {
    std::vector<uint8_t> p = build(h, seeds[i % seeds.size()]).payload;
    const unsigned kind = rng() % 7;
    auto pos = [&](size_t lo) { return p.size() > lo ? lo + rng() % (p.size() - lo) : 0; };
    switch (kind) {
      case 0:
        p[pos(16)] = static_cast<uint8_t>(rng());
        break;  // count, records bytes or records
      case 1:
        p[16 + rng() % 4] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;  // count, records bytes
      case 2:
        p.resize(rng() % (p.size() + 1));
        break;  // truncation
      case 3:   // bytes inserted among the records
        for (int k = 0; k < 3; ++k) p.insert(p.begin() + static_cast<long>(pos(20)), static_cast<uint8_t>(rng()));
        break;
      case 4:
        p[pos(20)] = static_cast<uint8_t>(rng() % 2 ? 0x80 | rng() : rng() % 3);
        break;  // odd types, lengths
      case 5:
        p[2] = static_cast<uint8_t>(rng());
        break;  // version
      case 6:   // scattered bytes
        for (auto& b : p) {
          if (rng() % 16 == 0) b = static_cast<uint8_t>(rng());
        }
        break;
    }
    if (p.size() >= kFrameOverheadBytes) {
      const auto tag = siphash24_bytes(kKey, p.data(), p.size() - kTagBytes);
      std::copy(tag.begin(), tag.end(), p.end() - kTagBytes);
    }
    Case c = named("mutated " + std::to_string(i));
    c.directed = false;
    c.payload = p;
    c.frame = wrap(p, i % 2 == 1);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<Case> all_cases() {
  std::vector<Case> c = directed_cases();
  std::vector<Case> m = mutated_cases(300);
  c.insert(c.end(), std::make_move_iterator(m.begin()), std::make_move_iterator(m.end()));
  return c;
}

bool write_capture(const std::string& path, const std::vector<Case>& cases) {
  std::vector<Frame> frames;
  for (const Case& c : cases) frames.push_back(Frame{c.frame, 0});
  Status s = write_pcap(path, frames);
  if (!s) std::fprintf(stderr, "gen_pcap: %s\n", s.error().message.c_str());
  return static_cast<bool>(s);
}

// ---- Check -------------------------------------------------------------------------------------------

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

// The decode_frame verdict mapped to the dissector's expert name ("" when accepted), or nullopt
// when the frame was rejected for a reason the dissector does not judge (identity, tag, replay).
std::optional<std::string> codec_verdict(const std::vector<uint8_t>& p) {
  Membership m;
  if (p.size() >= 8) {
    m.cluster_id = static_cast<uint16_t>(p[4] << 8 | p[5]);
    m.self = p[7] == kBroadcast ? 0x7F : p[7];
  }
  for (unsigned b = 0; b < 128; ++b) m.add(static_cast<uint8_t>(b));
  KeyRing keys;
  for (auto& s : keys.slots) s = kKey;
  ReplayState replay;
  auto r = decode_frame(p, keys, replay, m);
  if (r) return std::string();
  switch (r.error().reason) {
    case SyncRxError::kTruncated:
      return std::string("truncated");
    case SyncRxError::kBadMagic:
      return std::string("bad_magic");
    case SyncRxError::kBadVersion:
      return std::string("bad_version");
    case SyncRxError::kLengthMismatch:
      return std::string("length_mismatch");
    case SyncRxError::kBadRecordLength:
      return std::string("bad_record_length");
    case SyncRxError::kUnknownRecordType:
      return std::string("unknown_must_understand");
    case SyncRxError::kRecordCountMismatch:
      return std::string("record_count_mismatch");
    default:
      return std::nullopt;
  }
}

int check(const std::string& tshark, const std::string& lua, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir + "/wireshark-config", ec);
  const std::string pcap = dir + "/hypersync.pcap";
  const std::vector<Case> cases = all_cases();
  if (!write_capture(pcap, cases)) return 1;

  // A private configuration directory: the user's preferences (disabled protocols, a Decode As for
  // port 8116) cannot change what is decoded.
  std::vector<std::string> argv{tshark, "-n",           "-X", "lua_script:" + lua, "-r", pcap,
                                "-T",   "fields",       "-E", "header=n",          "-E", "separator=/t",
                                "-E",   "occurrence=a", "-E", "aggregator=;",      "-e", "frame.number"};
  for (const std::string& f : kFields) argv.insert(argv.end(), {"-e", f});
  std::string shown;
  for (const auto& a : argv) shown += " " + a;
  std::printf("running: WIRESHARK_CONFIG_DIR=%s/wireshark-config%s\n", dir.c_str(), shown.c_str());
  const conductor::testing::RunResult tshark_run = conductor::testing::run(
      {.argv = argv, .env = {"WIRESHARK_CONFIG_DIR=" + dir + "/wireshark-config"}}, std::chrono::seconds{50});
  const int rc = tshark_run.status.shell_code();
  {
    std::ofstream(dir + "/fields.tsv") << tshark_run.out;  // kept beside the capture for a reader
    std::ofstream(dir + "/stderr.txt") << tshark_run.err;
  }

  size_t failures = 0;
  auto fail = [&](const std::string& what) {
    ++failures;
    std::printf("MISMATCH %s\n", what.c_str());
  };
  {
    std::istringstream err(tshark_run.err);
    std::string line;
    while (std::getline(err, line)) {
      // tshark's warning when run as root (CI containers); anything else on stderr is a failure.
      if (line.rfind("Running as user \"root\"", 0) == 0) continue;
      fail("tshark stderr: " + line);
    }
  }
  if (rc != 0) fail("tshark " + tshark_run.status.describe() + (tshark_run.timed_out ? " (timed out)" : ""));

  std::istringstream in(tshark_run.out);
  std::string line;
  std::vector<Fields> got;
  while (std::getline(in, line)) {
    const auto cols = split(line, '\t');
    if (cols.size() != kFields.size() + 1) {
      fail("line with " + std::to_string(cols.size()) + " columns: " + line);
      continue;
    }
    Fields f;
    for (size_t i = 0; i < kFields.size(); ++i) {
      if (!cols[i + 1].empty()) f[kFields[i]] = split(cols[i + 1], ';');
    }
    got.push_back(std::move(f));
  }
  if (got.size() != cases.size()) {
    fail("tshark printed " + std::to_string(got.size()) + " frames, the capture has " + std::to_string(cases.size()));
  }

  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ";" : "") + v[i];
    return s.empty() ? std::string("(absent)") : s;
  };
  size_t directed = 0, mutated = 0, compared = 0, fields_checked = 0;
  std::map<std::string, size_t> verdicts;
  for (size_t i = 0; i < std::min(got.size(), cases.size()); ++i) {
    const Case& c = cases[i];
    const Fields& g = got[i];
    const std::string where = "frame " + std::to_string(i + 1) + " (" + c.name + ")";
    if (g.count("_ws.lua.error")) fail(where + ": Lua error");
    if (g.count("hypersync.expert.internal")) fail(where + ": dissector internal error");
    if (!c.directed && c.payload.empty()) continue;  // UDP hands an empty payload to no dissector
    if (!g.count("hypersync.magic")) fail(where + ": not dissected as HyperSync");
    if (c.directed) {
      ++directed;
      for (const std::string& name : kFields) {
        static const std::vector<std::string> kNone;
        const auto e = c.expect.f.find(name);
        const auto a = g.find(name);
        const auto& ev = e == c.expect.f.end() ? kNone : e->second;
        const auto& av = a == g.end() ? kNone : a->second;
        ++fields_checked;
        if (ev != av) fail(where + ": " + name + " expected " + joined(ev) + ", tshark printed " + joined(av));
      }
      continue;
    }
    ++mutated;
    const auto verdict = codec_verdict(c.payload);
    if (!verdict) continue;
    ++compared;
    ++verdicts[verdict->empty() ? "accepted" : *verdict];
    static const std::vector<std::string> kRejects = {"truncated",
                                                      "bad_magic",
                                                      "bad_version",
                                                      "length_mismatch",
                                                      "bad_record_length",
                                                      "unknown_must_understand",
                                                      "record_count_mismatch"};
    std::set<std::string> flagged;
    for (const std::string& r : kRejects) {
      if (g.count("hypersync.expert." + r)) flagged.insert(r);
    }
    if (verdict->empty() && !flagged.empty()) {
      fail(where + ": decode_frame accepts it, the dissector flags " + *flagged.begin());
    } else if (!verdict->empty() && !flagged.count(*verdict)) {
      fail(where + ": decode_frame rejects it (" + *verdict + "), the dissector does not say so");
    }
  }
  std::printf("%zu frames: %zu directed (%zu field values compared), %zu mutated (%zu compared with decode_frame:",
              got.size(), directed, fields_checked, mutated, compared);
  for (const auto& [k, v] : verdicts) std::printf(" %s %zu", k.c_str(), v);
  std::printf("); %zu mismatches\n", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tshark, lua, dir, out;
  bool do_check = false;
  CLI::App app{
      "Frames for the HyperSync Wireshark dissector: writes the sample capture to OUT.pcap, or with "
      "--check runs tshark with the dissector over it and checks every field and verdict.",
      "gen_pcap"};
  cli::setup(app);
  app.add_option("OUT.pcap", out, "write the sample capture here")->type_name("");
  app.add_flag("--check", do_check, "check the dissector under tshark instead (needs the three below)");
  app.add_option("--tshark", tshark, "the tshark binary")->type_name("PATH");
  app.add_option("--lua", lua, "the dissector (hypersync.lua)")->type_name("FILE");
  app.add_option("--dir", dir, "a scratch folder for the capture and tshark's settings")->type_name("DIR");
  if (Status s = cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !s)
    return cli::report(s, "gen_pcap");
  auto usage = [](const std::string& why) { return cli::report(make_error(Errc::kInvalidArgument, why), "gen_pcap"); };
  if (do_check) {
    if (tshark.empty() || lua.empty() || dir.empty()) return usage("--check needs --tshark, --lua and --dir");
    return check(tshark, lua, dir);
  }
  if (out.empty()) return usage("give OUT.pcap, or --check with --tshark, --lua and --dir");
  return write_capture(out, all_cases()) ? 0 : 1;
}
