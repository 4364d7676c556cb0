#include "host/conductor/sim_standby.hpp"

#include <algorithm>

#include "flow_table/flow_table_model.hpp"
#include "parser/parser_model.hpp"

namespace conductor {

std::vector<SyncLink::Arrival> SyncLink::carry(std::vector<RtlCore::SyncFrameOut> frames) {
  std::vector<Arrival> out;
  for (auto& f : frames) {
    ++sent;
    if (o_.loss_percent && rng_() % 100 < o_.loss_percent) {
      ++lost;
      continue;
    }
    uint64_t at = f.cycle + o_.latency;
    if (o_.reorder_percent && rng_() % 100 < o_.reorder_percent) {
      at += 1 + rng_() % std::max<uint64_t>(o_.latency, 1);
      ++reordered;
    }
    out.push_back(Arrival{std::move(f.bytes), f.cycle, at});
  }
  std::stable_sort(out.begin(), out.end(), [](const Arrival& a, const Arrival& b) { return a.arrives < b.arrives; });
  return out;
}

StandbyMirror::StandbyMirror(RtlCore& core, CoreModel& model, const sync_decoder::SyncDecoderConfig& decoder,
                             int64_t offset)
    : core_(core), model_(model), offset_(offset) {
  dec_.configure(decoder);
}

void StandbyMirror::deliver(std::vector<SyncLink::Arrival> arrivals) {
  for (auto& a : arrivals) {
    if (dec_.receive(a.bytes.data(), static_cast<unsigned>(a.bytes.size())) == sync_decoder::Reject::kNone) {
      while (dec_.op_ready()) {
        ops_.push_back(dec_.op());
        dec_.pop_op();
        ++ops_made_;
      }
      ends_.emplace_back(ops_made_, a.sent);
    }
    const int64_t at = static_cast<int64_t>(a.arrives) + offset_;
    core_.send_sync_frame(std::move(a.bytes), static_cast<uint64_t>(std::max<int64_t>(at, 0)));
  }
}

bool StandbyMirror::apply_due(uint64_t before_frame) {
  for (const RtlCore::SyncOpPlace& p : core_.take_sync_op_positions()) places_.push_back(p);
  while (!places_.empty() && places_.front().lookups <= before_frame) {
    if (ops_.empty()) {
      exact_ = false;
      places_.clear();
      return false;
    }
    model_.apply_sync_op(ops_.front());
    ops_.pop_front();
    ++ops_applied_;
    // The frame whose last op this is: its lag, from its last beat out of the active.
    while (!ends_.empty() && ends_.front().first <= ops_applied_) {
      if (ends_.front().first == ops_applied_) {
        const int64_t lag =
            static_cast<int64_t>(places_.front().cycle) - offset_ - static_cast<int64_t>(ends_.front().second);
        const uint64_t l = lag > 0 ? static_cast<uint64_t>(lag) : 0;
        ++lag_n_;
        lag_sum_ += l;
        lag_max_ = std::max(lag_max_, l);
      }
      ends_.pop_front();
    }
    places_.pop_front();
  }
  return true;
}

void StandbyMirror::catch_up(uint64_t active_cycle) {
  const int64_t target = static_cast<int64_t>(active_cycle) + offset_;
  const int64_t now = static_cast<int64_t>(core_.cycle());
  if (target > now) core_.settle(static_cast<uint64_t>(target - now));
}

void StandbyMirror::drain(uint64_t frames_seen) {
  // A 9000-byte frame's checks take about 2,500 clocks; give every waiting frame that and more.
  for (int i = 0; i < 10000 && core_.sync_frames_waiting() > 0; ++i) core_.settle(500);
  core_.settle(5000);
  apply_due(frames_seen);
  if (!ops_.empty() || !places_.empty()) exact_ = false;
}

nlohmann::ordered_json StandbyMirror::lag_json() const {
  return {{"frames", lag_n_},
          {"mean", lag_n_ ? static_cast<double>(lag_sum_) / static_cast<double>(lag_n_) : 0.0},
          {"max", lag_max_}};
}

bool ConnectionAges::key_of(const uint8_t* frame, size_t len, uint8_t sg_id, flow::CKey& out) const {
  const ParseResult r = parse_frame(frame, len, sg_id);
  if (r.status != ParseStatus::kOk && r.status != ParseStatus::kExtLimit) return false;
  return canonical_key(r.key, out);
}

uint64_t ConnectionAges::see(const flow::CKey& k, uint64_t index) { return first_.try_emplace(k, index).first->second; }

size_t ConnectionAges::Hash::operator()(const flow::CKey& k) const {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (uint64_t w : k.w) h = (h ^ w) * 0xff51afd7ed558ccdull;
  return static_cast<size_t>(h ^ (h >> 29));
}

bool ConnectionAges::Eq::operator()(const flow::CKey& a, const flow::CKey& b) const {
  return std::equal(std::begin(a.w), std::end(a.w), std::begin(b.w));
}

}  // namespace conductor
