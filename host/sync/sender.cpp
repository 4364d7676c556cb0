// HyperSync sender for one destination (sender.hpp, docs/hypersync.md §12).
#include "host/sync/sender.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <climits>
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

constexpr size_t kIpUdpBytes = 28;  // IPv4 and UDP headers: what the rate counts beside the payload

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
  if (c.window == 0) return bad("window 0 (at least 1 frame in flight)");
  if (c.probe <= Duration::zero()) return bad("probe must be positive");
  if (c.resend_holdoff < Duration::zero()) return bad("resend_holdoff is negative");
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
      reverse_(reverse_membership(config_), ring(config_), config_.log),
      probe_every_(config_.probe) {
  assert(validate(config_));
}

Duration Sender::delay_for(const FlowKey& key) const {
  for (const PortDelay& p : config_.port_delays) {
    if (key.a_port == p.port || key.b_port == p.port) return p.delay;
  }
  return config_.delay;
}

// ---- Events --------------------------------------------------------------------------------------

void Sender::start(TimePoint now) {
  started_ = true;
  full_sync(now);
}

void Sender::replace(TimePoint now, const std::vector<std::pair<FlowKey, uint64_t>>& entries, TimePoint created) {
  table_.clear();
  dirty_.clear();
  dirty_bytes_ = 0;
  dirty_since_ = TimePoint::max();
  maturity_ = {};
  table_.reserve(entries.size());
  for (const auto& [k, v] : entries) {
    Conn& c = table_[k];
    c.value = v;
    c.created = created;
    c.offered = true;
  }
  started_ = true;
  full_sync(now);  // at once: the destination's copy must change now, whatever the hold-off
}

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
    pump(now);
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
  pump(now);
}

void Sender::on_update(TimePoint now, const FlowKey& key, uint64_t value) {
  auto it = table_.find(key);
  if (it == table_.end() || !it->second.alive) {
    ++stats_.update_unknown;
    return;
  }
  it->second.value = value;
  if (it->second.offered) mark_dirty(now, key, it->second);
  pump(now);
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
  pump(now);
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
  // Credits come back with ACKs: ask for one every quarter window, when the window fills and with
  // every resend (a repaired gap lets the cumulative ACK jump).
  const size_t w = effective_window();
  if ((flags & kFlagRetransmit) || fs_end || seq_ - last_ack_request_ >= std::max<size_t>(1, w / 4) ||
      in_flight() + 1 >= w)
    h.flags |= kFlagAckRequest;
  if (fs_end && !(flags & kFlagRetransmit)) fs_end_seq_ = seq_;
  if (h.flags & kFlagAckRequest) last_ack_request_ = seq_;
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
  if (config_.rate_bps) tokens_ -= static_cast<double>(bytes->size() + kIpUdpBytes);
  out_.push_back(std::move(*bytes));
  if (window_.empty()) last_progress_ = now;  // the wait for an ACK starts with the first frame in flight
  Kept k{.seq = h.sequence, .sent = now, .keys = std::move(keys), .full_sync_end = fs_end};
  k.heartbeat = k.keys.empty() && !fs_end;  // kept for the sequence arithmetic only
  unkeyed_ += k.heartbeat ? 1 : 0;
  window_.push_back(std::move(k));
  // Frames with keys stay within resend_window: new frames wait for the window and a resend moves the
  // keys it carries from the old frames to its own, so in practice nothing is pushed out. Heartbeats
  // and forwarded frames hold no keys (about 100 bytes each); at most 4096 of them, or 4 x resend_window,
  // are kept: under heavy loss and reordering the cumulative ACK can wait long behind one gap.
  while (window_.size() - unkeyed_ > config_.resend_window ||
         window_.size() > config_.resend_window + std::max<size_t>(4096, 4 * config_.resend_window)) {
    pop_kept();
    ++stats_.window_evicted;
  }
  last_sent_ = now;
}

bool Sender::flush_one(TimePoint now, bool partial) {
  const size_t capacity = max_payload_ - kFrameOverheadBytes;
  if (dirty_.empty() || (!partial && dirty_bytes_ < capacity)) return false;
  std::vector<Record> recs;
  std::vector<FlowKey> keys;
  size_t used = 0;
  while (!dirty_.empty()) {
    const FlowKey key = dirty_.front();
    auto it = table_.find(key);
    if (it == table_.end() || !it->second.dirty) {  // settled by a resend or a full sync
      dirty_.pop_front();
      dirty_bytes_ -= delta_bytes(key);
      continue;
    }
    auto rec = current_record(key, false);
    if (!rec) {
      if (!it->second.offered && !it->second.alive) ++stats_.never_synced;
      dirty_.pop_front();
      dirty_bytes_ -= delta_bytes(key);
      settle(key);
      continue;
    }
    const size_t n = encoded_size(*rec);
    if (used + n > capacity) break;
    dirty_.pop_front();
    dirty_bytes_ -= delta_bytes(key);
    recs.push_back(std::move(*rec));
    keys.push_back(key);
    used += n;
  }
  if (dirty_.empty()) dirty_since_ = TimePoint::max();
  if (recs.empty()) return false;
  for (const FlowKey& k : keys) settle(k);
  ++stats_.delta_frames;
  emit(now, 0, std::move(recs), std::move(keys));
  return true;
}

void Sender::full_sync(TimePoint now) {
  // Everything in flight is superseded: the destination's commit of this full sync drops whatever
  // older frames brought, so their NACKs get an echo and the window starts empty.
  superseded_below_ = seq_ + 1;
  window_.clear();
  unkeyed_ = 0;
  dirty_.clear();
  dirty_bytes_ = 0;
  dirty_since_ = TimePoint::max();
  fs_keys_.clear();
  fs_keys_.reserve(table_.size());
  for (auto it = table_.begin(); it != table_.end();) {
    Conn& c = it->second;
    c.dirty = false;
    if (c.alive && c.offered) {
      c.sent = true;  // from now on a change or a delete is owed as a delta, whatever the cursor did
      fs_keys_.push_back(it->first);
      ++it;
    } else if (!c.alive) {
      it = table_.erase(it);
    } else {
      c.sent = false;
      ++it;
    }
  }
  fs_pos_ = 0;
  fs_session_ = 0;
  fs_entries_ = 0;
  full_sync_active_ = true;
  ++stats_.full_syncs;
  last_full_sync_ = now;
  full_sync_queued_ = false;
  pump(now);
}

bool Sender::full_sync_step(TimePoint now) {
  if (!full_sync_active_) return false;
  const size_t capacity = max_payload_ - kFrameOverheadBytes;
  std::vector<Record> recs;
  std::vector<FlowKey> keys;
  size_t used = 0;
  if (fs_session_ == 0) {
    fs_session_ = seq_ + 1;  // this frame carries BEGIN
    recs.push_back(full_sync_begin(fs_session_, static_cast<uint32_t>(fs_keys_.size())));
    used += encoded_size(recs.back());
  }
  for (; fs_pos_ < fs_keys_.size(); ++fs_pos_) {
    const FlowKey& key = fs_keys_[fs_pos_];
    auto it = table_.find(key);
    if (it == table_.end() || !it->second.alive || !it->second.offered) continue;  // gone: its DELETE is a delta
    Record r = new_record(key, it->second.value);
    const size_t n = encoded_size(r);
    if (used + n > capacity) break;
    recs.push_back(r);
    keys.push_back(key);
    used += n;
    ++fs_entries_;
  }
  std::optional<std::pair<uint32_t, uint32_t>> end;
  if (fs_pos_ == fs_keys_.size()) {
    Record e = full_sync_end(fs_session_, fs_entries_);
    if (used + encoded_size(e) <= capacity) {
      recs.push_back(e);
      end = std::make_pair(fs_session_, fs_entries_);
      full_sync_active_ = false;
      fs_keys_.clear();
      fs_keys_.shrink_to_fit();
    }
  }
  stats_.full_sync_records += keys.size();
  ++stats_.full_sync_frames;
  emit(now, kFlagFullSync, std::move(recs), std::move(keys), end);
  return true;
}

bool Sender::can_send(TimePoint now) {
  if (in_flight() >= effective_window()) {
    ++stats_.window_waits;
    return false;
  }
  if (config_.rate_bps == 0) return true;
  // Token bucket in bytes; the bucket holds at most two frames or 1 ms of the rate.
  const double per_us = static_cast<double>(config_.rate_bps) / 8e6;
  const double cap = std::max(2.0 * static_cast<double>(max_payload_ + kIpUdpBytes), per_us * 1000.0);
  if (tokens_at_ == TimePoint::min()) {
    tokens_ = cap;
  } else if (now > tokens_at_) {
    tokens_ = std::min(
        cap, tokens_ + per_us * static_cast<double>(std::chrono::duration_cast<Duration>(now - tokens_at_).count()));
  }
  tokens_at_ = now;
  if (tokens_ < 0) {
    ++stats_.rate_waits;
    return false;
  }
  return true;
}

void Sender::pump(TimePoint now) {
  if (!started_) return;
  for (;;) {
    const bool overdue = !dirty_.empty() && dirty_since_ != TimePoint::max() && now - dirty_since_ >= config_.flush;
    const bool full_delta = dirty_bytes_ >= max_payload_ - kFrameOverheadBytes;
    if (!overdue && !full_delta && !full_sync_active_) return;
    if (!can_send(now)) return;
    if (flush_one(now, overdue)) continue;
    if (full_sync_step(now)) continue;
    return;
  }
}

void Sender::request_full_sync(TimePoint now) {
  // A full sync whose BEGIN has not left yet is newer than anything the requester has seen: it is
  // the answer.
  if (full_sync_active_ && fs_session_ == 0) return;
  if (last_full_sync_ != TimePoint::min() && now - last_full_sync_ < config_.full_sync_holdoff) {
    full_sync_queued_ = true;
    return;
  }
  full_sync(now);
}

void Sender::resend(TimePoint now, uint32_t first, uint32_t last) {
  // The range's frames older than the running full sync: its commit covers them, an echo answers.
  if (first < superseded_below_) {
    const uint32_t to = std::min(last, superseded_below_ - 1);
    stats_.nacks_superseded += to - first + 1;
    answer_.echoes.push_back(nack_record(config_.epoch, first, to));
    first = to + 1;
    if (first > last) return;
  }
  if (window_.empty() || first < window_.front().seq) {
    ++stats_.full_sync_too_old;  // forgotten: only a full sync can repair it
    request_full_sync(now);
    return;
  }
  // Frames resent within resend_holdoff are not resent again (that answer may still be on its way;
  // the session asks again if it is lost), and the echo leaves them out so the session keeps asking.
  std::optional<Record> run;
  auto close_run = [&] {
    if (run) answer_.echoes.push_back(*run);
    run.reset();
  };
  for (uint32_t s = first; s <= last; ++s) {
    Kept* k = kept(s);
    if (!k) break;
    if (k->resent != TimePoint::min() && now - k->resent < config_.resend_holdoff) {
      ++stats_.nacks_coalesced;
      close_run();
    } else {
      k->resent = now;
      take(now, *k);
      if (run) {
        run->last_seq = s;
      } else {
        run = nack_record(config_.epoch, s, s);
      }
    }
    if (s == last) break;
  }
  close_run();
}

Sender::Kept* Sender::kept(uint32_t seq) {
  if (window_.empty() || seq < window_.front().seq || seq - window_.front().seq >= window_.size()) return nullptr;
  return &window_[seq - window_.front().seq];
}

void Sender::take(TimePoint now, Kept& k) {
  if (k.fwd_first != 0) {
    // Resent before and NACKed again: that resend was lost too. Its frames carry the keys now (a
    // frame no longer kept was acknowledged: delivered).
    for (uint32_t t = k.fwd_first; t != 0 && t <= k.fwd_last; ++t) {
      Kept* f = kept(t);
      if (!f || (f->resent != TimePoint::min() && now - f->resent < config_.resend_holdoff)) continue;
      f->resent = now;
      take(now, *f);
    }
    return;
  }
  size_t lo = SIZE_MAX, hi = 0;
  for (const FlowKey& key : k.keys) {
    auto [it, fresh] = answer_.index.try_emplace(key, answer_.keys.size());
    if (fresh) answer_.keys.push_back(key);
    lo = std::min(lo, it->second);
    hi = std::max(hi, it->second);
  }
  if (k.full_sync_end) answer_.fs_end = k.full_sync_end;
  if (!k.keys.empty() || k.full_sync_end) answer_.forward.push_back({k.seq, lo, hi});
}

void Sender::send_answer(TimePoint now) {
  if (answer_.echoes.empty()) return;
  std::vector<Record> recs = std::move(answer_.echoes);  // the echoes: "these are answered"
  for (const FlowKey& key : answer_.keys) recs.push_back(*current_record(key, true));
  if (answer_.fs_end) recs.push_back(full_sync_end(answer_.fs_end->first, answer_.fs_end->second));
  for (const FlowKey& key : answer_.keys) settle(key);
  const auto fs_end = answer_.fs_end;
  const size_t echoes = recs.size() - answer_.keys.size() - (answer_.fs_end ? 1 : 0);
  auto frames = batch_records(recs, max_payload_);
  // Record i of `recs` leaves in frame frame_of[i] (seq_ + 1 + that): the old frames' keys travel there
  // now, and a NACK for an old frame follows exactly the frames that carry its keys (or the END).
  std::vector<uint32_t> frame_of;
  frame_of.reserve(recs.size());
  for (size_t f = 0; f < frames.size(); ++f)
    frame_of.insert(frame_of.end(), frames[f].size(), static_cast<uint32_t>(f));
  const uint32_t last_frame = static_cast<uint32_t>(frames.size()) - 1;
  for (const Answer::Forward& fw : answer_.forward) {
    Kept* k = kept(fw.seq);
    if (!k || k->unkeyed()) continue;
    const bool end = k->full_sync_end.has_value();
    const uint32_t lo = fw.lo == SIZE_MAX ? last_frame : frame_of[echoes + fw.lo];
    const uint32_t hi = end ? last_frame : fw.lo == SIZE_MAX ? last_frame : frame_of[echoes + fw.hi];
    k->keys = {};
    k->full_sync_end.reset();
    k->fwd_first = seq_ + 1 + lo;
    k->fwd_last = seq_ + 1 + hi;
    ++unkeyed_;
  }
  answer_ = Answer{};
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
  heard_ = true;
  // Every NACK of the frame is answered together: one set of resend frames, each key once.
  for (const Record& r : f->records) {
    if (r.type == RecordType::kAck) {
      if (r.epoch != config_.epoch) {
        ++stats_.nacks_bad;
        continue;
      }
      ++stats_.acks;
      const uint32_t upto = std::min(r.last_seq, seq_);
      if (upto > acked_) acked_ = upto;
      const size_t before = window_.size();
      while (!window_.empty() && window_.front().seq <= acked_) pop_kept();
      if (window_.size() != before) {
        last_progress_ = now;
        probe_every_ = config_.probe;
      }
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
      resend(now, std::max(r.first_seq, acked_ + 1), last);
    }
  }
  send_answer(now);
  pump(now);
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
  if (full_sync_queued_ && now - last_full_sync_ >= config_.full_sync_holdoff) full_sync(now);
  pump(now);
  if (!started_) return;
  // Stalled: the window is full, or a full sync's END left and is not acknowledged (a lost tail would
  // otherwise wait for the next heartbeat, and the backup is not whole until it is repaired).
  // (Only once the destination has answered at all: one that is not there yet gets the heartbeats.)
  const bool stalled = !window_.empty() && (in_flight() >= effective_window() || (heard_ && acked_ < fs_end_seq_));
  if (stalled && now - std::max(last_progress_, last_probe_) >= probe_every_) {
    // The window stayed full: the ACK (or the frame asking for it) was lost. A heartbeat asks again and
    // reveals the tail; the interval doubles up to `heartbeat` while nothing comes back.
    ++stats_.probes;
    ++stats_.heartbeat_frames;
    last_probe_ = now;
    probe_every_ = std::min(probe_every_ * 2, config_.heartbeat);
    emit(now, kFlagAckRequest, {heartbeat_record(seq_ + 1)}, {});
  } else if (last_sent_ != TimePoint::min() && now - last_sent_ >= config_.heartbeat) {
    ++stats_.heartbeat_frames;
    emit(now, kFlagAckRequest, {heartbeat_record(seq_ + 1)}, {});
  }
}

TimePoint Sender::next_deadline() const {
  TimePoint t = kNever;
  if (!maturity_.empty()) t = std::min(t, maturity_.top().first);
  if (full_sync_queued_) t = std::min(t, last_full_sync_ + config_.full_sync_holdoff);
  const bool window_open = in_flight() < effective_window();
  const bool work = full_sync_active_ || !dirty_.empty();
  if (started_ && work && window_open) {
    if (config_.rate_bps && tokens_ < 0) {
      const double per_us = static_cast<double>(config_.rate_bps) / 8e6;
      t = std::min(t, tokens_at_ + Duration{static_cast<int64_t>(-tokens_ / per_us) + 1});
    } else if (full_sync_active_ || dirty_bytes_ >= max_payload_ - kFrameOverheadBytes) {
      t = std::min(t, tokens_at_ == TimePoint::min() ? last_sent_ : tokens_at_);  // due now
    } else if (dirty_since_ != TimePoint::max()) {
      t = std::min(t, dirty_since_ + config_.flush);
    }
  }
  if (started_ && !window_.empty() && (!window_open || (heard_ && acked_ < fs_end_seq_)))
    t = std::min(t, std::max(last_progress_, last_probe_) + probe_every_);
  if (last_sent_ != TimePoint::min()) t = std::min(t, last_sent_ + config_.heartbeat);
  return t;
}

void Sender::pop_kept() {
  if (window_.front().unkeyed()) --unkeyed_;
  window_.pop_front();
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
