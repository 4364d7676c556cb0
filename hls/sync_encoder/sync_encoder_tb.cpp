// C-simulation testbench of sync_encoder_top (run_hls.tcl's csim and cosim, and CTest
// SyncEncoderCsimTb): 150 IPv4 updates and 40 IPv6 deletes for one destination into the
// free-running top, one call per clock; the beats on m_axis, put back together into frames, must
// equal the golden model's frames (SyncEncoderCore, records accepted at the same clocks) byte for
// byte, and the frames' headers must carry all 190 records. Only hls/ code: the check of the same
// frames against the host codec (host/sync's batch_records + encode_udp_packet) is in
// tests/sync_encoder.
#include <cstdio>
#include <random>
#include <vector>

#include "common/hls_stream_shim.hpp"
#include "common/hypersync_wire.hpp"
#include "sync_encoder/sync_encoder.hpp"

namespace se = conductor::sync_encoder;
namespace cs = conductor::sync;

namespace {
constexpr int kRecords = 190;
constexpr int kClocks = 3000;

se::SyncEncoderCore<conductor::regs::SYNC_ENCODER_MAX_MTU> model;  // the top's build size; static storage (about 45 KB)
}  // namespace

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
  std::vector<se::SyncRecord> records;
  for (int i = 0; i < kRecords; ++i) {
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
    records.push_back(r);
  }

  // The top takes one record per call from the full stream: record i is accepted at clock i.
  model.configure(c);
  std::vector<std::vector<uint8_t>> want;
  uint64_t frames = 0;
  std::vector<std::vector<uint8_t>> got(1);
  for (int clk = 0; clk < kClocks; ++clk) {
    sync_encoder_top(in, out, c, &frames);
    while (!out.empty()) {
      SyncBeat b = out.read();
      for (unsigned i = 0; i < 64; ++i)
        if (b.keep[i]) got.back().push_back(static_cast<uint8_t>(b.data.range(8 * i + 7, 8 * i).to_uint64()));
      if (b.last) got.emplace_back();
    }
    model.tick(static_cast<uint64_t>(clk));
    if (clk < kRecords) model.accept(se::unpack_sync_record(se::pack(records[clk])), static_cast<uint64_t>(clk));
    while (model.frame_ready()) {
      want.emplace_back(model.frame(), model.frame() + model.frame_len());
      model.pop_frame();
    }
  }
  got.pop_back();

  if (model.open()) {
    std::printf("FAIL: the model still holds an open frame after %d clocks\n", kClocks);
    return 1;
  }
  if (got.size() != want.size()) {
    std::printf("FAIL: %zu frames, expected %zu\n", got.size(), want.size());
    return 1;
  }
  int errors = 0;
  unsigned carried = 0;  // records named by the frames' headers
  for (size_t f = 0; f < want.size(); ++f) {
    if (got[f] != want[f]) {
      std::printf("FAIL: frame %zu differs (%zu bytes, expected %zu)\n", f, got[f].size(), want[f].size());
      ++errors;
      continue;
    }
    const uint8_t* h = got[f].data() + se::kHeaderAt;
    carried += unsigned{h[cs::kOffRecordCount]} << 8 | h[cs::kOffRecordCount + 1];
  }
  if (errors) return 1;
  if (carried != kRecords || frames != want.size()) {
    std::printf("FAIL: the frames carry %u records (expected %d), the top counted %llu frames\n", carried, kRecords,
                static_cast<unsigned long long>(frames));
    return 1;
  }
  std::printf("PASS: %zu frames matched (%llu counted by the top)\n", got.size(),
              static_cast<unsigned long long>(frames));
  return 0;
}
