// C-simulation testbench of flow_table_top (Vitis `csim_design`, and the CTest FlowTableCsimTb with
// the shim). Drives the top through its streams and registers with a random mix of lookups,
// inserts, updates, touches, deletes, reserved opcodes and keys without IP_VALID (both directions
// of every connection), then with AGE sweeps, and checks every result and event against an
// independent reference: a std::map from a canonical key computed here from the FlowKey fields.
// The table stays below half full, so no insert may fail. Prints every mismatch and the number of
// results and events that matched; exit status 0 on success.
// Usage: flow_table_tb [rounds, default 20000]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/packing.hpp"
#include "flow_table/flow_table.hpp"
#include "flow_table/flow_table_model.hpp"

namespace {

using namespace conductor;
using flow::Opcode;
using flow::Status;

struct Regs {
  uint32_t ctrl = regs::FLOW_TABLE_CTRL_RESET;
  uint32_t timeout[3] = {100, 1000, 50};
  uint32_t seed1 = regs::FLOW_TABLE_HASH_SEED1_RESET;
  uint32_t seed2 = regs::FLOW_TABLE_HASH_SEED2_RESET;
  uint32_t sync_mature = 0;
  uint32_t clear = 0;
  ap_uint<32> ro[21];
};

hls::stream<ap_uint<384>> s_lookup("s_lookup");
hls::stream<conductor::flow::ResultWord> m_result("m_result");
hls::stream<conductor::flow::OpWord> s_op("s_op");
hls::stream<conductor::flow::EventWord> m_event("m_event");

void call(Regs& r) {
  flow_table_top(s_lookup, m_result, s_op, m_event, r.ctrl, r.timeout[0], r.timeout[1], r.timeout[2], r.sync_mature,
                 r.seed1, r.seed2, r.clear, &r.ro[0], &r.ro[1], &r.ro[2], &r.ro[3], &r.ro[4], &r.ro[5], &r.ro[6],
                 &r.ro[7], &r.ro[8], &r.ro[9], &r.ro[10], &r.ro[11], &r.ro[12], &r.ro[13], &r.ro[14], &r.ro[15],
                 &r.ro[16], &r.ro[17], &r.ro[18], &r.ro[19], &r.ro[20]);
}

// Reference canonical key: endpoints as (address bytes, port) pairs, ordered; ports only for
// TCP/UDP/SCTP with L4_VALID and not IS_FRAG.
using RefKey = std::tuple<std::array<uint8_t, 16>, uint16_t, std::array<uint8_t, 16>, uint16_t, uint8_t, bool, uint8_t>;
RefKey ref_key(const FlowKey& k) {
  const bool ports = k.l4_valid && !k.is_frag && (k.proto == 6 || k.proto == 17 || k.proto == 132);
  auto a = std::make_pair(k.src_addr, ports ? k.src_port : uint16_t{0});
  auto b = std::make_pair(k.dst_addr, ports ? k.dst_port : uint16_t{0});
  if (b < a) std::swap(a, b);
  return {a.first, a.second, b.first, b.second, k.proto, k.is_ipv6, k.sg_id};
}

int g_bad = 0;
long g_results = 0, g_events = 0;
void check(bool ok, const std::string& what) {
  if (!ok && g_bad++ < 30) std::printf("MISMATCH %s\n", what.c_str());
}

FlowKey random_flow(std::mt19937_64& rng, int pool_index) {
  std::mt19937_64 g(static_cast<uint64_t>(pool_index) * 0x9E3779B97F4A7C15ull + 7);
  FlowKey k;
  k.ip_valid = true;
  k.is_ipv6 = g() % 3 == 0;
  for (int i = k.is_ipv6 ? 0 : 12; i < 16; ++i) {
    k.src_addr[i] = static_cast<uint8_t>(g());
    k.dst_addr[i] = static_cast<uint8_t>(g());
  }
  if (g() % 16 == 0) k.dst_addr = k.src_addr;  // equal addresses: the port decides the order
  const uint8_t protos[] = {6, 17, 132, 1, 58, 47};
  k.proto = protos[g() % 6];
  k.is_frag = g() % 10 == 0;
  if ((k.proto == 6 || k.proto == 17 || k.proto == 132) && !k.is_frag) {
    k.l4_valid = true;
    k.src_port = static_cast<uint16_t>(g());
    k.dst_port = static_cast<uint16_t>(g());
  }
  k.sg_id = static_cast<uint8_t>(g() % 4);
  if (rng() & 1) {  // the other direction of the same connection
    std::swap(k.src_addr, k.dst_addr);
    std::swap(k.src_port, k.dst_port);
  }
  return k;
}

FlowValue random_value(std::mt19937_64& rng) { return unpack_flow_value(rng() & 0xFFFFFFFFull); }

}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::atol(argv[1]) : 20000;
  std::mt19937_64 rng(2025);
  Regs r;
  r.ctrl = regs::field_set(r.ctrl, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_LSB, regs::FLOW_TABLE_CTRL_BUCKET_LOG2_WIDTH,
                           10);    // 8K entries active
  std::map<RefKey, uint64_t> ref;  // value as stored
  const int pool = 3000;
  uint32_t now = 1;

  for (long i = 0; i < rounds; ++i) {
    now += static_cast<uint32_t>(rng() % 3);
    const int kind = static_cast<int>(rng() % 100);
    FlowKey k = random_flow(rng, static_cast<int>(rng() % pool));
    if (kind < 50) {
      FlowLookup l{k, rng()};
      s_lookup.write(pack(l));
      call(r);
      const FlowResult got = unpack_flow_result(m_result.read());
      auto it = ref.find(ref_key(k));
      FlowResult want;
      want.hit = it != ref.end();
      want.key_valid = true;
      want.value = want.hit ? unpack_flow_value(it->second) : FlowValue{};
      want.tag = l.tag;
      flow::CKey ck;  // the key's buckets: its hashes under the seeds, masked to the 2^10 active
      canonical_key(k, ck);
      uint32_t h1 = 0, h2 = 0;
      flow::hash_pair(ck, r.seed1, r.seed2, h1, h2);
      want.bucket1 = h1 & 1023u;
      want.bucket2 = h2 & 1023u;
      check(got == want, "lookup " + std::to_string(i) + ": got " + to_string(got) + " want " + to_string(want));
      ++g_results;
      continue;
    }
    FlowOp op;
    op.key = k;
    op.value = random_value(rng);
    op.time = now;
    op.tag = static_cast<uint16_t>(i);
    op.opcode = static_cast<uint8_t>(kind < 75     ? 1
                                     : kind < 85   ? 2
                                     : kind < 92   ? 3
                                     : kind < 98   ? 4
                                     : (rng() & 1) ? 0
                                                   : 9);
    if (kind == 99) op.key.ip_valid = false, op.opcode = 1;
    s_op.write(pack(op));
    call(r);
    const FlowEvent got = unpack_flow_event(m_event.read());
    ++g_events;
    const RefKey rk = ref_key(op.key);
    auto it = ref.find(rk);
    const uint64_t v = flow::value_with_last_seen(pack(op.value), now);
    Status want;
    uint64_t want_value = 0;
    if (op.opcode == 0 || op.opcode > 5 || !op.key.ip_valid) {
      want = Status::kInvalid;
    } else if (op.opcode == 1) {
      want = it == ref.end() ? Status::kDone : Status::kExists;
      want_value = it == ref.end() ? v : it->second;
      if (it == ref.end()) ref[rk] = v;
    } else if (it == ref.end()) {
      want = Status::kNotFound;
    } else {
      want = Status::kDone;
      if (op.opcode == 2) it->second = v;
      if (op.opcode == 4) it->second = flow::value_with_last_seen(it->second, now);
      want_value = it->second;
      if (op.opcode == 3) ref.erase(it);
    }
    check(got.status == want && got.value == unpack_flow_value(want_value) && got.tag == op.tag,
          "op " + std::to_string(i) + ": got " + to_string(got) + " want " + status_name(want));
  }
  // Ageing: sweep the whole active table at a time when NEW entries (timeout 100) are expired and
  // ESTABLISHED ones (1000) are not: every expiry must be an entry the reference says is idle too
  // long, and afterwards exactly the live ones remain.
  const uint32_t units = 2 * 1024 + flow::kStashSize;
  // Every live entry is marked active (inserted or moved entries are, lookups mark what they hit,
  // and no AGE ran yet): a first sweep at the current time refreshes each to LAST_SEEN = now,
  // clears the marks and expires nothing.
  for (uint32_t u = 0; u < units; ++u) {
    FlowOp op;
    op.opcode = 5;
    op.time = now;
    s_op.write(pack(op));
    call(r);
    while (!m_event.empty()) {
      m_event.read();
      check(false, "the first sweep expired an entry that was marked active");
    }
  }
  for (auto& [rk, v] : ref) v = flow::value_with_last_seen(v, now);
  now += 500;
  for (uint32_t u = 0; u < units; ++u) {
    FlowOp op;
    op.opcode = 5;
    op.time = now;
    op.tag = static_cast<uint16_t>(u);
    s_op.write(pack(op));
    call(r);
    while (!m_event.empty()) {
      const FlowEvent e = unpack_flow_event(m_event.read());
      ++g_events;
      const FlowKey ck = canonical_flow_key(e.key);
      auto it = ref.find(ref_key(ck));
      const bool known = it != ref.end();
      const uint64_t sv = known ? it->second : 0;
      const uint32_t st = flow::value_state(sv);
      const uint32_t to = r.timeout[st > 2 ? 2 : st];
      const bool due = known && static_cast<uint32_t>(now - flow::value_last_seen(sv)) > to;
      check(e.status == Status::kExpired && due && e.value == unpack_flow_value(sv), "expiry: " + to_string(e));
      if (known) ref.erase(it);
    }
  }
  for (const auto& [rk, v] : ref) {
    const uint32_t st = flow::value_state(v);
    check(static_cast<uint32_t>(now - flow::value_last_seen(v)) <= r.timeout[st > 2 ? 2 : st],
          "an idle entry survived the sweep");
  }
  check(r.ro[2].to_uint() == ref.size(),
        "OCCUPANCY " + std::to_string(r.ro[2].to_uint()) + " != " + std::to_string(ref.size()));
  if (g_bad != 0) {
    std::printf("FAIL: %d mismatches\n", g_bad);
    return 1;
  }
  std::printf("PASS: %ld results and %ld events matched (%zu entries left)\n", g_results, g_events, ref.size());
  return 0;
}
