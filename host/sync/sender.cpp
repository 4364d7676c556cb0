// HyperSync sender for one destination (sender.hpp, docs/hypersync.md §12).
#include "host/sync/sender.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_set>

namespace conductor::sync {

namespace {

Membership reverse_membership(const SenderConfig& c) {
  Membership m;
  m.cluster_id = c.cluster_id;
  m.self = c.self;
  m.add(c.self);
  m.add(c.destination);
  return m;
}

KeyRing ring(const SenderConfig& c) { return KeyRing::single(c.key_number, c.key); }

size_t delta_bytes(const FlowKey& k) { return k.is_ipv6 ? kDeltaV6Bytes : kDeltaV4Bytes; }

}  // namespace

Status validate(const SenderConfig& c) {
  auto bad = [](std::string what) { return make_error(Errc::kInvalidArgument, "sync sender: " + what); };
  if (c.key_number >= kKeySlots) return bad("key_number " + std::to_string(c.key_number) + " (0..3)");
  if (c.self & 0x80) return bad("self member byte has bit 7 set");
  if (c.destination & 0x80) return bad("destination member byte has bit 7 set (the sender is per destination)");
  if (c.self == c.destination) return bad("destination is this member");
  if (max_payload_for_mtu(c.mtu, c.ipv6_transport) < kFrameOverheadBytes + kDeltaV6Bytes + kAckBytes) {
    return bad("mtu " + std::to_string(c.mtu) + " leaves no room for an IPv6 record and a NACK echo");
  }
  if (max_payload_for_mtu(c.mtu, c.ipv6_transport) > 0xFFFF)
    return bad("mtu " + std::to_string(c.mtu) + " (UDP payload above 65535)");
  if (c.resend_window == 0) return bad("resend_window 0 (at least 1 frame)");
  if (c.flush <= Duration::zero()) return bad("flush must be positive");
  if (c.heartbeat <= Duration::zero()) return bad("heartbeat must be positive");
  if (c.delay < Duration::zero()) return bad("delay is negative");
  for (const PortDelay& p : c.port_delays) {
    if (p.delay < Duration::zero()) return bad("delay of port " + std::to_string(p.port) + " is negative");
  }
  return ok_status();
}

Sender::Sender(SenderConfig config)
    : config_(std::move(config)),
      max_payload_(max_payload_for_mtu(config_.mtu, config_.ipv6_transport)),
      reverse_(reverse_membership(config_), ring(config_), config_.log) {
  assert(validate(config_));
}

Duration Sender::delay_for(const FlowKey& key) const {
  for (const PortDelay& p : config_.port_delays) {
    if (key.a_port == p.port || key.b_port == p.port) return p.delay;
  }
  return config_.delay;
}

// ---- Events --------------------------------------------------------------------------------------

void Sender::start(TimePoint now) { full_sync(now); }

void Sender::mark_dirty(TimePoint now, const FlowKey& key, Conn& c) {
  if (c.dirty) return;
  c.dirty = true;
  if (dirty_.empty()) dirty_since_ = now;
  dirty_.push_back(key);
  dirty_bytes_ += delta_bytes(key);
}

void Sender::on_new(TimePoint now, const FlowKey& key, uint64_t value, TimePoint created) {
  auto [it, fresh] = table_.try_emplace(key);
  Conn& c = it->second;
  if (!fresh && c.alive) {  // a repeated NEW is an update
    c.value = value;
    if (c.offered) mark_dirty(now, key, c);
    flush(now, false);
    return;
  }
  c.value = value;
  c.created = created;
  c.alive = true;
  const Duration d = delay_for(key);
  if (now - created >= d) {
    c.offered = true;
    ++stats_.matured;
    mark_dirty(now, key, c);
  } else {
    c.offered = false;  // a DELETE may still be owed for an earlier incarnation (it is dirty then)
    maturity_.push({created + d, key});
  }
  flush(now, false);
}

void Sender::on_update(TimePoint now, const FlowKey& key, uint64_t value) {
  auto it = table_.find(key);
  if (it == table_.end() || !it->second.alive) {
    ++stats_.update_unknown;
    return;
  }
  it->second.value = value;
  if (it->second.offered) mark_dirty(now, key, it->second);
  flush(now, false);
}

void Sender::on_delete(TimePoint now, const FlowKey& key) {
  auto it = table_.find(key);
  if (it == table_.end() || !it->second.alive) {
    ++stats_.delete_unknown;
    return;
  }
  Conn& c = it->second;
  c.alive = false;
  if (c.sent) {
    mark_dirty(now, key, c);  // the destination holds it: a DELETE is owed
  } else if (!c.dirty) {
    if (!c.offered) ++stats_.never_synced;  // opened and closed inside its delay: zero bytes
    table_.erase(it);
  }  // else: a NEW was pending and never left; flush finds nothing to send and erases it
  flush(now, false);
}

// ---- Records and frames --------------------------------------------------------------------------

std::optional<Record> Sender::current_record(const FlowKey& key, bool resend) const {
  auto it = table_.find(key);
  if (it == table_.end()) {
    if (resend) return delete_record(key);
    return std::nullopt;
  }
  const Conn& c = it->second;
  if (c.alive && c.offered) return c.sent ? update_record(key, c.value) : new_record(key, c.value);
  if (c.sent || resend) return delete_record(key);
  return std::nullopt;
}

void Sender::settle(const FlowKey& key) {
  auto it = table_.find(key);
  if (it == table_.end()) return;
  Conn& c = it->second;
  c.dirty = false;
  if (c.alive && c.offered) {
    c.sent = true;
  } else {
    c.sent = false;
    if (!c.alive) table_.erase(it);
  }
}

void Sender::emit(TimePoint now, uint8_t flags, std::vector<Record> records, std::vector<FlowKey> keys,
                  std::optional<std::pair<uint32_t, uint32_t>> fs_end) {
  FrameHeader h;
  h.flags = flags;
  h.key_number = config_.key_number;
  h.cluster_id = config_.cluster_id;
  h.source = config_.self;
  h.destination = config_.destination;
  h.epoch = config_.epoch;
  h.sequence = ++seq_;
  auto bytes = encode_frame(h, records, config_.key);
  assert(bytes);  // the sender only builds valid records
  ++stats_.frames;
  stats_.bytes += bytes->size();
  for (const Record& r : records) {
    switch (r.type) {
      case RecordType::kNewV4:
      case RecordType::kNewV6:
        ++stats_.records_new;
        break;
      case RecordType::kUpdateV4:
      case RecordType::kUpdateV6:
        ++stats_.records_update;
        break;
      case RecordType::kDeleteV4:
      case RecordType::kDeleteV6:
        ++stats_.records_delete;
        break;
      default:
        break;
    }
  }
  out_.push_back(std::move(*bytes));
  window_.push_back(Kept{h.sequence, now, std::move(keys), fs_end});
  // The frames of the latest full sync are kept on top of resend_window: a full sync larger than the
  // window could otherwise never be repaired (a NACK inside it would start the next one, forever).
  while (window_.size() > config_.resend_window + full_sync_frames_) {
    window_.pop_front();
    ++stats_.window_evicted;
  }
  last_sent_ = now;
}

void Sender::flush(TimePoint now, bool partial) {
  if (dirty_.empty()) return;
  const size_t capacity = max_payload_ - kFrameOverheadBytes;
  if (!partial && dirty_bytes_ < capacity) return;
  std::vector<Record> recs;
  std::vector<FlowKey> keys;
  size_t used = 0;
  auto send_frame = [&] {
    for (const FlowKey& k : keys) settle(k);
    ++stats_.delta_frames;
    emit(now, 0, std::move(recs), std::move(keys));
    recs.clear(), keys.clear(), used = 0;
  };
  for (const FlowKey& key : dirty_) {
    auto it = table_.find(key);
    if (it == table_.end() || !it->second.dirty) continue;  // settled by a resend or a full sync
    auto rec = current_record(key, false);
    if (!rec) {
      if (!it->second.offered && !it->second.alive) ++stats_.never_synced;
      settle(key);
      continue;
    }
    const size_t n = encoded_size(*rec);
    if (used + n > capacity) send_frame();
    recs.push_back(std::move(*rec));
    keys.push_back(key);
    used += n;
  }
  dirty_.clear();
  dirty_bytes_ = 0;
  if (!recs.empty()) {
    if (partial) {
      send_frame();
    } else {  // keep the unfinished frame's connections dirty for the flush timer
      for (const FlowKey& k : keys) {
        dirty_.push_back(k);
        dirty_bytes_ += delta_bytes(k);
      }
      return;
    }
  }
  dirty_since_ = TimePoint::max();
}

void Sender::full_sync(TimePoint now) {
  for (const FlowKey& k : dirty_) {
    auto it = table_.find(k);
    if (it != table_.end()) it->second.dirty = false;
  }
  dirty_.clear();
  dirty_bytes_ = 0;
  dirty_since_ = TimePoint::max();
  const uint32_t session = seq_ + 1;
  std::vector<Record> recs;
  recs.push_back(full_sync_begin(session, 0));
  for (auto it = table_.begin(); it != table_.end();) {
    Conn& c = it->second;
    c.dirty = false;
    if (c.alive && c.offered) {
      c.sent = true;
      recs.push_back(new_record(it->first, c.value));
      ++it;
    } else if (!c.alive) {
      it = table_.erase(it);
    } else {
      c.sent = false;
      ++it;
    }
  }
  const auto entries = static_cast<uint32_t>(recs.size() - 1);
  recs.front().count = entries;
  recs.push_back(full_sync_end(session, entries));
  auto frames = batch_records(recs, max_payload_);
  full_sync_frames_ = frames.size();
  for (size_t i = 0; i < frames.size(); ++i) {
    std::vector<FlowKey> keys;
    for (const Record& r : frames[i]) {
      if (r.type != RecordType::kFullSyncBegin && r.type != RecordType::kFullSyncEnd) keys.push_back(r.key);
    }
    std::optional<std::pair<uint32_t, uint32_t>> end;
    if (i + 1 == frames.size()) end = std::make_pair(session, entries);
    ++stats_.full_sync_frames;
    emit(now, kFlagFullSync, std::move(frames[i]), std::move(keys), end);
  }
  ++stats_.full_syncs;
  last_full_sync_ = now;
  full_sync_queued_ = false;
}

void Sender::request_full_sync(TimePoint now) {
  if (last_full_sync_ != TimePoint::min() && now - last_full_sync_ < config_.full_sync_holdoff) {
    full_sync_queued_ = true;
    return;
  }
  full_sync(now);
}

void Sender::resend(TimePoint now, uint32_t first, uint32_t last) {
  const uint32_t base = window_.front().seq;
  std::vector<FlowKey> keys;
  std::unordered_set<FlowKey, FlowKeyHash> seen;
  std::optional<std::pair<uint32_t, uint32_t>> fs_end;
  for (uint32_t s = first; s <= last && s - base < window_.size(); ++s) {
    const Kept& k = window_[s - base];
    for (const FlowKey& key : k.keys) {
      if (seen.insert(key).second) keys.push_back(key);
    }
    if (k.full_sync_end) fs_end = k.full_sync_end;
    if (s == last) break;
  }
  std::vector<Record> recs;
  recs.push_back(nack_record(config_.epoch, first, last));  // the echo: "these are answered"
  for (const FlowKey& key : keys) recs.push_back(*current_record(key, true));
  if (fs_end) recs.push_back(full_sync_end(fs_end->first, fs_end->second));
  for (const FlowKey& key : keys) settle(key);
  auto frames = batch_records(recs, max_payload_);
  for (size_t i = 0; i < frames.size(); ++i) {
    std::vector<FlowKey> fk;
    for (const Record& r : frames[i]) {
      if (r.type != RecordType::kNack && r.type != RecordType::kFullSyncEnd) fk.push_back(r.key);
    }
    std::optional<std::pair<uint32_t, uint32_t>> end;
    if (i + 1 == frames.size()) end = fs_end;
    ++stats_.retransmit_frames;
    emit(now, kFlagRetransmit, std::move(frames[i]), std::move(fk), end);
  }
}

// ---- Reverse direction and timers ----------------------------------------------------------------

void Sender::on_frame(TimePoint now, const uint8_t* data, size_t size) {
  auto f = reverse_.receive(data, size);
  if (!f) return;
  for (const Record& r : f->records) {
    if (r.type == RecordType::kAck) {
      if (r.epoch != config_.epoch) {
        ++stats_.nacks_bad;
        continue;
      }
      ++stats_.acks;
      const uint32_t upto = std::min(r.last_seq, seq_);
      if (upto > acked_) acked_ = upto;
      while (!window_.empty() && window_.front().seq <= acked_) window_.pop_front();
    } else if (r.type == RecordType::kNack) {
      if (r.first_seq == 0 && r.last_seq == 0) {
        ++stats_.full_sync_requests;
        request_full_sync(now);
        continue;
      }
      ++stats_.nacks;
      if (r.epoch != config_.epoch || r.first_seq > r.last_seq || r.first_seq > seq_ || r.first_seq == 0) {
        ++stats_.nacks_bad;
        continue;
      }
      const uint32_t last = std::min(r.last_seq, seq_);
      if (last <= acked_) {
        ++stats_.nacks_stale;  // already acknowledged: a late NACK
        continue;
      }
      const uint32_t first = std::max(r.first_seq, acked_ + 1);
      if (window_.empty() || first < window_.front().seq) {
        ++stats_.full_sync_too_old;  // forgotten: only a full sync can repair it
        request_full_sync(now);
        continue;
      }
      resend(now, first, last);
    }
  }
}

void Sender::on_timer(TimePoint now) {
  while (!maturity_.empty() && maturity_.top().first <= now) {
    const FlowKey key = maturity_.top().second;
    maturity_.pop();
    auto it = table_.find(key);
    if (it == table_.end()) continue;
    Conn& c = it->second;
    if (c.alive && !c.offered && now - c.created >= delay_for(key)) {
      c.offered = true;
      ++stats_.matured;
      mark_dirty(now, key, c);
    }
  }
  flush(now, false);
  if (full_sync_queued_ && now - last_full_sync_ >= config_.full_sync_holdoff) full_sync(now);
  if (!dirty_.empty() && dirty_since_ != TimePoint::max() && now - dirty_since_ >= config_.flush) flush(now, true);
  if (last_sent_ != TimePoint::min() && now - last_sent_ >= config_.heartbeat) {
    ++stats_.heartbeat_frames;
    emit(now, kFlagAckRequest, {heartbeat_record(seq_ + 1)}, {});
  }
}

TimePoint Sender::next_deadline() const {
  TimePoint t = kNever;
  if (!maturity_.empty()) t = std::min(t, maturity_.top().first);
  if (full_sync_queued_) t = std::min(t, last_full_sync_ + config_.full_sync_holdoff);
  if (!dirty_.empty() && dirty_since_ != TimePoint::max()) t = std::min(t, dirty_since_ + config_.flush);
  if (last_sent_ != TimePoint::min()) t = std::min(t, last_sent_ + config_.heartbeat);
  return t;
}

Duration Sender::lag(TimePoint now) const {
  for (const Kept& k : window_)
    if (k.seq > acked_) return std::max(Duration::zero(), std::chrono::duration_cast<Duration>(now - k.sent));
  return Duration::zero();
}

std::vector<std::vector<uint8_t>> Sender::take_output() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(out_);
  return out;
}

std::vector<std::pair<FlowKey, uint64_t>> Sender::backup_view() const {
  std::vector<std::pair<FlowKey, uint64_t>> out;
  for (const auto& [k, c] : table_) {
    if (c.alive && c.offered) out.emplace_back(k, c.value);
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return key_less(x.first, y.first); });
  return out;
}

}  // namespace conductor::sync
