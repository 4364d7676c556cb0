// C-simulation testbench of sync_decoder_top (run_hls.tcl's csim and cosim, and CTest
// SyncDecoderCsimTb): 150 IPv4 updates and 40 IPv6 deletes, made into frames by the sync_encoder
// golden model (hls/sync_encoder), go beat by beat into the free-running top, one call per clock;
// the FLOW_OP words on m_op must equal the golden model's (SyncDecoderCore fed the same frames),
// one per record; then the first frame again is a replay and emits nothing. Only hls/ code: the
// check against the host codec (host/sync's encode_udp_packet and decode_frame) is in
// tests/sync_decoder.
#include <cstdio>
#include <random>
#include <vector>

#include "common/hls_stream_shim.hpp"
#include "common/hypersync_wire.hpp"
#include "sync_decoder/sync_decoder.hpp"
#include "sync_encoder/sync_encoder.hpp"

namespace sd = conductor::sync_decoder;
namespace se = conductor::sync_encoder;
namespace cs = conductor::sync;

namespace {
constexpr int kRecords = 190;

se::SyncEncoderCore<conductor::regs::SYNC_ENCODER_MAX_MTU> encoder;  // static storage
sd::SyncDecoderCore<conductor::regs::SYNC_DECODER_MAX_MTU> model;

void push_frame(hls::stream<SyncDecBeat>& in, const std::vector<uint8_t>& f) {
  for (size_t at = 0; at < f.size(); at += 64) {
    SyncDecBeat b;
    b.data = 0;
    b.keep = 0;
    for (unsigned i = 0; i < 64 && at + i < f.size(); ++i) {
      b.data.range(8 * i + 7, 8 * i) = ap_uint<8>(f[at + i]);
      b.keep[i] = 1;
    }
    b.last = at + 64 >= f.size();
    in.write(b);
  }
}
}  // namespace

int main() {
  se::SyncEncoderConfig e;
  e.cluster_id = 7;
  e.source = cs::member_byte(1, 0);
  e.epoch = 42;
  e.flush_cycles = 400;
  for (unsigned i = 0; i < 16; ++i) e.key[i] = static_cast<uint8_t>(i);
  e.key_number = 1;
  e.dest[0] = {true, cs::member_byte(2, 0), 0x020000000002ULL, 0xC6120002};
  e.delay_default = 0;
  encoder.configure(e);

  sd::SyncDecoderConfig c;
  c.cluster_id = 7;
  c.self = cs::member_byte(2, 0);
  c.add_member(e.source);
  c.add_member(c.self);
  c.keys[1].valid = true;
  c.keys[1].key = e.key;
  model.configure(c);

  std::mt19937_64 rng(1);
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
    r.dest = e.dest[0].member;
    encoder.accept(r, static_cast<uint64_t>(i));
  }
  encoder.flush_now();
  std::vector<std::vector<uint8_t>> frames;
  while (encoder.frame_ready()) {
    frames.emplace_back(encoder.frame(), encoder.frame() + encoder.frame_len());
    encoder.pop_frame();
  }
  frames.push_back(frames.front());  // a replay: rejected, no ops

  hls::stream<SyncDecBeat> in("s_axis");
  hls::stream<ap_uint<512>> out("m_op");
  std::vector<sd::OpWord> want;
  for (const auto& f : frames) {
    push_frame(in, f);
    model.receive(f.data(), static_cast<unsigned>(f.size()));
    while (model.op_ready()) {
      want.push_back(model.op());
      model.pop_op();
    }
  }
  std::vector<ap_uint<512>> got;
  uint64_t accepted = 0;
  for (int clk = 0; clk < 2000; ++clk) {
    sync_decoder_top(in, out, c, &accepted);
    while (!out.empty()) got.push_back(out.read());
  }
  if (got.size() != want.size() || want.size() != static_cast<size_t>(kRecords)) {
    std::printf("FAIL: %zu ops, the model emitted %zu, %d records were sent\n", got.size(), want.size(), kRecords);
    return 1;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i]) {
      std::printf("FAIL: op %zu differs\n", i);
      return 1;
    }
  }
  if (accepted != frames.size() - 1 || model.counters().reject(sd::Reject::kReplayed) != 1) {
    std::printf("FAIL: the top accepted %llu frames (expected %zu), the model counted %u replays\n",
                static_cast<unsigned long long>(accepted), frames.size() - 1,
                model.counters().reject(sd::Reject::kReplayed));
    return 1;
  }
  std::printf("PASS: %zu ops matched (%llu frames accepted by the top, the replayed one rejected)\n", got.size(),
              static_cast<unsigned long long>(accepted));
  return 0;
}
