// HyperSync sender for one destination (docs/hypersync.md §12): the primary's side of reliable delivery.
// Sans-I/O (docs/architecture.md rule 4): connection events and a clock in, UDP payloads out; the driver (the UDP
// transport, the daemon, a test with a fake clock) sends what take_output() returns and calls
// on_timer() at next_deadline().
//
//   start(now)                              new epoch: a full sync (empty table: BEGIN and END only)
//   replace(now, entries, created)          the whole table swapped, and a full sync of it
//   on_new(now, key, value, created)        a connection (created: when the flow table created it)
//   on_update(now, key, value)              its value changed
//   on_delete(now, key)                     it ended or aged out
//   on_frame(now, bytes)                    an ACK/NACK frame from the destination
//   on_timer(now)                           maturity, flush, pacing, probes, heartbeat, queued full sync
//
// Delayed notifications. A connection younger than its delay (the port table's entry for either port,
// else `delay`) is not offered: updates only change the sender's copy, a delete erases it and costs
// nothing. At created + delay, if still alive, it is offered (NEW). What the destination should hold
// is exactly the connections that are alive and offered (backup_view()).
//
// Delivery. Changes mark a connection dirty; a frame is built from the current state of dirty
// connections when it is full (MTU) or `flush` after the first change, so changes inside one flush
// interval coalesce. Each frame takes the next sequence number. Per frame the sender keeps the list
// of connection keys it carried (not its bytes) until the destination ACKs it.
//
// Pacing (docs/hypersync.md §12.1). At most `window` frames are in flight (sent, not acknowledged;
// at most 3/4 of `resend_window`) and a token bucket holds everything to `rate_bps`: new frames wait,
// changes keep coalescing meanwhile. ACK_REQUEST on every quarter window, on the frame that fills
// it, on resends and on a full sync's END; a probe heartbeat when the window stays full (or an END
// stays unacknowledged) for `probe`, the interval doubling while nothing comes back.
//
// Repair. A NACK for frames still kept resends the CURRENT state of their connections in new frames
// flagged RETRANSMIT, the first of which starts with the NACK records echoed back (the destination
// then stops asking for those sequence numbers): alive and offered -> UPDATE (NEW if never sent),
// otherwise -> DELETE. The old frames' key lists move to the resend frames that carry them (a NACK
// for an old frame again follows them there), so resends never push out a list that is still
// needed. A frame resent within `resend_holdoff` is not resent again. NACKs for frames older than the
// running full sync get an echo alone (its commit covers them).
//
// Full sync: FULL_SYNC_BEGIN(session = its frame's sequence), a NEW with the current value of every
// connection offered when it began (still alive), END, in frames flagged FULL_SYNC, sent as the
// window and the rate allow; a lost frame is repaired like any other. It runs at start, at replace,
// on a NACK with first = last = 0 (the destination asks) and on a NACK naming a frame no longer kept.
// Requests within `full_sync_holdoff` of the last full sync are served when the hold-off ends; a
// request while the next BEGIN has not left yet is answered by it. When nothing was sent for
// `heartbeat`, a HEARTBEAT frame (with ACK_REQUEST) carries the highest sequence so that a lost tail
// is noticed.
//
// Memory per destination: the connection table (the flow table's view of this destination's
// connections: key, value, creation time, 4 flags), the dirty list, a maturity queue of young
// connections, the running full sync's key list (one key per offered connection), and the key lists
// of at most `resend_window` frames in flight (<= 90 keys each at a 1500-byte MTU), freed by ACKs;
// heartbeats and forwarded frames kept behind a gap hold no keys (at most 4096 of them).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "host/common/status.hpp"
#include "host/sync/codec.hpp"
#include "host/sync/sync_types.hpp"

namespace conductor::sync {

// Delayed notifications per service: connections with `port` as either port wait `delay`.
struct PortDelay {
  uint16_t port = 0;
  Duration delay{0};
};

struct SenderConfig {
  uint16_t cluster_id = 0;
  uint8_t self = 0;         // member_byte() of this primary
  uint8_t destination = 0;  // member_byte() of the backup
  uint32_t epoch = 1;       // greater than any earlier epoch of this member
  SipKey key{};
  uint8_t key_number = 0;
  size_t mtu = kDefaultMtu;  // [sync] mtu
  bool ipv6_transport = false;
  Duration flush = std::chrono::milliseconds{1};  // [sync] flush
  Duration delay = std::chrono::seconds{3};       // [sync] delay; 0 turns delayed notifications off
  std::vector<PortDelay> port_delays{};           // per-service delays, first match wins
  Duration heartbeat = std::chrono::milliseconds{100};
  size_t resend_window = 1024;  // frames whose key lists are kept until ACKed
  Duration full_sync_holdoff = std::chrono::milliseconds{50};
  // Pacing (docs/hypersync.md §12.1, "Pacing"). At most `window` frames sent and not yet acknowledged
  // (the receiver's credit; at most 3/4 of resend_window); new frames wait, resends and heartbeats do not.
  size_t window = 768;
  uint64_t rate_bps = 0;  // [sync] rate: bits/s of IP packets (UDP payload + 28 bytes); 0: unlimited
  Duration probe = std::chrono::milliseconds{5};           // window full, no ACK for this long: ask for one
  Duration resend_holdoff = std::chrono::milliseconds{4};  // a frame resent this recently is not resent again
  Receiver::LogSink log{};                                 // reject lines of the reverse direction (default stderr)
};

// Names the first bad field: zero mtu or one too small for a record, resend_window 0, key number > 3,
// a member byte with bit 7 set, a zero flush or heartbeat.
Status validate(const SenderConfig& config);

struct SenderStats {
  uint64_t frames = 0, bytes = 0;  // UDP payload bytes
  uint64_t delta_frames = 0, retransmit_frames = 0, full_sync_frames = 0, heartbeat_frames = 0;
  uint64_t records_new = 0, records_update = 0, records_delete = 0;
  uint64_t full_syncs = 0, full_sync_requests = 0, full_sync_too_old = 0;
  uint64_t nacks = 0, nacks_stale = 0, nacks_bad = 0, acks = 0;
  uint64_t window_evicted = 0;    // key lists forgotten before an ACK
  uint64_t window_waits = 0;      // times new frames waited for the window to open
  uint64_t rate_waits = 0;        // times new frames waited for the rate
  uint64_t probes = 0;            // heartbeats sent because the window stayed full
  uint64_t nacks_coalesced = 0;   // NACKed frames not resent again (resent within resend_holdoff)
  uint64_t nacks_superseded = 0;  // NACKed frames older than the running full sync: echo only
  uint64_t full_sync_records = 0;
  uint64_t never_synced = 0;  // connections deleted before they matured: zero bytes
  uint64_t matured = 0;
  uint64_t update_unknown = 0, delete_unknown = 0;
};

class Sender final : public SyncEndpoint {
 public:
  explicit Sender(SenderConfig config);

  // Before start() events only fill the table (the start-up full sync carries them).
  void start(TimePoint now);
  // Replaces the whole table with `entries` (offered at once, created at `created`) and sends a full
  // sync of it: the destination's copy becomes exactly `entries` (a backup that takes over or gives up
  // this member's connections).
  void replace(TimePoint now, const std::vector<std::pair<FlowKey, uint64_t>>& entries, TimePoint created);
  void on_new(TimePoint now, const FlowKey& key, uint64_t value, TimePoint created);
  void on_update(TimePoint now, const FlowKey& key, uint64_t value);
  void on_delete(TimePoint now, const FlowKey& key);

  void on_frame(TimePoint now, const uint8_t* data, size_t size) override;
  void on_timer(TimePoint now) override;
  TimePoint next_deadline() const override;
  std::vector<std::vector<uint8_t>> take_output() override;

  // What the destination should hold now: alive, offered connections, sorted (BackupStore::Snapshot).
  std::vector<std::pair<FlowKey, uint64_t>> backup_view() const;
  Duration delay_for(const FlowKey& key) const;
  const SenderStats& stats() const { return stats_; }
  // Age of the oldest frame sent and not yet acknowledged (zero when every frame is acknowledged).
  Duration lag(TimePoint now) const;
  // A full sync is being sent (its END has not left yet).
  bool full_sync_active() const { return full_sync_active_; }
  const RxCounters& reverse_counters() const { return reverse_.counters(); }
  uint32_t highest_sequence() const { return seq_; }
  uint32_t acked() const { return acked_; }
  size_t kept_frames() const { return window_.size(); }
  // Frames sent and not acknowledged, heartbeats left out: what the window limits.
  size_t in_flight() const { return window_.size() - unkeyed_; }
  size_t connections() const { return table_.size(); }
  const SenderConfig& config() const { return config_; }

 private:
  struct Conn {
    uint64_t value = 0;
    TimePoint created{};
    bool alive = true;
    bool offered = false;  // matured: the destination should hold it
    bool sent = false;     // the destination was sent it (a DELETE is owed when it goes away)
    bool dirty = false;
  };
  struct Kept {
    uint32_t seq = 0;
    TimePoint sent{};
    TimePoint resent = TimePoint::min();
    bool heartbeat = false;
    // Its keys went out again in the resend frames fwd_first..fwd_last: a NACK for it is answered by
    // resending those frames' connections. Such a frame holds no keys and is not in flight.
    uint32_t fwd_first = 0, fwd_last = 0;
    std::vector<FlowKey> keys;
    std::optional<std::pair<uint32_t, uint32_t>> full_sync_end;  // (session, entries) of an END it carried
    bool unkeyed() const { return heartbeat || fwd_first != 0; }
  };

  void mark_dirty(TimePoint now, const FlowKey& key, Conn& c);
  std::optional<Record> current_record(const FlowKey& key, bool resend) const;
  void pop_kept();
  void settle(const FlowKey& key);              // after `key`'s record left: update its flags, erase a finished one
  bool flush_one(TimePoint now, bool partial);  // one delta frame from the dirty list
  bool full_sync_step(TimePoint now);           // the full sync's next frame
  void pump(TimePoint now);                     // sends what the window and the rate allow
  bool can_send(TimePoint now);
  void emit(TimePoint now, uint8_t flags, std::vector<Record> records, std::vector<FlowKey> keys,
            std::optional<std::pair<uint32_t, uint32_t>> fs_end = std::nullopt);
  void full_sync(TimePoint now);
  void resend(TimePoint now, uint32_t first, uint32_t last);  // adds to answer_
  void send_answer(TimePoint now);                            // the resend frames of one ACK/NACK frame
  void request_full_sync(TimePoint now);
  // A quarter of resend_window stays free for resends, which do not wait and would otherwise push out
  // key lists that are still needed.
  size_t effective_window() const {
    return std::max<size_t>(1, std::min(config_.window, config_.resend_window - config_.resend_window / 4));
  }

  SenderConfig config_;
  size_t max_payload_ = 0;
  Receiver reverse_;
  std::unordered_map<FlowKey, Conn, FlowKeyHash> table_;
  std::deque<FlowKey> dirty_;
  size_t dirty_bytes_ = 0;
  TimePoint dirty_since_ = kNever;
  using Due = std::pair<TimePoint, FlowKey>;
  struct DueLater {
    bool operator()(const Due& a, const Due& b) const { return a.first > b.first; }
  };
  std::priority_queue<Due, std::vector<Due>, DueLater> maturity_;
  std::deque<Kept> window_;
  bool started_ = false;
  size_t unkeyed_ = 0;  // heartbeats and forwarded frames among the kept ones
  // The running full sync: the connections to send (taken when it began), the next one, its session
  // (the sequence of the BEGIN frame, 0 until that frame left) and the entries sent so far. NACKs of
  // frames older than `superseded_below_` are answered by the full sync: an echo, no records.
  std::vector<FlowKey> fs_keys_;
  size_t fs_pos_ = 0;
  uint32_t fs_session_ = 0;
  uint32_t fs_entries_ = 0;
  uint32_t superseded_below_ = 0;
  uint32_t fs_end_seq_ = 0;  // the frame that carried the latest full sync's END
  bool heard_ = false;       // an ACK/NACK frame from the destination was accepted
  double tokens_ = 0;        // bytes the rate allows now (negative: owed)
  TimePoint tokens_at_ = TimePoint::min();
  TimePoint last_progress_ = TimePoint::min();  // last ACK that freed a frame (or the first send)
  uint32_t last_ack_request_ = 0;
  TimePoint last_probe_ = TimePoint::min();
  Duration probe_every_{};
  // The answer to the NACKs of one frame, built by resend() and sent by send_answer().
  struct Answer {
    std::vector<Record> echoes;
    std::vector<FlowKey> keys;
    std::unordered_map<FlowKey, size_t, FlowKeyHash> index;  // position of each key in `keys`
    std::optional<std::pair<uint32_t, uint32_t>> fs_end;
    // Kept frames whose keys this answer carries again, with the first and last position of their keys
    // in `keys` (SIZE_MAX: an END only), so each is forwarded to exactly the frames that carry them.
    struct Forward {
      uint32_t seq;
      size_t lo, hi;
    };
    std::vector<Forward> forward;
  };
  Answer answer_;
  Kept* kept(uint32_t seq);
  void take(TimePoint now, Kept& k);  // k's keys (or its forwards' keys) into answer_
  uint32_t seq_ = 0;
  uint32_t acked_ = 0;
  TimePoint last_sent_ = TimePoint::min();
  TimePoint last_full_sync_ = TimePoint::min();
  bool full_sync_queued_ = false;
  bool full_sync_active_ = false;
  std::vector<std::vector<uint8_t>> out_;
  SenderStats stats_;
};

}  // namespace conductor::sync
