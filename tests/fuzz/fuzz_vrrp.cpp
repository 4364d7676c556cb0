// libFuzzer target for the VRRPv3 codec and the state machine behind it (host/election/). The input is
// a mode byte and the bytes a socket would hand over (tests/election/vrrp_fuzz_input.hpp). Any
// violated invariant aborts:
//   - decoding never crashes, and a reject carries a reason and a message;
//   - an accepted advert re-encodes to the same fields and bytes (the reserved nibble cleared, the
//     checksum re-derived in the form that matched) and decodes again to the same advert;
//   - a VrrpRouter fed the advert as Backup and as Master keeps a deadline in the future.
// Built as fuzz_vrrp with -fsanitize=fuzzer,address,undefined when CONDUCTOR_FUZZ=ON, and as the corpus
// replayer fuzz_vrrp_replay otherwise (tests/fuzz/CMakeLists.txt). Seeds: tests/fuzz/corpus/vrrp/,
// written by gen_vrrp_corpus (tests/election/).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "host/election/vrrp_codec.hpp"
#include "host/election/vrrp_fsm.hpp"
#include "tests/election/vrrp_fuzz_input.hpp"

namespace {

using namespace conductor::election;

[[noreturn]] void fail(const char* what, size_t size) {
  std::fprintf(stderr, "fuzz_vrrp: invariant violated: %s (input of %zu bytes)\n", what, size);
  std::abort();
}

Ipv4Checksum tx_mode(ChecksumForm f) {
  return f == ChecksumForm::kIpv4MessageOnly ? Ipv4Checksum::kMessageOnly : Ipv4Checksum::kPseudoHeader;
}

void check_reencode(const ReceivedAdvert& rx, std::span<const uint8_t> message, const RxOptions& options, size_t size) {
  const Advert& a = rx.advert;
  if (a.addresses.empty() || a.addresses.size() > kMaxAddresses) fail("address count out of range", size);
  if (a.max_adver_interval_cs == 0 || a.max_adver_interval_cs > kMaxAdverIntervalCs)
    fail("interval out of range", size);
  if (message.size() != kVrrpHeaderBytes + a.addresses.size() * address_bytes(a.family)) fail("length", size);
  for (const IpAddress& x : a.addresses) {
    if (x.family != a.family) fail("address of the wrong family", size);
  }
  if (a.vrid == 0) return;  // decodable (the state machine drops it), but not encodable
  auto again = encode_advert(a, rx.source, rx.destination, tx_mode(rx.checksum_form));
  if (!again) fail("an accepted advert does not encode", size);
  const std::vector<uint8_t>& m = *again;
  if (m.size() != message.size()) fail("re-encoded size", size);
  for (size_t i = 0; i < m.size(); ++i) {
    uint8_t want = message[i];
    if (i == 4) want &= 0x0F;        // reserved nibble: ignored on receipt, zero on transmit
    if (i == 6 || i == 7) continue;  // checksum: 0x0000 and 0xFFFF are both valid for a zero sum
    if (m[i] != want) fail("re-encoded bytes differ", size);
  }
  auto back = decode_advert(m, rx.source, rx.destination, options);
  if (!back) fail("a re-encoded advert does not decode", size);
  if (!(back->advert == a) || back->checksum_form != rx.checksum_form) fail("round trip changed the advert", size);
}

void check_fsm(const ReceivedAdvert& rx, size_t size) {
  const Advert& a = rx.advert;
  VrrpConfig c;
  c.vrid = a.vrid == 0 ? 1 : a.vrid;
  c.family = a.family;
  c.priority = 100;
  c.advert_interval_cs = a.max_adver_interval_cs;
  c.primary_address = fuzz::fuzz_source(a.family);
  c.primary_address.bytes[address_bytes(a.family) - 1] ^= 0x02;  // a neighbour of the sender
  c.addresses = a.addresses;
  auto made = VrrpRouter::create(c);
  if (!made) {  // e.g. an IPv6 list that does not start with a link-local address: a plain config
    c.addresses = {c.primary_address};
    made = VrrpRouter::create(c);
    if (!made) fail("fallback config rejected", size);
  }
  VrrpRouter& r = *made;
  TimePoint now{};
  (void)r.start(now);
  for (int round = 0; round < 3; ++round) {  // as Backup, then (after its timer) as Master
    now += std::chrono::milliseconds(1);
    (void)r.on_advert(now, rx);
    auto d = r.next_deadline();
    if (!d || *d <= now) fail("no future deadline after an advert", size);
    now = *d;
    (void)r.on_timer(now);
    d = r.next_deadline();
    if (!d || *d <= now) fail("no future deadline after a timer", size);
  }
  const VrrpStats& s = r.stats();
  if (s.adverts_received + s.dropped() != 3) fail("an advert was neither taken nor counted as dropped", size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes;
  std::span<const uint8_t> message;
  const auto rx = fuzz::decode_input(std::span<const uint8_t>(data, size), bytes, message);
  if (!rx) {
    if (rx.error().message.empty()) fail("a reject without a message", size);
    if (rx_error_name(rx.error().reason) == "unknown") fail("a reject with an unknown reason", size);
    return 0;
  }
  check_reencode(*rx, message, fuzz::mode_options(data[0]), size);
  check_fsm(*rx, size);
  return 0;
}
