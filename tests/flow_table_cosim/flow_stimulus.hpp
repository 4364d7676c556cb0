// Stimulus for the flow-table benches (tests/flow_table_cosim/flow_bench.hpp for the on-chip
// kernel, tests/flow_table_hbm_cosim/hbm_bench.hpp for the HBM kernel): random keys, a mix of
// lookups and ops over a pool of connections, register settings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "common/gen/conductor_regs.hpp"
#include "common/packing.hpp"
#include "flow_table/flow_table_model.hpp"

namespace conductor::flowsim {

// ---- stimulus --------------------------------------------------------------------------------------
inline FlowKey random_key(std::mt19937_64& g) {
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = g() % 4 == 0;
  for (int i = k.is_ipv6 ? 0 : 12; i < 16; ++i) {
    k.src_addr[i] = static_cast<uint8_t>(g());
    k.dst_addr[i] = static_cast<uint8_t>(g());
  }
  if (g() % 32 == 0) k.dst_addr = k.src_addr;
  const uint8_t protos[] = {6, 17, 132, 1, 58, 47};
  k.proto = protos[g() % 6];
  k.is_frag = g() % 16 == 0;
  if ((k.proto == 6 || k.proto == 17 || k.proto == 132) && !k.is_frag) {
    k.l4_valid = true;
    k.src_port = static_cast<uint16_t>(g());
    k.dst_port = static_cast<uint16_t>(g());
  }
  k.sg_id = static_cast<uint8_t>(g() % 3);
  return k;
}

inline FlowKey reversed(FlowKey k) {
  std::swap(k.src_addr, k.dst_addr);
  std::swap(k.src_port, k.dst_port);
  return k;
}

// Noise in the bits of a FLOW_KEY that belong to no field (300..303, 312..319): ignored.
template <int W>
inline void key_noise(ap_uint<W>& w, int key_lsb, std::mt19937_64& g) {
  w.range(key_lsb + 303, key_lsb + 300) = static_cast<uint32_t>(g() & 15);
  w.range(key_lsb + 319, key_lsb + 312) = static_cast<uint32_t>(g() & 255);
}

// A mix of lookups and ops over a pool of connections (either direction), with raw VALUE words
// (reserved bits included), noise in unused bits, reserved opcodes and keys without IP_VALID.
struct Mix {
  int op_percent = 30;
  int insert = 37, update = 10, del = 20, touch = 10, age = 12, upsert = 8;  // of ops; the rest invalid
  uint32_t time_step = 1;                                                    // TIME advance per op (max)
  int hot_percent = 0;    // % of items on 4 hot connections: same-key ops and lookups close together
  int hint_percent = 50;  // % of ops carrying FLOW_OP.HINT (their buckets, as a lookup reports them)
};

class Stimulus {
 public:
  Stimulus(uint64_t seed, size_t pool_size) : g_(seed) {
    for (size_t i = 0; i < pool_size; ++i) pool_.push_back(random_key(g_));
  }
  const std::vector<FlowKey>& pool() const { return pool_; }
  uint32_t now() const { return now_; }

  // Bench: lookup(ap_uint<384>), op(flow::OpWord), model (FlowTableModel).
  template <class Bench>
  void emit(Bench& b, const Mix& m, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const bool hot = static_cast<int>(g_() % 100) < m.hot_percent;
      const FlowKey& k0 = pool_[g_() % (hot ? std::min<size_t>(4, pool_.size()) : pool_.size())];
      const FlowKey k = (g_() & 1) ? reversed(k0) : k0;
      if (static_cast<int>(g_() % 100) >= m.op_percent) {
        FlowLookup l{k, g_()};
        if (g_() % 64 == 0) l.key = FlowKey{};  // no IP key
        ap_uint<384> w = pack(l);
        key_noise(w, regs::FLOW_LOOKUP_KEY_LSB, g_);
        b.lookup(w);
        continue;
      }
      now_ += static_cast<uint32_t>(g_() % (m.time_step + 1));
      const int r = static_cast<int>(g_() % 100);
      FlowOp op;
      op.key = k;
      op.time = now_;
      op.tag = static_cast<uint16_t>(g_());
      int acc = m.insert;
      op.opcode = r < acc                 ? 1
                  : r < (acc += m.update) ? 2
                  : r < (acc += m.del)    ? 3
                  : r < (acc += m.touch)  ? 4
                  : r < (acc += m.age)    ? 5
                  : r < (acc += m.upsert) ? 6
                                          : static_cast<uint8_t>((g_() & 1) ? 0 : 7 + g_() % 9);
      if ((op.opcode == 1 || op.opcode == 6) && g_() % 50 == 0) op.key = FlowKey{};  // without IP_VALID
      flow::OpWord w = pack(op);
      w.range(regs::FLOW_OP_VALUE_LSB + 63, regs::FLOW_OP_VALUE_LSB) = value_word();
      key_noise(w, regs::FLOW_OP_KEY_LSB, g_);
      w.range(447, 437) = static_cast<uint32_t>(g_() & 0x7FF);  // reserved
      if (static_cast<int>(g_() % 100) < m.hint_percent) {
        uint32_t b1 = 0, b2 = 0;
        b.model.key_buckets(op.key, b1, b2);
        w[regs::FLOW_OP_HINT_LSB] = 1;
        w.range(regs::FLOW_OP_BUCKET1_LSB + regs::FLOW_OP_BUCKET1_WIDTH - 1, regs::FLOW_OP_BUCKET1_LSB) = b1;
        w.range(regs::FLOW_OP_BUCKET2_LSB + regs::FLOW_OP_BUCKET2_WIDTH - 1, regs::FLOW_OP_BUCKET2_LSB) = b2;
      } else {  // without HINT the bucket fields are ignored
        w.range(511, regs::FLOW_OP_BUCKET1_LSB) = ap_uint<64>(g_()).range(511 - regs::FLOW_OP_BUCKET1_LSB, 0);
      }
      b.op(w);
    }
  }

 private:
  // Random owner/backups/flags; the state mostly NEW or ESTABLISHED.
  uint64_t value_word() {
    uint64_t v = g_() & 0xFFFFFFFFull;
    v &= ~(uint64_t{3} << regs::FLOW_VALUE_STATE_LSB);
    v |= uint64_t{static_cast<uint32_t>(g_() % 7 < 3   ? 0
                                        : g_() % 7 < 6 ? 1
                                                       : 2 + g_() % 2)}
         << regs::FLOW_VALUE_STATE_LSB;
    return v;
  }

  std::mt19937_64 g_;
  std::vector<FlowKey> pool_;
  uint32_t now_ = 1;
};

inline flow::Config config(uint32_t bucket_log2, uint32_t walk = flow::kWalkMax) {
  flow::Config c;
  c.ctrl =
      regs::field_set(0, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH, bucket_log2);
  c.ctrl = regs::field_set(c.ctrl, regs::FLOW_TABLE_CTRL_WALK_STEPS_LSB, regs::FLOW_TABLE_CTRL_WALK_STEPS_WIDTH, walk);
  return c;
}

}  // namespace conductor::flowsim
