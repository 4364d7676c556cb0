// HyperSync frame codec (codec.hpp, docs/hypersync.md).
#include "host/sync/codec.hpp"

#include <cstdio>
#include <cstring>

namespace conductor::sync {

namespace {

using regs::field_get;
using regs::field_mask;

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint64_t get64(const uint8_t* p) { return (uint64_t{get32(p)} << 32) | get32(p + 4); }

bool is_known(uint8_t t) { return record_bytes(static_cast<RecordType>(t)) != 0; }
bool is_v6_type(RecordType t) {
  return t == RecordType::kNewV6 || t == RecordType::kUpdateV6 || t == RecordType::kDeleteV6;
}
bool has_value(RecordType t) {
  return t == RecordType::kNewV4 || t == RecordType::kUpdateV4 || t == RecordType::kNewV6 || t == RecordType::kUpdateV6;
}

void put_key(std::vector<uint8_t>& out, const FlowKey& k) {
  const size_t n = k.is_ipv6 ? 16 : 4;
  out.insert(out.end(), k.a_addr.begin(), k.a_addr.begin() + n);
  out.insert(out.end(), k.b_addr.begin(), k.b_addr.begin() + n);
  put16(out, k.a_port);
  put16(out, k.b_port);
  out.push_back(k.proto);
  out.push_back(k.sg_id);
}
FlowKey get_key(const uint8_t* p, bool v6) {
  FlowKey k;
  k.is_ipv6 = v6;
  const size_t n = v6 ? 16 : 4;
  std::memcpy(k.a_addr.data(), p, n);
  std::memcpy(k.b_addr.data(), p + n, n);
  k.a_port = get16(p + 2 * n);
  k.b_port = get16(p + 2 * n + 2);
  k.proto = p[2 * n + 4];
  k.sg_id = p[2 * n + 5];
  return k;
}

std::string member_text(uint8_t m) {
  if (m == kBroadcast) return "broadcast";
  char buf[48];
  std::snprintf(buf, sizeof buf, "member %u site %u%s", m & 0x3Fu, (m >> 6) & 1u, (m & 0x80) ? " (bit 7 set)" : "");
  return buf;
}

template <class... A>
std::string format(const char* fmt, A... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

SyncReject reject(SyncRxError e, std::string message) { return SyncReject{e, std::move(message)}; }

uint32_t csum_add(uint32_t sum, const uint8_t* p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>((p[i] << 8) | p[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
  return sum;
}
uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

// ---- Content -------------------------------------------------------------------------------------

uint64_t pack_flow_value(const FlowValueFields& f) {
  using namespace regs;
  uint32_t lo = 0;
  lo |= (f.owner_member << FLOW_VALUE_OWNER_MEMBER_LSB) &
        field_mask(FLOW_VALUE_OWNER_MEMBER_LSB, FLOW_VALUE_OWNER_MEMBER_WIDTH);
  lo |=
      (f.owner_site << FLOW_VALUE_OWNER_SITE_LSB) & field_mask(FLOW_VALUE_OWNER_SITE_LSB, FLOW_VALUE_OWNER_SITE_WIDTH);
  lo |= (f.lb_member << FLOW_VALUE_LB_MEMBER_LSB) & field_mask(FLOW_VALUE_LB_MEMBER_LSB, FLOW_VALUE_LB_MEMBER_WIDTH);
  lo |= (f.lb_valid << FLOW_VALUE_LB_VALID_LSB) & field_mask(FLOW_VALUE_LB_VALID_LSB, FLOW_VALUE_LB_VALID_WIDTH);
  lo |= (f.rb_member << FLOW_VALUE_RB_MEMBER_LSB) & field_mask(FLOW_VALUE_RB_MEMBER_LSB, FLOW_VALUE_RB_MEMBER_WIDTH);
  lo |= (f.rb_site << FLOW_VALUE_RB_SITE_LSB) & field_mask(FLOW_VALUE_RB_SITE_LSB, FLOW_VALUE_RB_SITE_WIDTH);
  lo |= (f.rb_valid << FLOW_VALUE_RB_VALID_LSB) & field_mask(FLOW_VALUE_RB_VALID_LSB, FLOW_VALUE_RB_VALID_WIDTH);
  lo |= (f.state << FLOW_VALUE_STATE_LSB) & field_mask(FLOW_VALUE_STATE_LSB, FLOW_VALUE_STATE_WIDTH);
  lo |=
      (f.sync_flags << FLOW_VALUE_SYNC_FLAGS_LSB) & field_mask(FLOW_VALUE_SYNC_FLAGS_LSB, FLOW_VALUE_SYNC_FLAGS_WIDTH);
  static_assert(FLOW_VALUE_LAST_SEEN_LSB == 32 && FLOW_VALUE_LAST_SEEN_WIDTH == 32, "LAST_SEEN is the upper word");
  return (uint64_t{f.last_seen} << 32) | lo;
}

FlowValueFields unpack_flow_value(uint64_t word) {
  using namespace regs;
  const uint32_t lo = static_cast<uint32_t>(word);
  FlowValueFields f;
  f.owner_member = field_get(lo, FLOW_VALUE_OWNER_MEMBER_LSB, FLOW_VALUE_OWNER_MEMBER_WIDTH);
  f.owner_site = field_get(lo, FLOW_VALUE_OWNER_SITE_LSB, FLOW_VALUE_OWNER_SITE_WIDTH);
  f.lb_member = field_get(lo, FLOW_VALUE_LB_MEMBER_LSB, FLOW_VALUE_LB_MEMBER_WIDTH);
  f.lb_valid = field_get(lo, FLOW_VALUE_LB_VALID_LSB, FLOW_VALUE_LB_VALID_WIDTH);
  f.rb_member = field_get(lo, FLOW_VALUE_RB_MEMBER_LSB, FLOW_VALUE_RB_MEMBER_WIDTH);
  f.rb_site = field_get(lo, FLOW_VALUE_RB_SITE_LSB, FLOW_VALUE_RB_SITE_WIDTH);
  f.rb_valid = field_get(lo, FLOW_VALUE_RB_VALID_LSB, FLOW_VALUE_RB_VALID_WIDTH);
  f.state = field_get(lo, FLOW_VALUE_STATE_LSB, FLOW_VALUE_STATE_WIDTH);
  f.sync_flags = field_get(lo, FLOW_VALUE_SYNC_FLAGS_LSB, FLOW_VALUE_SYNC_FLAGS_WIDTH);
  f.last_seen = static_cast<uint32_t>(word >> 32);
  return f;
}

FlowKey key_v4(uint32_t a_addr, uint32_t b_addr, uint16_t a_port, uint16_t b_port, uint8_t proto, uint8_t sg_id) {
  FlowKey k;
  for (int i = 0; i < 4; ++i) {
    k.a_addr[i] = static_cast<uint8_t>(a_addr >> (24 - 8 * i));
    k.b_addr[i] = static_cast<uint8_t>(b_addr >> (24 - 8 * i));
  }
  k.a_port = a_port, k.b_port = b_port, k.proto = proto, k.sg_id = sg_id;
  return k;
}

FlowKey key_v6(const std::array<uint8_t, 16>& a_addr, const std::array<uint8_t, 16>& b_addr, uint16_t a_port,
               uint16_t b_port, uint8_t proto, uint8_t sg_id) {
  FlowKey k;
  k.is_ipv6 = true;
  k.a_addr = a_addr, k.b_addr = b_addr;
  k.a_port = a_port, k.b_port = b_port, k.proto = proto, k.sg_id = sg_id;
  return k;
}

namespace {
Record flow_record(RecordType v4, RecordType v6, const FlowKey& key, uint64_t value) {
  Record r;
  r.type = key.is_ipv6 ? v6 : v4;
  r.key = key;
  r.value = value;
  return r;
}
Record control(RecordType t) {
  Record r;
  r.type = t;
  return r;
}
}  // namespace

Record new_record(const FlowKey& key, uint64_t value) {
  return flow_record(RecordType::kNewV4, RecordType::kNewV6, key, value);
}
Record update_record(const FlowKey& key, uint64_t value) {
  return flow_record(RecordType::kUpdateV4, RecordType::kUpdateV6, key, value);
}
Record delete_record(const FlowKey& key) { return flow_record(RecordType::kDeleteV4, RecordType::kDeleteV6, key, 0); }
Record full_sync_begin(uint32_t session, uint32_t entries) {
  Record r = control(RecordType::kFullSyncBegin);
  r.session = session, r.count = entries;
  return r;
}
Record full_sync_end(uint32_t session, uint32_t entries) {
  Record r = control(RecordType::kFullSyncEnd);
  r.session = session, r.count = entries;
  return r;
}
Record ack_record(uint32_t epoch, uint32_t first_seq, uint32_t last_seq) {
  Record r = control(RecordType::kAck);
  r.epoch = epoch, r.first_seq = first_seq, r.last_seq = last_seq;
  return r;
}
Record nack_record(uint32_t epoch, uint32_t first_seq, uint32_t last_seq) {
  Record r = ack_record(epoch, first_seq, last_seq);
  r.type = RecordType::kNack;
  return r;
}
Record heartbeat_record(uint32_t highest_seq) {
  Record r = control(RecordType::kHeartbeat);
  r.first_seq = highest_seq;
  return r;
}

size_t encoded_size(const Record& r) {
  const size_t base = record_bytes(r.type);
  return (base ? base : kRecordHeadBytes) + r.extension.size();
}

// ---- Send ----------------------------------------------------------------------------------------

namespace {
Status encode_record(std::vector<uint8_t>& out, const Record& r, size_t index) {
  const uint8_t t = static_cast<uint8_t>(r.type);
  const size_t size = encoded_size(r);
  if (size > kMaxRecordBytes) {
    return make_error(Errc::kInvalidArgument,
                      format("record %zu (type 0x%02x) would be %zu bytes (at most 255)", index, t, size));
  }
  if (!is_known(t) && (t & kMustUnderstand)) {
    return make_error(Errc::kInvalidArgument,
                      format("record %zu: type 0x%02x is unknown and must-understand", index, t));
  }
  if (is_flow_record(r.type) && r.key.is_ipv6 != is_v6_type(r.type)) {
    return make_error(Errc::kInvalidArgument,
                      format("record %zu: type 0x%02x and the key's address family disagree", index, t));
  }
  out.push_back(t);
  out.push_back(static_cast<uint8_t>(size));
  switch (r.type) {
    case RecordType::kNewV4:
    case RecordType::kUpdateV4:
    case RecordType::kNewV6:
    case RecordType::kUpdateV6:
    case RecordType::kDeleteV4:
    case RecordType::kDeleteV6:
      put_key(out, r.key);
      if (has_value(r.type)) put64(out, r.value);
      break;
    case RecordType::kFullSyncBegin:
    case RecordType::kFullSyncEnd:
      put32(out, r.session);
      put32(out, r.count);
      break;
    case RecordType::kAck:
    case RecordType::kNack:
      put32(out, r.epoch);
      put32(out, r.first_seq);
      put32(out, r.last_seq);
      break;
    case RecordType::kHeartbeat:
      put32(out, r.first_seq);
      break;
  }
  out.insert(out.end(), r.extension.begin(), r.extension.end());
  return ok_status();
}
}  // namespace

Expected<std::vector<uint8_t>> encode_frame(const FrameHeader& h, const std::vector<Record>& records,
                                            const SipKey& key) {
  if (h.key_number >= kKeySlots)
    return make_error(Errc::kInvalidArgument, format("key number %u (0..3)", h.key_number));
  if (h.version_minor > 15)
    return make_error(Errc::kInvalidArgument, format("minor version %u (0..15)", h.version_minor));
  if (h.flags & ~kFlagBitsMask)
    return make_error(Errc::kInvalidArgument, format("flags 0x%02x use bits 6..7 (the key number)", h.flags));
  if (h.source & 0x80) return make_error(Errc::kInvalidArgument, format("source 0x%02x has bit 7 set", h.source));
  if ((h.destination & 0x80) && h.destination != kBroadcast) {
    return make_error(Errc::kInvalidArgument, format("destination 0x%02x has bit 7 set", h.destination));
  }
  if (records.size() > 0xFFFF)
    return make_error(Errc::kInvalidArgument, format("%zu records (at most 65535)", records.size()));
  std::vector<uint8_t> out;
  size_t total = 0;
  for (const Record& r : records) total += encoded_size(r);
  if (total > 0xFFFF) return make_error(Errc::kInvalidArgument, format("%zu record bytes (at most 65535)", total));
  out.reserve(kHeaderBytes + total + kTagBytes);
  put16(out, kMagic);
  out.push_back(static_cast<uint8_t>((kVersionMajor << 4) | h.version_minor));
  out.push_back(static_cast<uint8_t>(h.flags | (h.key_number << kKeyNumberShift)));
  put16(out, h.cluster_id);
  out.push_back(h.source);
  out.push_back(h.destination);
  put32(out, h.epoch);
  put32(out, h.sequence);
  put16(out, static_cast<uint16_t>(records.size()));
  put16(out, static_cast<uint16_t>(total));
  for (size_t i = 0; i < records.size(); ++i) {
    Status s = encode_record(out, records[i], i);
    if (!s) return s.error();
  }
  const auto tag = siphash24_bytes(key, out.data(), out.size());
  out.insert(out.end(), tag.begin(), tag.end());
  return out;
}

Expected<std::vector<uint8_t>> encode_udp_packet(const FrameHeader& header, const std::vector<Record>& records,
                                                 const SipKey& key, const UdpEncap& e) {
  auto payload = encode_frame(header, records, key);
  if (!payload) return payload.error();
  const size_t udp_len = kUdpHeaderBytes + payload->size();
  const size_t ip_hdr = e.ipv6 ? kIpv6HeaderBytes : kIpv4HeaderBytes;
  if (udp_len + (e.ipv6 ? 0 : ip_hdr) > 0xFFFF) {
    return make_error(Errc::kInvalidArgument, format("UDP datagram of %zu bytes is too long", udp_len));
  }
  std::vector<uint8_t> out;
  out.reserve(kEthernetBytes + ip_hdr + udp_len);
  out.insert(out.end(), e.dst_mac.begin(), e.dst_mac.end());
  out.insert(out.end(), e.src_mac.begin(), e.src_mac.end());
  put16(out, e.ipv6 ? 0x86DD : 0x0800);
  const size_t ip_at = out.size();
  const size_t addr_len = e.ipv6 ? 16 : 4;
  if (!e.ipv6) {
    out.push_back(0x45);
    out.push_back(static_cast<uint8_t>(e.dscp << 2));
    put16(out, static_cast<uint16_t>(ip_hdr + udp_len));
    put16(out, e.ip_id);
    put16(out, 0x4000);  // DF
    out.push_back(e.ttl);
    out.push_back(17);
    put16(out, 0);
    out.insert(out.end(), e.src_ip.begin(), e.src_ip.begin() + 4);
    out.insert(out.end(), e.dst_ip.begin(), e.dst_ip.begin() + 4);
    const uint16_t c = csum_fold(csum_add(0, out.data() + ip_at, kIpv4HeaderBytes));
    out[ip_at + 10] = static_cast<uint8_t>(c >> 8);
    out[ip_at + 11] = static_cast<uint8_t>(c);
  } else {
    put32(out, (6u << 28) | (uint32_t{e.dscp} << 22));
    put16(out, static_cast<uint16_t>(udp_len));
    out.push_back(17);
    out.push_back(e.ttl);
    out.insert(out.end(), e.src_ip.begin(), e.src_ip.end());
    out.insert(out.end(), e.dst_ip.begin(), e.dst_ip.end());
  }
  const size_t udp_at = out.size();
  put16(out, e.src_port);
  put16(out, e.dst_port);
  put16(out, static_cast<uint16_t>(udp_len));
  put16(out, 0);
  out.insert(out.end(), payload->begin(), payload->end());
  // Pseudo-header: source, destination, protocol 17, UDP length (RFC 768; RFC 8200 §8.1 for IPv6).
  uint32_t sum = csum_add(0, e.src_ip.data(), addr_len);
  sum = csum_add(sum, e.dst_ip.data(), addr_len);
  sum += 17 + static_cast<uint32_t>(udp_len);
  sum = csum_add(sum, out.data() + udp_at, udp_len);
  uint16_t c = csum_fold(sum);
  if (c == 0) c = 0xFFFF;  // 0 means "no checksum" in IPv4 and is forbidden in IPv6
  out[udp_at + 6] = static_cast<uint8_t>(c >> 8);
  out[udp_at + 7] = static_cast<uint8_t>(c);
  return out;
}

std::vector<std::vector<Record>> batch_records(const std::vector<Record>& records, size_t max_payload) {
  std::vector<std::vector<Record>> frames;
  size_t used = 0;
  for (const Record& r : records) {
    const size_t n = encoded_size(r);
    if (frames.empty() || used + n + kFrameOverheadBytes > max_payload) {
      frames.emplace_back();
      used = 0;
    }
    frames.back().push_back(r);
    used += n;
  }
  return frames;
}

// ---- Receive -------------------------------------------------------------------------------------

std::string_view sync_rx_error_name(SyncRxError e) {
  switch (e) {
    case SyncRxError::kTruncated:
      return "truncated";
    case SyncRxError::kBadMagic:
      return "bad-magic";
    case SyncRxError::kBadVersion:
      return "bad-version";
    case SyncRxError::kLengthMismatch:
      return "length-mismatch";
    case SyncRxError::kUnknownCluster:
      return "unknown-cluster";
    case SyncRxError::kUnknownMember:
      return "unknown-member";
    case SyncRxError::kWrongDestination:
      return "wrong-destination";
    case SyncRxError::kUnknownKey:
      return "unknown-key";
    case SyncRxError::kBadTag:
      return "bad-tag";
    case SyncRxError::kOldEpoch:
      return "old-epoch";
    case SyncRxError::kReplayed:
      return "replayed";
    case SyncRxError::kBadRecordLength:
      return "bad-record-length";
    case SyncRxError::kUnknownRecordType:
      return "unknown-record-type";
    case SyncRxError::kRecordCountMismatch:
      return "record-count-mismatch";
    case SyncRxError::kNotSync:
      return "not-sync";
    case SyncRxError::kNone:
      return "none";
  }
  return "unknown";
}

std::optional<SyncRxError> ReplayState::check(uint8_t source, bool broadcast, uint32_t epoch, uint32_t seq) const {
  const Window& w = w_[index(source, broadcast)];
  if (!w.valid || epoch > w.epoch) return std::nullopt;
  if (epoch < w.epoch) return SyncRxError::kOldEpoch;
  if (seq > w.highest) return std::nullopt;
  const uint32_t back = w.highest - seq;
  if (back >= kWindow || ((w.seen >> back) & 1)) return SyncRxError::kReplayed;
  return std::nullopt;
}

void ReplayState::commit(uint8_t source, bool broadcast, uint32_t epoch, uint32_t seq) {
  Window& w = w_[index(source, broadcast)];
  if (!w.valid || epoch > w.epoch) {
    w = Window{true, epoch, seq, 1};
    return;
  }
  if (seq > w.highest) {
    const uint32_t shift = seq - w.highest;
    w.seen = shift >= kWindow ? 1 : ((w.seen << shift) | 1);
    w.highest = seq;
  } else {
    w.seen |= uint64_t{1} << (w.highest - seq);
  }
}

SyncResult<DecodedFrame> decode_frame(const uint8_t* data, size_t size, const KeyRing& keys, ReplayState& replay,
                                      const Membership& m) {
  if (size < kFrameOverheadBytes) {
    return reject(SyncRxError::kTruncated,
                  format("%zu bytes, shorter than the %zu-byte header and tag", size, kFrameOverheadBytes));
  }
  const uint16_t magic = get16(data + kOffMagic);
  if (magic != kMagic) return reject(SyncRxError::kBadMagic, format("magic 0x%04x, not 0x%04x", magic, kMagic));
  const uint8_t version = data[kOffVersion];
  if ((version >> 4) != kVersionMajor) {
    return reject(SyncRxError::kBadVersion,
                  format("version %u.%u, this receiver speaks major %u", version >> 4, version & 15u, kVersionMajor));
  }
  DecodedFrame f;
  FrameHeader& h = f.header;
  h.version_minor = version & 0x0F;
  h.flags = data[kOffFlags] & kFlagBitsMask;
  h.key_number = data[kOffFlags] >> kKeyNumberShift;
  h.cluster_id = get16(data + kOffCluster);
  h.source = data[kOffSource];
  h.destination = data[kOffDestination];
  h.epoch = get32(data + kOffEpoch);
  h.sequence = get32(data + kOffSequence);
  const uint16_t count = get16(data + kOffRecordCount);
  const size_t records_bytes = get16(data + kOffRecordsBytes);
  if (kFrameOverheadBytes + records_bytes != size) {
    return reject(SyncRxError::kLengthMismatch, format("records-bytes %zu, but the payload of %zu bytes holds %zu",
                                                       records_bytes, size, size - kFrameOverheadBytes));
  }
  if (h.cluster_id != m.cluster_id) {
    return reject(SyncRxError::kUnknownCluster, format("cluster %u, ours is %u", h.cluster_id, m.cluster_id));
  }
  if (!m.contains(h.source) || h.source == m.self) {
    return reject(SyncRxError::kUnknownMember,
                  format("source %s is %s of cluster %u", member_text(h.source).c_str(),
                         h.source == m.self ? "ourselves, not a peer" : "not a member", m.cluster_id));
  }
  const bool broadcast = h.destination == kBroadcast;
  if (!broadcast && h.destination != m.self) {
    return reject(SyncRxError::kWrongDestination,
                  format("destination %s, we are %s", member_text(h.destination).c_str(), member_text(m.self).c_str()));
  }
  if (!keys.slots[h.key_number]) {
    return reject(SyncRxError::kUnknownKey, format("frame from %s names key %u, which is not installed",
                                                   member_text(h.source).c_str(), h.key_number));
  }
  const size_t tag_at = size - kTagBytes;
  const auto tag = siphash24_bytes(*keys.slots[h.key_number], data, tag_at);
  uint8_t diff = 0;  // constant time
  for (size_t i = 0; i < kTagBytes; ++i) diff |= static_cast<uint8_t>(tag[i] ^ data[tag_at + i]);
  if (diff != 0) {
    return reject(SyncRxError::kBadTag, format("tag mismatch on frame from %s seq %u (key %u): unauthenticated",
                                               member_text(h.source).c_str(), h.sequence, h.key_number));
  }
  if (auto e = replay.check(h.source, broadcast, h.epoch, h.sequence)) {
    const auto& w = replay.window(h.source, broadcast);
    return reject(*e, format("from %s epoch %u seq %u; accepted so far: epoch %u up to seq %u",
                             member_text(h.source).c_str(), h.epoch, h.sequence, w.epoch, w.highest));
  }
  // Records.
  const uint8_t* p = data + kHeaderBytes;
  const uint8_t* end = data + tag_at;
  f.records.reserve(count);
  size_t n = 0;
  while (p < end) {
    const size_t left = static_cast<size_t>(end - p);
    if (left < kRecordHeadBytes)
      return reject(SyncRxError::kBadRecordLength,
                    format("record %zu: %zu byte(s) left, less than type and length", n, left));
    const uint8_t t = p[0];
    const size_t len = p[1];
    if (len < kRecordHeadBytes || len > left) {
      return reject(SyncRxError::kBadRecordLength,
                    format("record %zu (type 0x%02x): length %zu with %zu bytes left", n, t, len, left));
    }
    Record r;
    r.type = static_cast<RecordType>(t);
    const size_t base = record_bytes(r.type);
    if (base == 0) {
      if (t & kMustUnderstand) {
        return reject(SyncRxError::kUnknownRecordType,
                      format("record %zu: type 0x%02x is must-understand and unknown to version %u.%u", n, t,
                             kVersionMajor, kVersionMinor));
      }
      r.extension.assign(p + kRecordHeadBytes, p + len);
      ++f.skipped_records;
    } else {
      if (len < base) {
        return reject(SyncRxError::kBadRecordLength,
                      format("record %zu (type 0x%02x): length %zu, the type needs %zu", n, t, len, base));
      }
      const uint8_t* b = p + kRecordHeadBytes;
      switch (r.type) {
        case RecordType::kNewV4:
        case RecordType::kUpdateV4:
        case RecordType::kDeleteV4:
        case RecordType::kNewV6:
        case RecordType::kUpdateV6:
        case RecordType::kDeleteV6: {
          const bool v6 = is_v6_type(r.type);
          r.key = get_key(b, v6);
          if (has_value(r.type)) r.value = get64(b + (v6 ? kKeyV6Bytes : kKeyV4Bytes));
          break;
        }
        case RecordType::kFullSyncBegin:
        case RecordType::kFullSyncEnd:
          r.session = get32(b);
          r.count = get32(b + 4);
          break;
        case RecordType::kAck:
        case RecordType::kNack:
          r.epoch = get32(b);
          r.first_seq = get32(b + 4);
          r.last_seq = get32(b + 8);
          break;
        case RecordType::kHeartbeat:
          r.first_seq = get32(b);
          break;
      }
      r.extension.assign(p + base, p + len);
    }
    f.records.push_back(std::move(r));
    p += len;
    ++n;
  }
  if (n != count) {
    return reject(SyncRxError::kRecordCountMismatch,
                  format("record-count %u, but the records bytes hold %zu records", count, n));
  }
  replay.commit(h.source, broadcast, h.epoch, h.sequence);
  return f;
}

Receiver::Receiver(Membership membership, KeyRing keys, LogSink log)
    : membership_(membership), keys_(std::move(keys)), log_(std::move(log)) {
  if (!log_)
    log_ = [](std::string_view line) { std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data()); };
}

SyncResult<DecodedFrame> Receiver::receive(const uint8_t* data, size_t size) {
  auto r = decode_frame(data, size, keys_, replay_, membership_);
  if (r) {
    ++counters_.accepted;
    counters_.records += r->records.size();
    counters_.skipped_records += r->skipped_records;
  } else {
    ++counters_.rejected[static_cast<size_t>(r.error().reason)];
    std::string line = "hypersync: drop frame (";
    line += sync_rx_error_name(r.error().reason);
    line += "): ";
    line += r.error().message;
    log_(line);
  }
  return r;
}

}  // namespace conductor::sync
