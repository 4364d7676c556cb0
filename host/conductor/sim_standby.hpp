// `conductor sim --standby` (rtl engine): the standby orchestrator's core beside the active one.
// The active core's HyperSync frames (m_sync) cross a sync link (SyncLink: latency, loss,
// reordering) into the standby core's s_sync; its sync_decoder applies them to its flow table in
// sync windows. At `at N orchestrator-failover` the traffic moves to the standby, and each frame's
// decision is compared with what the active core would have done (its model, carried on: the
// shadow). docs/hypersync.md §13.3 has the rules and the figures' definitions.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/core_model.hpp"
#include "flow_table/flow_table.hpp"
#include "rtl_core.hpp"
#include "sync_decoder/sync_decoder_model.hpp"

namespace conductor {

struct SyncLinkOptions {
  uint64_t latency = 3000;       // clocks from a frame's last beat out of the active to its arrival
  unsigned loss_percent = 0;     // chance a frame is lost
  unsigned reorder_percent = 0;  // chance a frame is held back 1..latency clocks more
  uint64_t seed = 1;
};

// The sync link. carry() takes the frames the active emitted (cycles of the active's clock) and
// returns those that arrive, sorted by arrival.
class SyncLink {
 public:
  struct Arrival {
    std::vector<uint8_t> bytes;
    uint64_t sent = 0;     // last beat out of the active
    uint64_t arrives = 0;  // first beat offered to the standby (same clock)
  };
  explicit SyncLink(const SyncLinkOptions& o) : o_(o), rng_(o.seed ^ 0x51ed270b0f6c3e4dull) {}
  std::vector<Arrival> carry(std::vector<RtlCore::SyncFrameOut> frames);
  uint64_t sent = 0, lost = 0, reordered = 0;

 private:
  SyncLinkOptions o_;
  std::mt19937_64 rng_;
};

// The standby's side: what it was sent, where the RTL applied each op (replayed in its lockstep
// model), and the mirror lag.
class StandbyMirror {
 public:
  // `core` is the standby's Verilated core, `model` its lockstep model; `decoder` is configured as
  // the core's sync_decoder block; `offset` = standby clock - active clock.
  StandbyMirror(RtlCore& core, CoreModel& model, const sync_decoder::SyncDecoderConfig& decoder, int64_t offset);
  // Offers the arrivals on the standby's s_sync at their cycles (decoded by the model as the RTL
  // will, in the same order, for the ops and the reject counts).
  void deliver(std::vector<SyncLink::Arrival> arrivals);
  // Applies to the model every sync op the RTL placed before frame `before_frame` (0-based, frames
  // of the standby core); false when the RTL applied an op the decoder model did not make.
  bool apply_due(uint64_t before_frame);
  // Lets the standby run until its clock is the active's `active_cycle`.
  void catch_up(uint64_t active_cycle);
  // Runs until every frame sent has been taken and its ops applied (bounded).
  void drain(uint64_t frames_seen);

  uint64_t ops_made() const { return ops_made_; }
  uint64_t ops_applied() const { return ops_applied_; }
  bool exact() const { return exact_; }
  nlohmann::ordered_json lag_json() const;
  const sync_decoder::SyncDecoderCounters& decoder_counters() const { return dec_.counters(); }

 private:
  RtlCore& core_;
  CoreModel& model_;
  sync_decoder::SyncDecoderModel dec_;
  int64_t offset_;
  std::deque<flow::OpWord> ops_;                    // made by the decoder model, not yet applied
  std::deque<RtlCore::SyncOpPlace> places_;         // reported by the RTL, not yet applied
  std::deque<std::pair<uint64_t, uint64_t>> ends_;  // (op count after the frame, frame's sent cycle)
  uint64_t ops_made_ = 0, ops_applied_ = 0;
  uint64_t lag_n_ = 0, lag_sum_ = 0, lag_max_ = 0;
  bool exact_ = true;
};

// First frame of every connection (canonical flow key), for the failover's protection rule.
class ConnectionAges {
 public:
  // The connection of a parsed frame (status ok, IP key); nullopt-like `false` for others.
  bool key_of(const uint8_t* frame, size_t len, uint8_t sg_id, flow::CKey& out) const;
  // Records frame `index` of the connection when it is its first; returns its first frame.
  uint64_t see(const flow::CKey& k, uint64_t index);

 private:
  struct Hash {
    size_t operator()(const flow::CKey& k) const;
  };
  struct Eq {
    bool operator()(const flow::CKey& a, const flow::CKey& b) const;
  };
  std::unordered_map<flow::CKey, uint64_t, Hash, Eq> first_;
};

}  // namespace conductor
