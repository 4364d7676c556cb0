// C-simulation testbench of sync_encoder_top (run_hls.tcl's csim, and CTest SyncEncoderCsimTb):
// 150 IPv4 updates and 40 IPv6 deletes for one destination into the free-running top, one call per
// clock; the frames on m_axis must equal host/sync's batch_records + encode_udp_packet of the same
// records, byte for byte.
#include <cstdio>
#include <random>
#include <vector>

#include "common/hls_stream_shim.hpp"
#include "host/sync/codec.hpp"
#include "sync_encoder/sync_encoder.hpp"

struct SyncBeat {
  ap_uint<512> data;
  ap_uint<64> keep;
  bool last;
};
void sync_encoder_top(hls::stream<ap_uint<448>>& s_rec, hls::stream<SyncBeat>& m_axis,
                      const conductor::sync_encoder::SyncEncoderConfig& config, uint64_t* frames_out);

namespace se = conductor::sync_encoder;
namespace cs = conductor::sync;

int main() {
  se::SyncEncoderConfig c;
  c.cluster_id = 7;
  c.source = cs::member_byte(1, 0);
  c.epoch = 42;
  c.flush_cycles = 400;
  for (unsigned i = 0; i < 16; ++i) c.key[i] = static_cast<uint8_t>(i);
  c.src_mac = 0x020000000001ULL;
  c.src_ip = 0xC6120001;
  c.dest[0] = {true, cs::member_byte(2, 0), 0x020000000002ULL, 0xC6120002};
  c.delay_default = 0;

  std::mt19937_64 rng(1);
  hls::stream<ap_uint<448>> in("s_rec");
  hls::stream<SyncBeat> out("m_axis");
  std::vector<cs::Record> records;
  for (int i = 0; i < 190; ++i) {
    se::SyncRecord r;
    r.ipv6 = i >= 150;
    r.op = r.ipv6 ? se::Op::kDelete : se::Op::kUpdate;
    for (unsigned j = 0; j < (r.ipv6 ? 16u : 4u); ++j) {
      r.a_addr[j] = static_cast<uint8_t>(rng());
      r.b_addr[j] = static_cast<uint8_t>(rng());
    }
    r.a_port = static_cast<uint16_t>(rng());
    r.b_port = static_cast<uint16_t>(rng());
    r.proto = 6;
    r.value = rng();
    r.dest = c.dest[0].member;
    in.write(se::pack(r));
    cs::FlowKey k;
    k.is_ipv6 = r.ipv6;
    k.a_addr = r.a_addr;
    k.b_addr = r.b_addr;
    k.a_port = r.a_port;
    k.b_port = r.b_port;
    k.proto = r.proto;
    records.push_back(r.ipv6 ? cs::delete_record(k) : cs::update_record(k, r.value));
  }
  uint64_t frames = 0;
  std::vector<std::vector<uint8_t>> got(1);
  for (int clk = 0; clk < 3000; ++clk) {
    sync_encoder_top(in, out, c, &frames);
    while (!out.empty()) {
      SyncBeat b = out.read();
      for (unsigned i = 0; i < 64; ++i)
        if (b.keep[i]) got.back().push_back(static_cast<uint8_t>(b.data.range(8 * i + 7, 8 * i).to_uint64()));
      if (b.last) got.emplace_back();
    }
  }
  got.pop_back();

  cs::UdpEncap e;
  e.dst_mac = {2, 0, 0, 0, 0, 2};
  e.src_mac = {2, 0, 0, 0, 0, 1};
  e.src_ip = {198, 18, 0, 1};
  e.dst_ip = {198, 18, 0, 2};
  const auto batches = cs::batch_records(records, cs::max_payload_for_mtu(c.mtu, false));
  int errors = 0;
  if (got.size() != batches.size()) {
    std::printf("FAIL: %zu frames, expected %zu\n", got.size(), batches.size());
    return 1;
  }
  for (size_t f = 0; f < batches.size(); ++f) {
    cs::FrameHeader h;
    h.cluster_id = c.cluster_id;
    h.source = c.source;
    h.destination = c.dest[0].member;
    h.epoch = c.epoch;
    h.sequence = static_cast<uint32_t>(f + 1);
    auto want = cs::encode_udp_packet(h, batches[f], c.key, e);
    if (!want.ok() || *want != got[f]) {
      std::printf("FAIL: frame %zu differs (%zu bytes, expected %zu)\n", f, got[f].size(), want.ok() ? want->size() : 0);
      ++errors;
    }
  }
  if (errors) return 1;
  std::printf("PASS: %zu frames matched (%llu counted by the top)\n", got.size(), static_cast<unsigned long long>(frames));
  return 0;
}
