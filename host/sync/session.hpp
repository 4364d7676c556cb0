// HyperSync receive session for one source (docs/hypersync.md §12.2): the backup's side of reliable
// delivery, on top of Receiver (every receive check of the codec) and a BackupStore. Sans-I/O: frames
// and a clock in, ACK/NACK frames out (take_output()), on_timer() at next_deadline().
//
//   Gaps. The session tracks the highest sequence accepted in the source's epoch and the missing ones
//   below it (at most `max_missing`). A missing sequence is NACKed after `nack_delay` or 1.5 times the
//   reordering the link has shown, whichever is longer (it may only be late), then again after
//   `nack_retry` and twice as long each time up to `nack_retry_max` (or that reordering wait), until
//   it arrives or a RETRANSMIT frame echoes a NACK covering it (the sender resent the current state of
//   its connections). After `nack_attempts` NACKs, or when the missing ones would exceed
//   `max_missing`, the gap is unrepairable: full-sync request. A HEARTBEAT above the highest accepted
//   sequence reveals lost tail frames the same way. NACK ranges go out as NACK(epoch, first, last)
//   records, as many as fit one frame.
//
//   ACKs. Every `ack_interval`, and at once when a frame asks with ACK_REQUEST or a gap was filled,
//   the session ACKs (epoch, first, last) where last is the highest sequence below which nothing is
//   missing any more and first the lowest it has not acknowledged before. The sender then forgets
//   those frames and its window opens.
//
//   Full sync. A session is "in sync" (whole) once a full sync of the source's current epoch has been
//   committed (FULL_SYNC_END) and none of its frames is missing any more; the BEGIN of a newer one it
//   can commit makes it not whole until that one's END. Not in sync, it asks with NACK(epoch, 0, 0) —
//   sequence 0 is never used, so the range 0..0 means "everything" — at once when the full sync under
//   way cannot make it whole (it joined after the BEGIN, gave up on a gap, or the END names an older
//   session), otherwise when nothing of a full sync arrived for `full_sync_retry` (FULL_SYNC frames,
//   and RETRANSMIT frames once a BEGIN it can commit was seen); an unanswered request is repeated
//   after a quarter of that. A fresh session (a backup that restarted) therefore asks at the first
//   frame it hears, unless that frame is the start of the source's epoch (sequence 1: the sender's
//   own start-up full sync is on its way). Only a full sync whose session is at or above the first
//   sequence the session has tracked since joining (or since giving up on a gap) makes it in sync: an
//   older one may lack frames the session never saw.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "host/sync/backup_store.hpp"
#include "host/sync/codec.hpp"
#include "host/sync/sync_types.hpp"

namespace conductor::sync {

struct SessionConfig {
  uint16_t cluster_id = 0;
  uint8_t self = 0;    // member_byte() of this backup
  uint8_t peer = 0;    // member_byte() of the primary this session listens to
  uint32_t epoch = 1;  // this backup's epoch for its ACK/NACK frames (greater after a restart)
  SipKey key{};
  uint8_t key_number = 0;
  Duration ack_interval = std::chrono::milliseconds{20};
  Duration nack_delay = std::chrono::microseconds{500};
  Duration nack_retry = std::chrono::milliseconds{5};       // the first retry; each next one waits twice as long
  Duration nack_retry_max = std::chrono::milliseconds{20};  // ... up to this (or the reordering wait)
  unsigned nack_attempts = 128;                             // about 2.5 s of asking
  size_t max_missing = 1024;
  Duration full_sync_retry = std::chrono::seconds{1};
  Receiver::LogSink log{};  // reject lines (default stderr)
};

struct SessionStats {
  uint64_t frames = 0;      // accepted from the peer
  uint64_t foreign = 0;     // accepted but from another source (the transport misrouted it)
  uint64_t gaps = 0;        // sequences found missing
  uint64_t reordered = 0;   // missing sequences that arrived late
  uint64_t repaired = 0;    // missing sequences answered by a NACK echo
  uint64_t nacks_sent = 0;  // NACK records (ranges)
  uint64_t acks_sent = 0;
  uint64_t full_sync_requests = 0;
  uint64_t unrepairable = 0;  // gaps given up on (attempts used up or too large)
  uint64_t tail_losses = 0;   // sequences revealed missing by a heartbeat
  uint64_t frames_sent = 0;
  uint64_t new_epochs = 0;
};

class Session final : public SyncEndpoint {
 public:
  Session(SessionConfig config, BackupStore& store);

  void on_frame(TimePoint now, const uint8_t* data, size_t size) override;
  void on_timer(TimePoint now) override;
  TimePoint next_deadline() const override;
  std::vector<std::vector<uint8_t>> take_output() override;

  bool in_sync() const { return in_sync_; }
  uint32_t source_epoch() const { return epoch_; }
  uint32_t highest() const { return highest_; }
  size_t missing() const { return missing_.size(); }
  const SessionStats& stats() const { return stats_; }
  const RxCounters& counters() const { return receiver_.counters(); }
  const SessionConfig& config() const { return config_; }

 private:
  struct Missing {
    TimePoint due{};
    unsigned attempts = 0;
    TimePoint noticed{};
  };
  // How late reordered frames arrive on this link: the longest wait seen, decaying by 1/64 per late
  // frame. NACKs wait 1.5 times that (at most 100 ms), so a reordering link is not flooded with needless
  // resends.
  Duration reorder_{0};
  static constexpr Duration kMaxReorderWait = std::chrono::milliseconds{100};
  Duration nack_wait() const {
    return std::max(config_.nack_delay, std::min(kMaxReorderWait, reorder_ + reorder_ / 2));
  }
  void add_missing(TimePoint now, uint32_t from, uint32_t to);  // inclusive
  void unrepairable(TimePoint now, uint32_t floor);
  uint32_t contiguous() const;  // everything up to here is received or answered
  void send(std::vector<Record> records);

  SessionConfig config_;
  BackupStore& store_;
  Receiver receiver_;
  bool known_ = false;  // an epoch of the source has been seen
  uint32_t epoch_ = 0;
  uint32_t highest_ = 0;
  uint32_t floor_ = 1;  // every sequence from here to highest_ is received or tracked as missing
  std::map<uint32_t, Missing> missing_;
  uint32_t acked_ = 0;  // highest sequence ACKed
  bool ack_now_ = false;
  TimePoint last_ack_ = TimePoint::min();
  bool in_sync_ = false;
  bool want_full_sync_ = false;
  uint32_t committed_ = 0;       // session of the last full sync committed in this epoch
  bool full_sync_seen_ = false;  // the BEGIN of a full sync this session can commit arrived
  bool ask_now_ = false;
  uint32_t whole_after_ =
      0;  // a full sync's END arrived in this frame: whole once nothing up to it is missing         // the full sync under way cannot make this session whole: ask at once
  // A request nothing answered yet (no FULL_SYNC frame seen) is repeated sooner: it was likely lost.
  Duration request_retry() const { return full_sync_seen_ ? config_.full_sync_retry : config_.full_sync_retry / 4; }
  TimePoint last_full_sync_frame_ = TimePoint::min();
  TimePoint last_request_ = TimePoint::min();
  uint32_t seq_ = 0;  // our own frames
  std::vector<std::vector<uint8_t>> out_;
  SessionStats stats_;
};

}  // namespace conductor::sync
