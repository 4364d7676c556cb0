// Writes the VRRP seed corpus (tests/fuzz/corpus/vrrp/): a few valid adverts in each input mode of the
// fuzz target (vrrp_fuzz_input.hpp), from the outside wire vectors (vrrp_vectors.hpp) and from the
// encoder, one input per file.
//   gen_vrrp_corpus DIR          write the files into DIR
//   gen_vrrp_corpus --check DIR  exit 1 if a file in DIR is missing or differs (ctest runs this)
// Regenerate with: cmake --build <build> --target fuzz_vrrp_corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "host/election/vrrp_codec.hpp"
#include "tests/common/corpus_cli.hpp"
#include "vrrp_fuzz_input.hpp"
#include "vrrp_vectors.hpp"

namespace {

using namespace conductor::election;
using Seed = std::pair<std::string, std::vector<uint8_t>>;

std::vector<uint8_t> with_mode(uint8_t mode, std::vector<uint8_t> rest) {
  rest.insert(rest.begin(), mode);
  return rest;
}

std::vector<uint8_t> message(const Advert& a, Ipv4Checksum form = Ipv4Checksum::kPseudoHeader) {
  auto m = encode_advert(a, fuzz::fuzz_source(a.family), vrrp_group(a.family), form);
  if (!m) {
    std::fprintf(stderr, "gen_vrrp_corpus: %s\n", m.error().message.c_str());
    std::exit(2);
  }
  return *m;
}

IpAddress addr(const char* text) {
  auto a = IpAddress::parse(text);
  if (!a) {
    std::fprintf(stderr, "gen_vrrp_corpus: %s\n", a.error().message.c_str());
    std::exit(2);
  }
  return *a;
}

std::vector<Seed> seeds() {
  using namespace conductor::election::test;
  using namespace conductor::election::fuzz;
  const auto pp4 = from_hex(kPcapPlusPlusIpv4Frame);
  const auto pp6 = from_hex(kPcapPlusPlusIpv6Frame);
  const Advert v4{Family::kIpv4, 7, 100, 10, {IpAddress::v4(198, 18, 0, 100), IpAddress::v4(198, 18, 0, 101)}};
  const Advert six{Family::kIpv6, 7, 255, 1, {addr("fe80::64"), addr("2001:db8::64")}};
  Advert zero = v4;
  zero.priority = kPriorityShutdown;
  Advert wide = v4;
  wide.addresses.assign(kMaxAddresses, IpAddress::v4(198, 18, 1, 1));
  std::vector<uint8_t> unfixed = message(v4);
  unfixed[6] = unfixed[7] = 0;  // the target fills the checksum in (kModeFixChecksum)

  auto datagram = encode_ipv4_packet(v4, fuzz_source(Family::kIpv4), vrrp_group(Family::kIpv4));
  return {
      {"ipv4_datagram_keepalived_1175", with_mode(kModeDatagram | kModeUnicast, from_hex(kKeepalived1175Datagram))},
      {"ipv4_datagram_pcapplusplus", with_mode(kModeDatagram, std::vector<uint8_t>(pp4.begin() + 14, pp4.end()))},
      {"ipv4_datagram_encoded", with_mode(kModeDatagram, *datagram)},
      {"ipv4_message_keepalived_1490", with_mode(kModeFixChecksum, from_hex(kKeepalived1490Message))},
      {"ipv4_message_pseudo_header", with_mode(0, message(v4))},
      {"ipv4_message_only", with_mode(kModeAcceptMessageOnly, message(v4, Ipv4Checksum::kMessageOnly))},
      {"ipv4_message_priority_zero", with_mode(0, message(zero))},
      {"ipv4_message_255_addresses", with_mode(kModeAcceptPseudo, message(wide))},
      {"ipv4_message_fix_checksum", with_mode(kModeFixChecksum, unfixed)},
      {"ipv6_message_pcapplusplus", with_mode(kModeIpv6, std::vector<uint8_t>(pp6.begin() + 14 + 40, pp6.end()))},
      {"ipv6_message_owner", with_mode(kModeIpv6, message(six))},
  };
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  conductor::test::CorpusArgs args;
  if (auto done = conductor::test::parse_corpus_args(argc, argv, "gen_vrrp_corpus",
                                                     "Writes the VRRP seed corpus (tests/fuzz/corpus/vrrp/): valid "
                                                     "adverts in each input mode of fuzz_vrrp, one per file.",
                                                     args))
    return *done;
  const bool check = args.check;
  const fs::path dir(args.dir);
  if (!check) fs::create_directories(dir);
  const auto all = seeds();
  int bad = 0;
  for (const auto& [name, bytes] : all) {
    const fs::path file = dir / (name + ".bin");
    const std::string want(bytes.begin(), bytes.end());
    if (check) {
      std::ifstream f(file, std::ios::binary);
      const std::string have((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (!f.good() && have.empty()) {
        std::fprintf(stderr, "gen_vrrp_corpus: missing %s\n", file.c_str());
        ++bad;
      } else if (have != want) {
        std::fprintf(stderr, "gen_vrrp_corpus: stale %s\n", file.c_str());
        ++bad;
      }
    } else {
      std::ofstream(file, std::ios::binary | std::ios::trunc) << want;
    }
  }
  if (bad != 0) {
    std::fprintf(stderr, "gen_vrrp_corpus: %d stale file(s); regenerate with the fuzz_vrrp_corpus target\n", bad);
    return 1;
  }
  std::printf("gen_vrrp_corpus: %zu seeds %s %s\n", all.size(), check ? "match" : "written to", dir.c_str());
  return 0;
}
