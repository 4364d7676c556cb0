// HyperSync receive session (session.hpp, docs/hypersync.md §12.2).
#include "host/sync/session.hpp"

#include <algorithm>

namespace conductor::sync {

namespace {

Membership session_membership(const SessionConfig& c) {
  Membership m;
  m.cluster_id = c.cluster_id;
  m.self = c.self;
  m.add(c.self);
  m.add(c.peer);
  return m;
}

KeyRing session_keys(const SessionConfig& c) { return KeyRing::single(c.key_number, c.key); }

// ACK/NACK frames stay well inside any sync MTU.
constexpr size_t kReplyPayload = max_payload_for_mtu(kDefaultMtu, true);

}  // namespace

Session::Session(SessionConfig config, BackupStore& store)
    : config_(std::move(config)),
      store_(store),
      receiver_(session_membership(config_), session_keys(config_), config_.log) {}

void Session::add_missing(TimePoint now, uint32_t from, uint32_t to) {
  if (from > to) return;
  const uint64_t count = uint64_t{to} - from + 1;
  if (missing_.size() + count > config_.max_missing) {
    unrepairable(now, to + 1);
    return;
  }
  stats_.gaps += count;
  for (uint64_t s = from; s <= to; ++s) missing_.emplace(static_cast<uint32_t>(s), Missing{now + nack_wait(), 0, now});
}

void Session::unrepairable(TimePoint, uint32_t floor) {
  ++stats_.unrepairable;
  missing_.clear();
  floor_ = std::max(floor_, floor);  // nothing below is tracked any more
  in_sync_ = false;
  last_full_sync_frame_ = TimePoint::min();  // ask at once, even if a full sync was under way
  full_sync_seen_ = false;
  whole_after_ = 0;
  ask_now_ = true;
  last_request_ = TimePoint::min();
}

uint32_t Session::contiguous() const { return missing_.empty() ? highest_ : missing_.begin()->first - 1; }

void Session::on_frame(TimePoint now, const uint8_t* data, size_t size) {
  auto f = receiver_.receive(data, size);
  if (!f) return;
  const FrameHeader& h = f->header;
  if (h.source != config_.peer) {
    ++stats_.foreign;
    return;
  }
  ++stats_.frames;
  const uint32_t s = h.sequence;
  if (!known_ || h.epoch != epoch_) {  // the codec drops older epochs, so this one is newer
    if (known_) ++stats_.new_epochs;
    known_ = true;
    epoch_ = h.epoch;
    missing_.clear();
    acked_ = 0;
    in_sync_ = false;
    committed_ = 0;
    whole_after_ = 0;
    last_full_sync_frame_ = TimePoint::min();
    full_sync_seen_ = false;
    last_request_ = TimePoint::min();
    // From the epoch's first frame on, gaps are tracked; joining later, what came before is unknown and
    // only a full sync brings it (requested below, since the session is not in sync).
    highest_ = s == 1 ? 0 : s - 1;
    floor_ = s;
    ask_now_ = s != 1;  // unless this frame itself begins a full sync (its BEGIN clears it)
  }
  if (s > highest_) {
    add_missing(now, highest_ + 1, s - 1);
    highest_ = s;
  } else if (auto it = missing_.find(s); it != missing_.end()) {
    if (it->second.attempts == 0) {  // late, not resent: the link reorders by this much
      const auto late = std::chrono::duration_cast<Duration>(now - it->second.noticed);
      reorder_ = std::max(late, reorder_ - reorder_ / 64);
    }
    missing_.erase(it);
    ++stats_.reordered;
    ack_now_ = true;  // a filled gap lets the cumulative ACK jump: the sender's window waits for it
  }
  const bool full_sync_frame = h.flags & kFlagFullSync;
  // A full sync under way: its own frames and, once one of them was seen, the resends that repair it.
  // As long as they come, the session does not ask for another one. (Resends alone prove nothing: the
  // echoes of NACKed heartbeats keep coming while the request itself was lost.)
  if (full_sync_frame || ((h.flags & kFlagRetransmit) && full_sync_seen_)) last_full_sync_frame_ = now;
  for (const Record& r : f->records) {
    if (is_flow_record(r.type)) {
      store_.apply(h.source, h.epoch, s, full_sync_frame, r);
      continue;
    }
    switch (r.type) {
      case RecordType::kFullSyncBegin:
        last_full_sync_frame_ = now;
        // A newer full sync replaces the copy at its END (a backup duty that moved here, a restart):
        // until then the copy is not whole.
        if (r.session >= floor_ && r.session > committed_) {
          in_sync_ = false;
          whole_after_ = 0;
          full_sync_seen_ = true;  // one this session can commit is under way
          ask_now_ = false;
        }
        break;
      case RecordType::kFullSyncEnd:
        store_.apply(h.source, h.epoch, s, full_sync_frame, r);
        last_full_sync_frame_ = now;
        // In sync only if every frame from the full sync's start on is accounted for (received or
        // tracked as missing): a late END of a full sync that began before this session started
        // tracking (it joined late, or gave up on a gap) does not make it whole.
        if (r.session >= floor_ && r.session <= s && r.session >= committed_) {
          // Whole once no frame of the full sync (session .. this END) is missing any more: a lost one's
          // connections come back as resends (the store keeps them, §12.3), until then the copy lacks them.
          whole_after_ = std::max(whole_after_, s);
          committed_ = r.session;
          // Frames before the full sync no longer matter: its snapshot already reflects them.
          missing_.erase(missing_.begin(), missing_.lower_bound(r.session));
        } else if (!in_sync_ && r.session < floor_) {
          ask_now_ = true;  // the END of a full sync that began before this session could follow it
        }
        break;
      case RecordType::kNack:  // in a RETRANSMIT frame: the echo of the NACK it answers
        if ((h.flags & kFlagRetransmit) && r.epoch == epoch_ && r.first_seq <= r.last_seq) {
          auto lo = missing_.lower_bound(r.first_seq);
          auto hi = missing_.upper_bound(r.last_seq);
          stats_.repaired += static_cast<uint64_t>(std::distance(lo, hi));
          if (lo != hi) ack_now_ = true;
          missing_.erase(lo, hi);
        }
        break;
      case RecordType::kHeartbeat:
        if (r.first_seq > highest_) {
          stats_.tail_losses += r.first_seq - highest_;
          add_missing(now, highest_ + 1, r.first_seq);
          highest_ = r.first_seq;
        }
        break;
      default:
        break;
    }
  }
  if (whole_after_ != 0 && !in_sync_ && (missing_.empty() || missing_.begin()->first > whole_after_)) {
    in_sync_ = true;
    whole_after_ = 0;
    full_sync_seen_ = false;
  }
  if (h.flags & kFlagAckRequest) ack_now_ = true;
  on_timer(now);
}

void Session::send(std::vector<Record> records) {
  for (auto& frame : batch_records(records, kReplyPayload)) {
    FrameHeader h;
    h.key_number = config_.key_number;
    h.cluster_id = config_.cluster_id;
    h.source = config_.self;
    h.destination = config_.peer;
    h.epoch = config_.epoch;
    h.sequence = ++seq_;
    auto bytes = encode_frame(h, frame, config_.key);
    assert(bytes);
    out_.push_back(std::move(*bytes));
    ++stats_.frames_sent;
  }
}

void Session::on_timer(TimePoint now) {
  if (!known_) return;
  std::vector<Record> reply;
  // NACKs for missing sequences that are due, as ranges.
  bool give_up = false;
  for (auto& [seq, m] : missing_) {
    if (m.due > now) continue;
    if (++m.attempts > config_.nack_attempts) {
      give_up = true;
      break;
    }
    // Backing off (nack_retry, twice that, ... up to nack_retry_max): a quick second NACK repairs plain
    // loss, and on a link that reorders by more than nack_retry the NACKs do not flood it with resends.
    m.due =
        now + std::min(std::max(config_.nack_retry_max, nack_wait()),
                       std::max(config_.nack_retry, nack_wait()) * (Duration::rep{1} << std::min(m.attempts - 1, 10u)));
    if (!reply.empty() && reply.back().last_seq + 1 == seq) {
      reply.back().last_seq = seq;
    } else {
      reply.push_back(nack_record(epoch_, seq, seq));
    }
  }
  if (give_up) {
    reply.clear();
    unrepairable(now, highest_ + 1);
  }
  stats_.nacks_sent += reply.size();
  // A full sync when not in sync and none is arriving.
  if (!in_sync_ &&
      ((ask_now_ && now >= last_request_ + request_retry()) ||
       (now >= last_request_ + request_retry() && now >= last_full_sync_frame_ + config_.full_sync_retry))) {
    ask_now_ = false;
    reply.push_back(nack_record(epoch_, 0, 0));
    last_request_ = now;
    ++stats_.full_sync_requests;
  }
  // Cumulative ACK.
  const uint32_t upto = contiguous();
  if (upto > acked_ && (ack_now_ || now >= last_ack_ + config_.ack_interval)) {
    reply.push_back(ack_record(epoch_, acked_ + 1, upto));
    acked_ = upto;
    last_ack_ = now;
    ack_now_ = false;
    ++stats_.acks_sent;
  }
  if (!reply.empty()) send(std::move(reply));
}

TimePoint Session::next_deadline() const {
  if (!known_) return kNever;
  TimePoint t = kNever;
  for (const auto& [seq, m] : missing_) t = std::min(t, m.due);
  if (!in_sync_)
    t = std::min(t, std::max(last_request_ + request_retry(),
                             ask_now_ ? TimePoint::min() : last_full_sync_frame_ + config_.full_sync_retry));
  if (contiguous() > acked_) t = std::min(t, ack_now_ ? TimePoint::min() : last_ack_ + config_.ack_interval);
  return t;
}

std::vector<std::vector<uint8_t>> Session::take_output() {
  std::vector<std::vector<uint8_t>> out;
  out.swap(out_);
  return out;
}

}  // namespace conductor::sync
