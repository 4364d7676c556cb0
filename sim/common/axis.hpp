// AXI-Stream source and sink agents with seeded random idle and back-pressure.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include "sim_ctrl.hpp"

namespace conductor::sim {

struct AxisBeat {
  std::vector<uint32_t> data;  // little-endian 32-bit words
  uint64_t keep = ~uint64_t{0};
  std::vector<uint32_t> user;
  bool last = true;
};

// Binding of a source agent to a DUT's sink port: put() writes payload + TVALID, ready() reads TREADY.
struct AxisSourcePorts {
  std::function<void(const AxisBeat&, bool valid)> put;
  std::function<bool()> ready;
};

// Binding of a sink agent to a DUT's source port.
struct AxisSinkPorts {
  std::function<bool()> valid;
  std::function<AxisBeat()> get;
  std::function<void(bool)> set_ready;
};

// Drives queued beats. idle_percent: chance, each cycle a new beat could start, of waiting instead.
// TVALID, once raised, stays up with stable payload until the handshake (AXI rule).
class AxisSource : public Agent {
 public:
  AxisSource(AxisSourcePorts ports, uint64_t seed, int idle_percent = 0)
      : ports_(std::move(ports)), rng_(seed), idle_percent_(idle_percent) {
    ports_.put(AxisBeat{}, false);
  }

  void push(AxisBeat beat) { queue_.push_back(std::move(beat)); }
  void set_idle_percent(int p) { idle_percent_ = p; }
  bool idle() const { return queue_.empty() && !valid_; }
  std::size_t pending() const { return queue_.size() + (valid_ ? 1 : 0); }
  uint64_t beats_sent() const { return sent_; }
  // Called at each handshake with the beat that was accepted.
  std::function<void(const AxisBeat&)> on_fire;

  void sample() override { fired_ = valid_ && ports_.ready(); }

  void drive() override {
    if (fired_) {
      if (on_fire) on_fire(current_);
      valid_ = false;
      ++sent_;
    }
    if (!valid_ && !queue_.empty()) {
      bool wait = idle_percent_ > 0 && static_cast<int>(rng_() % 100) < idle_percent_;
      if (!wait) {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        valid_ = true;
      }
    }
    ports_.put(current_, valid_);
  }

 private:
  AxisSourcePorts ports_;
  std::mt19937_64 rng_;
  int idle_percent_;
  std::deque<AxisBeat> queue_;
  AxisBeat current_;
  bool valid_ = false;
  bool fired_ = false;
  uint64_t sent_ = 0;
};

// Accepts beats with TREADY high ready_percent of the cycles; hands every beat to on_beat.
class AxisSink : public Agent {
 public:
  AxisSink(AxisSinkPorts ports, uint64_t seed, int ready_percent = 100)
      : ports_(std::move(ports)), rng_(seed), ready_percent_(ready_percent) {
    ready_ = ready_percent_ >= 100;
    ports_.set_ready(ready_);
  }

  void set_ready_percent(int p) { ready_percent_ = p; }
  uint64_t beats_received() const { return received_; }
  std::function<void(const AxisBeat&)> on_beat;

  void sample() override {
    if (ready_ && ports_.valid()) {
      ++received_;
      if (on_beat) on_beat(ports_.get());
    }
  }

  void drive() override {
    ready_ = ready_percent_ >= 100 || static_cast<int>(rng_() % 100) < ready_percent_;
    ports_.set_ready(ready_);
  }

 private:
  AxisSinkPorts ports_;
  std::mt19937_64 rng_;
  int ready_percent_;
  bool ready_ = true;
  uint64_t received_ = 0;
};

}  // namespace conductor::sim
