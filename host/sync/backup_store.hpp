// The backup's copy of the connections its primaries sync to it (docs/hypersync.md §12.3), one table per
// source member. Pure data structure: Session (session.hpp) feeds it the records of accepted frames.
//
// Ordering rule. Every entry remembers the sequence number of the frame that last wrote it. A record
// is applied only when its frame is newer than the entry's (last writer wins by sequence); a DELETE
// leaves a tombstone with its sequence so that a late, reordered NEW cannot resurrect the connection.
// Because a sender always sends the *current* state of a connection (deltas and resends alike), the
// highest-numbered frame that mentions a connection holds its latest state; the backup converges once
// it has that frame. Tombstones are dropped once they fall 64 frames below the highest sequence (the
// replay window rejects anything older, so nothing can undo them any more).
//
// Full sync. FULL_SYNC_BEGIN/END bracket a full sync; its session number is the sequence of the frame
// that carries BEGIN. Flow records in frames flagged FULL_SYNC are staged, not applied. END(session s)
// in frame e commits atomically: the new table is the staged records of frames s..e, plus the live
// entries written by frames >= s (resends and deltas that overtook the END), minus tombstones >= s;
// every entry older than s is gone (the full sync replaced it). After a commit, records in frames
// older than s are ignored (the full sync superseded them) and late FULL_SYNC frames of the committed
// session are applied as deltas.
//
// A higher epoch from a source (the primary restarted) keeps the entries but makes them older than
// any frame of the new epoch; the new epoch's full sync replaces them.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "host/sync/codec.hpp"
#include "host/sync/sync_types.hpp"

namespace conductor::sync {

struct BackupStats {
  uint64_t applied = 0;        // NEW/UPDATE/DELETE records that changed or confirmed an entry
  uint64_t stale = 0;          // records older than the entry, a tombstone or the last full sync
  uint64_t delete_absent = 0;  // DELETE of a connection the store did not hold
  uint64_t staged = 0;         // records staged for a full sync
  uint64_t full_syncs = 0;     // full syncs committed
  uint64_t removed_by_full_sync = 0;
  uint64_t old_epoch = 0;  // records of an epoch older than the source's current one
};

class BackupStore {
 public:
  using Snapshot = std::vector<std::pair<FlowKey, uint64_t>>;  // sorted by key_less

  // Applies one record of an accepted frame from `source` (frame header fields as decoded).
  // Flow records and FULL_SYNC_END act; other record types are ignored here.
  void apply(uint8_t source, uint32_t epoch, uint32_t sequence, bool full_sync_frame, const Record& record);

  // The connections held for `source`, sorted.
  Snapshot snapshot(uint8_t source) const;
  size_t size(uint8_t source) const;
  // Every difference between two snapshots, one line each ("missing", "extra", "value differs"); empty
  // when equal. `limit` lines at most.
  static std::vector<std::string> compare(const Snapshot& expected, const Snapshot& actual, size_t limit = 20);
  // FNV-1a over the sorted snapshot (keys and values as encoded on the wire): equal digests, equal tables.
  static uint64_t digest(const Snapshot& s);

  // Forget everything from `source` (the member left the cluster).
  void drop_source(uint8_t source) { sources_.erase(source); }
  const BackupStats& stats() const { return stats_; }
  // Bookkeeping sizes (tests check they stay bounded).
  size_t tombstones(uint8_t source) const;
  size_t staged(uint8_t source) const;

 private:
  struct Entry {
    uint64_t value = 0;
    uint32_t seq = 0;
  };
  struct Source {
    uint32_t epoch = 0;
    uint32_t highest = 0;         // highest frame sequence seen in this epoch
    uint32_t committed_from = 0;  // session (first sequence) of the last committed full sync
    uint32_t committed_to = 0;    // sequence of the frame that carried its END
    std::unordered_map<FlowKey, Entry, FlowKeyHash> live;
    std::unordered_map<FlowKey, uint32_t, FlowKeyHash> tombstones;
    std::unordered_map<FlowKey, Entry, FlowKeyHash> staged;  // newest staged record per key
  };
  void apply_delta(Source& s, uint32_t seq, const Record& r);
  void commit(Source& s, uint32_t session, uint32_t end_seq);

  std::unordered_map<uint8_t, Source> sources_;
  BackupStats stats_;
};

}  // namespace conductor::sync
