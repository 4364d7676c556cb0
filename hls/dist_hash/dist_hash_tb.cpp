// C-simulation testbench of dist_hash_top (Vitis `csim_design`, and the CTest DistHashCsimTb with the
// shim). Drives the top through its streams and registers with
//   1. Microsoft's RSS verification suite (mode rss, reset key), addresses only and with ports;
//   2. random flow keys, modes, keys, BUCKET_LOG2 values and bucket tables, checked against the
//      independent reference dist_hash_reference();
// prints every mismatch and the number of decisions that matched; exit status 0 on success.
// Usage: dist_hash_tb <path of tests/hls/data/rss_verification.txt> [random rounds, default 20]
// (C/RTL co-simulation passes 1 round: every round rewrites the 64 KiB bucket table.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "common/packing.hpp"
#include "dist_hash/dist_hash.hpp"
#include "dist_hash/dist_hash_model.hpp"
#include "dist_hash/rss_vectors.hpp"

namespace {

using namespace conductor;

ap_uint<8> g_table[kDistHashBuckets];  // the BUCKETS window as the top sees it

ap_uint<320> key_word(const DistHashRegs& regs) {
  ap_uint<320> k = 0;
  for (int w = 0; w < kDistHashKeyWords; ++w) k.range(32 * w + 31, 32 * w) = regs.key[w];
  return k;
}

// Runs `keys` through the top with the registers of `regs`; one decision per key.
std::vector<Decision> run_top(const DistHashRegs& regs, const std::vector<FlowKey>& keys) {
  for (int i = 0; i < kDistHashBuckets; ++i) g_table[i] = regs.buckets[i];
  hls::stream<ap_uint<320>> s_key("s_key");
  hls::stream<ap_uint<64>> m_dec("m_dec");
  std::vector<Decision> out;
  for (const FlowKey& k : keys) {
    s_key.write(pack(k));
    dist_hash_top(s_key, m_dec, ap_uint<32>(regs.ctrl), key_word(regs), g_table);
    out.push_back(unpack_decision(m_dec.read()));
  }
  return out;
}

int g_mismatches = 0;
int g_matched = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    ++g_matched;
  } else {
    ++g_mismatches;
    std::printf("MISMATCH %s\n", what.c_str());
  }
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "rss_verification.txt";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  std::vector<RssVector> vectors;
  std::string error;
  if (!load_rss_vectors(path, &vectors, &error)) {
    std::printf("FAIL: %s\n", error.c_str());
    return 1;
  }

  // 1. RSS verification suite with the reset registers (mode rss, Microsoft's key).
  static DistHashRegs regs;
  std::vector<FlowKey> keys;
  for (const RssVector& v : vectors) {
    keys.push_back(v.key);
    FlowKey no_ports = v.key;
    no_ports.l4_valid = false;  // e.g. a TCP first fragment or an ext-limit frame: addresses only
    no_ports.src_port = no_ports.dst_port = 0;
    keys.push_back(no_ports);
  }
  const std::vector<Decision> got = run_top(regs, keys);
  for (size_t i = 0; i < vectors.size(); ++i) {
    check(got[2 * i].hash == vectors[i].hash_with_ports, vectors[i].text + " with ports: got " + hex(got[2 * i].hash));
    check(got[2 * i + 1].hash == vectors[i].hash_addresses,
          vectors[i].text + " addresses: got " + hex(got[2 * i + 1].hash));
  }

  // 2. Random keys, modes and tables against the independent reference.
  std::mt19937_64 rng(7);
  for (int round = 0; round < rounds; ++round) {
    for (auto& w : regs.key) w = static_cast<uint32_t>(rng());
    regs.ctrl = make_ctrl(static_cast<HashMode>(rng() % 4), static_cast<uint32_t>(rng() % 20));
    for (auto& b : regs.buckets) b = static_cast<uint8_t>(rng());
    std::vector<FlowKey> rk;
    for (int i = 0; i < 200; ++i) {
      FlowKey k;
      k.ip_valid = rng() % 8 != 0;
      k.sg_id = static_cast<uint8_t>(rng());
      if (k.ip_valid) {
        k.is_ipv6 = rng() & 1;
        for (size_t j = k.is_ipv6 ? 0 : 12; j < 16; ++j) {
          k.src_addr[j] = static_cast<uint8_t>(rng());
          k.dst_addr[j] = rng() % 4 == 0 ? k.src_addr[j] : static_cast<uint8_t>(rng());
        }
        const uint8_t protos[] = {kProtoTcp, kProtoUdp, kProtoSctp, kProtoIcmp, 47};
        k.proto = protos[rng() % 5];
        k.is_frag = rng() % 5 == 0;
        k.l4_valid = !k.is_frag && k.proto != kProtoIcmp && k.proto != 47 && rng() % 6 != 0;
        if (k.l4_valid) {
          k.src_port = static_cast<uint16_t>(rng());
          k.dst_port = rng() % 4 == 0 ? k.src_port : static_cast<uint16_t>(rng());
        }
      }
      rk.push_back(k);
    }
    const std::vector<Decision> d = run_top(regs, rk);
    for (size_t i = 0; i < rk.size(); ++i) {
      const Decision want = dist_hash_reference(regs, rk[i]);
      check(d[i] == want, "random round " + std::to_string(round) + " key " + std::to_string(i) + ": got " +
                              hex(pack(d[i]).to_uint64()) + " want " + hex(pack(want).to_uint64()));
    }
  }

  std::printf("%s: %d decisions matched, %d mismatched\n", g_mismatches == 0 ? "PASS" : "FAIL", g_matched,
              g_mismatches);
  return g_mismatches == 0 ? 0 : 1;
}
