// BackupStore (backup_store.hpp, docs/hypersync.md §12.3).
#include "host/sync/backup_store.hpp"

#include <algorithm>
#include <cstdio>

namespace conductor::sync {

namespace {

bool is_upsert(RecordType t) {
  return t == RecordType::kNewV4 || t == RecordType::kUpdateV4 || t == RecordType::kNewV6 || t == RecordType::kUpdateV6;
}
bool is_delete(RecordType t) { return t == RecordType::kDeleteV4 || t == RecordType::kDeleteV6; }

std::string key_text(const FlowKey& k) {
  char buf[160];
  if (!k.is_ipv6) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u-%u.%u.%u.%u:%u/%u sg %u", k.a_addr[0], k.a_addr[1], k.a_addr[2],
                  k.a_addr[3], k.a_port, k.b_addr[0], k.b_addr[1], k.b_addr[2], k.b_addr[3], k.b_port, k.proto,
                  k.sg_id);
  } else {
    std::string s;
    for (const auto* a : {&k.a_addr, &k.b_addr}) {
      for (size_t i = 0; i < 16; i += 2) {
        char h[8];
        std::snprintf(h, sizeof h, "%s%02x%02x", i ? ":" : "", (*a)[i], (*a)[i + 1]);
        s += h;
      }
      s += a == &k.a_addr ? "-" : "";
    }
    std::snprintf(buf, sizeof buf, "[%s] ports %u-%u/%u sg %u", s.c_str(), k.a_port, k.b_port, k.proto, k.sg_id);
  }
  return buf;
}

constexpr uint32_t kTombstoneSpan = ReplayState::kWindow;

}  // namespace

void BackupStore::apply(uint8_t source, uint32_t epoch, uint32_t seq, bool full_sync_frame, const Record& r) {
  Source& s = sources_[source];
  if (epoch < s.epoch) {
    ++stats_.old_epoch;
    return;
  }
  if (epoch > s.epoch) {
    // A new epoch: entries stay until the new epoch's full sync replaces them, but every frame of the
    // new epoch is newer than all of them.
    for (auto& [k, e] : s.live) e.seq = 0;
    s.tombstones.clear();
    s.staged.clear();
    s.epoch = epoch;
    s.highest = 0;
    s.committed_from = s.committed_to = 0;
  }
  if (seq > s.highest) {
    s.highest = seq;
    if (s.highest > kTombstoneSpan && s.tombstones.size() > 64) {
      const uint32_t floor = s.highest - kTombstoneSpan;
      std::erase_if(s.tombstones, [floor](const auto& t) { return t.second <= floor; });
    }
  }
  if (r.type == RecordType::kFullSyncEnd) {
    commit(s, r.session, seq);
    return;
  }
  if (!is_upsert(r.type) && !is_delete(r.type)) return;
  if (seq < s.committed_from) {  // the last full sync already reflects this frame
    ++stats_.stale;
    return;
  }
  const bool late_full_sync = seq <= s.committed_to;  // a FULL_SYNC frame that arrived after its END
  if (full_sync_frame && is_upsert(r.type) && !late_full_sync) {
    auto [it, fresh] = s.staged.try_emplace(r.key, Entry{r.value, seq});
    if (!fresh && it->second.seq <= seq) it->second = Entry{r.value, seq};
    ++stats_.staged;
    return;
  }
  apply_delta(s, seq, r);
}

void BackupStore::apply_delta(Source& s, uint32_t seq, const Record& r) {
  auto live = s.live.find(r.key);
  if (live != s.live.end() && live->second.seq > seq) {
    ++stats_.stale;
    return;
  }
  auto tomb = s.tombstones.find(r.key);
  if (tomb != s.tombstones.end() && tomb->second > seq) {
    ++stats_.stale;
    return;
  }
  ++stats_.applied;
  if (is_upsert(r.type)) {
    if (live != s.live.end()) {
      live->second = Entry{r.value, seq};
    } else {
      s.live.emplace(r.key, Entry{r.value, seq});
    }
    if (tomb != s.tombstones.end()) s.tombstones.erase(tomb);
    return;
  }
  if (live != s.live.end()) {
    s.live.erase(live);
  } else {
    ++stats_.delete_absent;
  }
  if (tomb != s.tombstones.end()) {
    tomb->second = seq;
  } else {
    s.tombstones.emplace(r.key, seq);
  }
}

void BackupStore::commit(Source& s, uint32_t session, uint32_t end_seq) {
  if (session > end_seq || session < s.committed_from) {
    ++stats_.stale;  // an END of an older full sync, or a nonsensical one
    return;
  }
  std::unordered_map<FlowKey, Entry, FlowKeyHash> next;
  next.reserve(s.staged.size() + s.live.size());
  for (auto it = s.staged.begin(); it != s.staged.end();) {
    if (it->second.seq > end_seq) {  // a later full sync's record: keep it staged
      ++it;
      continue;
    }
    if (it->second.seq >= session) next.emplace(it->first, it->second);
    it = s.staged.erase(it);
  }
  size_t removed = 0;
  for (const auto& [k, e] : s.live) {
    if (e.seq < session) {
      if (!next.count(k)) ++removed;
      continue;
    }
    auto [it, fresh] = next.try_emplace(k, e);
    if (!fresh && it->second.seq < e.seq) it->second = e;
  }
  for (const auto& [k, t] : s.tombstones) {
    if (t < session) continue;
    auto it = next.find(k);
    if (it != next.end() && it->second.seq < t) next.erase(it);
  }
  s.live = std::move(next);
  s.committed_from = session;
  s.committed_to = std::max(s.committed_to, end_seq);
  ++stats_.full_syncs;
  stats_.removed_by_full_sync += removed;
}

BackupStore::Snapshot BackupStore::snapshot(uint8_t source) const {
  Snapshot out;
  auto it = sources_.find(source);
  if (it == sources_.end()) return out;
  out.reserve(it->second.live.size());
  for (const auto& [k, e] : it->second.live) out.emplace_back(k, e.value);
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return key_less(x.first, y.first); });
  return out;
}

size_t BackupStore::size(uint8_t source) const {
  auto it = sources_.find(source);
  return it == sources_.end() ? 0 : it->second.live.size();
}
size_t BackupStore::tombstones(uint8_t source) const {
  auto it = sources_.find(source);
  return it == sources_.end() ? 0 : it->second.tombstones.size();
}
size_t BackupStore::staged(uint8_t source) const {
  auto it = sources_.find(source);
  return it == sources_.end() ? 0 : it->second.staged.size();
}

std::vector<std::string> BackupStore::compare(const Snapshot& expected, const Snapshot& actual, size_t limit) {
  std::vector<std::string> out;
  size_t i = 0, j = 0;
  auto add = [&](std::string line) {
    if (out.size() < limit) out.push_back(std::move(line));
  };
  char v[64];
  while (i < expected.size() || j < actual.size()) {
    if (j == actual.size() || (i < expected.size() && key_less(expected[i].first, actual[j].first))) {
      add("missing " + key_text(expected[i++].first));
    } else if (i == expected.size() || key_less(actual[j].first, expected[i].first)) {
      add("extra " + key_text(actual[j++].first));
    } else {
      if (expected[i].second != actual[j].second) {
        std::snprintf(v, sizeof v, ": 0x%016llx, expected 0x%016llx", static_cast<unsigned long long>(actual[j].second),
                      static_cast<unsigned long long>(expected[i].second));
        add("value differs " + key_text(expected[i].first) + v);
      }
      ++i, ++j;
    }
  }
  return out;
}

uint64_t BackupStore::digest(const Snapshot& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 0x100000001b3ull; };
  for (const auto& [k, value] : s) {
    const size_t n = k.is_ipv6 ? 16 : 4;
    mix(k.is_ipv6 ? 6 : 4);
    for (size_t i = 0; i < n; ++i) mix(k.a_addr[i]);
    for (size_t i = 0; i < n; ++i) mix(k.b_addr[i]);
    mix(static_cast<uint8_t>(k.a_port >> 8)), mix(static_cast<uint8_t>(k.a_port));
    mix(static_cast<uint8_t>(k.b_port >> 8)), mix(static_cast<uint8_t>(k.b_port));
    mix(k.proto), mix(k.sg_id);
    for (int sh = 56; sh >= 0; sh -= 8) mix(static_cast<uint8_t>(value >> sh));
  }
  return h;
}

}  // namespace conductor::sync
