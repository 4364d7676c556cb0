// A memory model for Verilator benches: AXI4 slave ports as HBM pseudo-channels present them to a
// kernel (rtl/flow_table/flow_table_hbm.sv), one per channel, with the behaviour that makes a
// design hide latency or fail:
//   - read latency: `latency` clocks from the AR handshake to the first R beat at least, plus a
//     random extra of 0..`jitter` clocks per request;
//   - out-of-order completion: a channel returns the request whose data is ready first, so
//     requests with different IDs complete in any order (same ID: in order, as AXI requires);
//     channels are independent;
//   - bandwidth: at most one 64-byte beat per clock per channel, and `r_idle` percent of clocks a
//     channel sends no beat at all; AR, AW and W are not ready `stall` percent of clocks, and a
//     channel takes at most `queue` reads at once;
//   - read/write ordering as AXI leaves it: a read samples the memory at a random clock between
//     its AR handshake and its first beat, a write lands `write_latency` (+ jitter) clocks after
//     its last W beat, and its BRESP follows; so a read issued before a write's BRESP may see the
//     old or the new data, and one issued after it sees the new.
// Memory is sparse (rows of 192 bytes, zero until written) and has a backdoor (preload, peek).
// Port vectors are the kernel's flattened per-channel buses (channel c in bits [c*W +: W]).
#pragma once

#include <verilated.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "sim_ctrl.hpp"

namespace conductor::sim {

// Bits [lsb, lsb + width) of a Verilator port (width <= 64), and the converse.
template <class P>
inline uint64_t port_bits(const P& p, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<P>) {
    const uint64_t v = static_cast<uint64_t>(p) >> lsb;
    return width >= 64 ? v : v & ((uint64_t{1} << width) - 1);
  } else {
    uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      const unsigned b = lsb + i;
      v |= uint64_t{(p[b / 32] >> (b % 32)) & 1u} << i;
    }
    return v;
  }
}
template <class P>
inline void set_port_bits(P& p, unsigned lsb, unsigned width, uint64_t v) {
  if constexpr (std::is_integral_v<P>) {
    const uint64_t m = (width >= 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1)) << lsb;
    p = static_cast<P>((static_cast<uint64_t>(p) & ~m) | ((v << lsb) & m));
  } else {
    for (unsigned i = 0; i < width; ++i) {
      const unsigned b = lsb + i;
      const uint32_t bit = 1u << (b % 32);
      if ((v >> i) & 1) {
        p[b / 32] |= bit;
      } else {
        p[b / 32] &= ~bit;
      }
    }
  }
}

// The port names of a top: Ports::arvalid(top) and so on.
// clang-format off
#define CONDUCTOR_HBM_PORTS(Name, prefix) \
  struct Name { \
    template <class T> static auto& arvalid(T& t) { return t.prefix##arvalid; } \
    template <class T> static auto& arready(T& t) { return t.prefix##arready; } \
    template <class T> static auto& araddr(T& t) { return t.prefix##araddr; } \
    template <class T> static auto& arid(T& t) { return t.prefix##arid; } \
    template <class T> static auto& arlen(T& t) { return t.prefix##arlen; } \
    template <class T> static auto& rvalid(T& t) { return t.prefix##rvalid; } \
    template <class T> static auto& rready(T& t) { return t.prefix##rready; } \
    template <class T> static auto& rdata(T& t) { return t.prefix##rdata; } \
    template <class T> static auto& rid(T& t) { return t.prefix##rid; } \
    template <class T> static auto& rlast(T& t) { return t.prefix##rlast; } \
    template <class T> static auto& awvalid(T& t) { return t.prefix##awvalid; } \
    template <class T> static auto& awready(T& t) { return t.prefix##awready; } \
    template <class T> static auto& awaddr(T& t) { return t.prefix##awaddr; } \
    template <class T> static auto& awid(T& t) { return t.prefix##awid; } \
    template <class T> static auto& awlen(T& t) { return t.prefix##awlen; } \
    template <class T> static auto& wvalid(T& t) { return t.prefix##wvalid; } \
    template <class T> static auto& wready(T& t) { return t.prefix##wready; } \
    template <class T> static auto& wdata(T& t) { return t.prefix##wdata; } \
    template <class T> static auto& wstrb(T& t) { return t.prefix##wstrb; } \
    template <class T> static auto& wlast(T& t) { return t.prefix##wlast; } \
    template <class T> static auto& bvalid(T& t) { return t.prefix##bvalid; } \
    template <class T> static auto& bready(T& t) { return t.prefix##bready; } \
    template <class T> static auto& bid(T& t) { return t.prefix##bid; } \
  }
// clang-format on

// flow_table_hbm's m_axi_* and conductor_core's m_axi_flow_*.
CONDUCTOR_HBM_PORTS(KernelHbmPorts, m_axi_);
CONDUCTOR_HBM_PORTS(CoreHbmPorts, m_axi_flow_);

struct HbmConfig {
  unsigned channels = 16;
  unsigned addr_bits = 33;
  unsigned id_bits = 9;
  unsigned latency = 100;       // clocks, AR handshake to the first beat at least
  unsigned jitter = 50;         // random extra clocks per read
  unsigned write_latency = 60;  // clocks from the last W beat to the write landing
  unsigned write_jitter = 40;
  unsigned queue = 64;  // reads a channel holds at once
  int stall = 0;        // % of clocks AR, AW and W are not ready
  int r_idle = 0;       // % of clocks a channel sends no beat
  uint64_t seed = 1;
};

struct HbmStats {
  uint64_t reads = 0, writes = 0, read_beats = 0, write_beats = 0;
  uint64_t read_latency_sum = 0;  // AR handshake to last beat, summed
  uint64_t max_outstanding = 0;   // reads in one channel at once
};

// Top: the Verilated design; Ports: its AXI port names (rtl/flow_table/flow_table_hbm.sv).
template <class Top, class Ports = KernelHbmPorts>
class HbmModel : public Agent {
 public:
  static constexpr unsigned kRowBytes = 192;
  static constexpr unsigned kRowWords = kRowBytes / 4;  // 48
  using Row = std::array<uint32_t, kRowWords>;

  // The responses start idle: a model built with random initial values must not see a response
  // before the first clock.
  HbmModel(Top& top, HbmConfig cfg) : top_(top), cfg_(cfg), g_(cfg.seed), ch_(cfg.channels) {
    for (unsigned c = 0; c < cfg_.channels; ++c) {
      set_bit(Ports::arready(top_), c, false);
      set_bit(Ports::rvalid(top_), c, false);
      set_bit(Ports::awready(top_), c, false);
      set_bit(Ports::wready(top_), c, false);
      set_bit(Ports::bvalid(top_), c, false);
    }
  }

  // Backdoor: the 192-byte row at byte address addr (a multiple of 192) of channel c.
  void poke(unsigned c, uint64_t addr, const Row& r) { ch_.at(c).mem[addr / kRowBytes] = r; }
  Row peek(unsigned c, uint64_t addr) const {
    const auto& m = ch_.at(c).mem;
    const auto it = m.find(addr / kRowBytes);
    return it == m.end() ? Row{} : it->second;
  }
  std::size_t rows_touched() const {
    std::size_t n = 0;
    for (const Channel& c : ch_) n += c.mem.size();
    return n;
  }
  const HbmStats& stats() const { return stats_; }
  const std::vector<std::string>& errors() const { return errors_; }
  bool idle() const {
    for (const Channel& c : ch_) {
      if (!c.reads.empty() || !c.writes.empty() || !c.bresp.empty()) return false;
    }
    return true;
  }

  void sample() override {
    for (unsigned c = 0; c < cfg_.channels; ++c) {
      Channel& ch = ch_[c];
      if (bit(Ports::arvalid(top_), c) && ch.arready) {
        const uint64_t len = port_bits(Ports::arlen(top_), c * 8, 8);
        const uint64_t addr = port_bits(Ports::araddr(top_), c * cfg_.addr_bits, cfg_.addr_bits);
        if (len != 2 || addr % kRowBytes != 0) error(c, "read of len " + std::to_string(len) + " at " + hex(addr));
        Read r;
        r.id = static_cast<uint32_t>(port_bits(Ports::arid(top_), c * cfg_.id_bits, cfg_.id_bits));
        r.addr = addr;
        r.accepted = now_;
        r.sample_at = now_ + 1 + rnd(cfg_.latency);
        r.ready_at = now_ + cfg_.latency + rnd(cfg_.jitter + 1);
        // Same ID: never before an earlier read of that ID.
        for (const Read& o : ch.reads) {
          if (o.id == r.id) r.ready_at = std::max(r.ready_at, o.ready_at + 1);
        }
        r.sample_at = std::min(r.sample_at, r.ready_at);
        ch.reads.push_back(r);
        ++stats_.reads;
        stats_.max_outstanding = std::max<uint64_t>(stats_.max_outstanding, ch.reads.size());
      }
      if (ch.rvalid && bit(Ports::rready(top_), c)) {
        ++stats_.read_beats;
        if (++ch.beat == 3) {
          stats_.read_latency_sum += now_ - ch.reads[ch.cur].accepted;
          ch.reads.erase(ch.reads.begin() + static_cast<std::ptrdiff_t>(ch.cur));
          ch.beat = 0;
          ch.cur = kNone;
        }
      }
      if (bit(Ports::awvalid(top_), c) && ch.awready) {
        const uint64_t len = port_bits(Ports::awlen(top_), c * 8, 8);
        const uint64_t addr = port_bits(Ports::awaddr(top_), c * cfg_.addr_bits, cfg_.addr_bits);
        if (len != 2 || addr % kRowBytes != 0) error(c, "write of len " + std::to_string(len) + " at " + hex(addr));
        Write w;
        w.id = static_cast<uint32_t>(port_bits(Ports::awid(top_), c * cfg_.id_bits, cfg_.id_bits));
        w.addr = addr;
        ch.writes.push_back(w);
        ++stats_.writes;
      }
      if (bit(Ports::wvalid(top_), c) && ch.wready) {
        auto it = std::find_if(ch.writes.begin(), ch.writes.end(), [](const Write& w) { return w.beats < 3; });
        if (it == ch.writes.end()) {
          error(c, "W beat without a write address");
        } else {
          for (unsigned i = 0; i < 16; ++i) {
            it->data[it->beats * 16 + i] = static_cast<uint32_t>(port_bits(Ports::wdata(top_), c * 512 + i * 32, 32));
          }
          for (unsigned i = 0; i < 64; ++i) {
            if (!port_bits(Ports::wstrb(top_), c * 64 + i, 1)) error(c, "partial write strobe");
          }
          const bool last = bit(Ports::wlast(top_), c);
          ++it->beats;
          ++stats_.write_beats;
          if (last != (it->beats == 3)) error(c, "WLAST on beat " + std::to_string(it->beats));
          if (it->beats == 3) it->land_at = now_ + cfg_.write_latency + rnd(cfg_.write_jitter + 1);
        }
      }
      if (ch.bvalid && bit(Ports::bready(top_), c)) {
        ch.bresp.pop_front();
      }
    }
  }

  void drive() override {
    ++now_;
    for (unsigned c = 0; c < cfg_.channels; ++c) {
      Channel& ch = ch_[c];
      // Writes land in order; each BRESP 1..4 clocks after.
      while (!ch.writes.empty() && ch.writes.front().beats == 3 && ch.writes.front().land_at <= now_) {
        const Write& w = ch.writes.front();
        Row r;
        std::copy(w.data.begin(), w.data.end(), r.begin());
        if (std::all_of(r.begin(), r.end(), [](uint32_t x) { return x == 0; })) {
          ch.mem.erase(w.addr / kRowBytes);  // sparse: a zero row is no row
        } else {
          ch.mem[w.addr / kRowBytes] = r;
        }
        ch.bresp.push_back({w.id, now_ + 1 + rnd(4)});
        ch.writes.pop_front();
      }
      for (Read& r : ch.reads) {
        if (!r.sampled && r.sample_at <= now_) {
          r.data = peek(c, r.addr);
          r.sampled = true;
        }
      }
      // R: continue the burst under way, else start the ready read that was ready first.
      if (ch.cur == kNone) {
        uint64_t best = ~uint64_t{0};
        for (std::size_t i = 0; i < ch.reads.size(); ++i) {
          const Read& r = ch.reads[i];
          if (r.sampled && r.ready_at <= now_ && r.ready_at < best) {
            bool older_same_id = false;
            for (std::size_t j = 0; j < i; ++j) older_same_id |= ch.reads[j].id == r.id;
            if (older_same_id) continue;
            best = r.ready_at;
            ch.cur = i;
          }
        }
      }
      ch.rvalid = ch.cur != kNone && static_cast<int>(rnd(100)) >= cfg_.r_idle;
      set_bit(Ports::rvalid(top_), c, ch.rvalid);
      if (ch.rvalid) {
        const Read& r = ch.reads[ch.cur];
        set_port_bits(Ports::rid(top_), c * cfg_.id_bits, cfg_.id_bits, r.id);
        set_bit(Ports::rlast(top_), c, ch.beat == 2);
        for (unsigned i = 0; i < 16; ++i)
          set_port_bits(Ports::rdata(top_), c * 512 + i * 32, 32, r.data[ch.beat * 16 + i]);
      }
      ch.arready = ch.reads.size() < cfg_.queue && static_cast<int>(rnd(100)) >= cfg_.stall;
      ch.awready = ch.writes.size() < cfg_.queue && static_cast<int>(rnd(100)) >= cfg_.stall;
      ch.wready = static_cast<int>(rnd(100)) >= cfg_.stall;
      set_bit(Ports::arready(top_), c, ch.arready);
      set_bit(Ports::awready(top_), c, ch.awready);
      set_bit(Ports::wready(top_), c, ch.wready);
      ch.bvalid = !ch.bresp.empty() && ch.bresp.front().at <= now_;
      set_bit(Ports::bvalid(top_), c, ch.bvalid);
      if (ch.bvalid) set_port_bits(Ports::bid(top_), c * cfg_.id_bits, cfg_.id_bits, ch.bresp.front().id);
    }
  }

 private:
  static constexpr std::size_t kNone = ~std::size_t{0};
  struct Read {
    uint32_t id = 0;
    uint64_t addr = 0, accepted = 0, sample_at = 0, ready_at = 0;
    bool sampled = false;
    Row data{};
  };
  struct Write {
    uint32_t id = 0;
    uint64_t addr = 0, land_at = 0;
    unsigned beats = 0;
    std::array<uint32_t, kRowWords> data{};
  };
  struct BResp {
    uint32_t id;
    uint64_t at;
  };
  struct Channel {
    std::unordered_map<uint64_t, Row> mem;
    std::vector<Read> reads;
    std::deque<Write> writes;
    std::deque<BResp> bresp;
    std::size_t cur = kNone;
    unsigned beat = 0;
    bool rvalid = false, arready = false, awready = false, wready = false, bvalid = false;
  };

  template <class P>
  static bool bit(const P& p, unsigned i) {
    return port_bits(p, i, 1) != 0;
  }
  template <class P>
  static void set_bit(P& p, unsigned i, bool v) {
    set_port_bits(p, i, 1, v ? 1 : 0);
  }
  uint64_t rnd(uint64_t n) { return n == 0 ? 0 : g_() % n; }
  static std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
  }
  void error(unsigned c, const std::string& what) {
    if (errors_.size() < 16) errors_.push_back("channel " + std::to_string(c) + ": " + what);
  }

  Top& top_;
  HbmConfig cfg_;
  std::mt19937_64 g_;
  std::vector<Channel> ch_;
  HbmStats stats_;
  std::vector<std::string> errors_;
  uint64_t now_ = 0;
};

}  // namespace conductor::sim
