// Writes the parser seed corpus (tests/fuzz/corpus/parser/): a few frames of each kind, taken from the
// directed parser cases (tests/parser/parser_cases.cpp), one raw frame per file.
//   gen_parser_corpus DIR          write the files into DIR
//   gen_parser_corpus --check DIR  exit 1 if a file in DIR is missing or differs (ctest runs this)
// Regenerate with: cmake --build <build> --target fuzz_parser_corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "parser/parser_cases.hpp"
#include "tests/common/corpus_cli.hpp"

namespace {

// At most one or two of each kind; the corpus stays under 30 files.
const char* const kSeeds[] = {
    "arp_untagged",
    "vlan3_ipv4",
    "ipv4_tcp_vlan0",
    "ipv4_udp_vlan1",
    "ipv4_sctp_vlan2",
    "ipv4_icmp",
    "ipv4_options_ihl15_vlan2",
    "ipv4_bad_ihl4",
    "ipv4_bad_version6",
    "ipv4_total_length_19",
    "ipv4_frag_middle",
    "ipv4_ports_truncated",
    "ipv6_tcp_vlan0",
    "ipv6_udp_vlan1",
    "ipv6_sctp_vlan2",
    "ipv6_icmpv6",
    "ipv6_bad_version4",
    "ipv6_ext4_tcp_vlan2",
    "ipv6_ext5_nh60",
    "ipv6_atomic_frag_udp",
    "ipv6_frag_first",
    "ipv6_hbh_nh50",
    "ipv6_ports_past_window",
    "ipv6_ext_straddles_window",
    "ipv6_huge_hbh_tcp_long",
};

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  conductor::test::CorpusArgs args;
  if (auto done = conductor::test::parse_corpus_args(argc, argv, "gen_parser_corpus",
                                                     "Writes the parser seed corpus (tests/fuzz/corpus/parser/): "
                                                     "frames of the directed parser cases, one per file.",
                                                     args))
    return *done;
  const bool check = args.check;
  const fs::path dir(args.dir);
  const auto cases = conductor::test::parser_cases();
  if (!check) fs::create_directories(dir);
  int bad = 0;
  for (const char* name : kSeeds) {
    const conductor::test::ParserCase* found = nullptr;
    for (const auto& c : cases) {
      if (c.name == name) found = &c;
    }
    if (found == nullptr) {
      std::fprintf(stderr, "gen_parser_corpus: no parser case named %s\n", name);
      return 2;
    }
    const fs::path file = dir / (std::string(name) + ".bin");
    const std::string want(found->frame.begin(), found->frame.end());
    if (check) {
      std::ifstream f(file, std::ios::binary);
      const std::string have((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (!f.good() && have.empty()) {
        std::fprintf(stderr, "gen_parser_corpus: missing %s\n", file.c_str());
        ++bad;
      } else if (have != want) {
        std::fprintf(stderr, "gen_parser_corpus: stale %s\n", file.c_str());
        ++bad;
      }
    } else {
      std::ofstream(file, std::ios::binary | std::ios::trunc) << want;
    }
  }
  if (bad != 0) {
    std::fprintf(stderr, "gen_parser_corpus: %d stale file(s); regenerate with the fuzz_parser_corpus target\n", bad);
    return 1;
  }
  std::printf("gen_parser_corpus: %zu seeds %s %s\n", std::size(kSeeds), check ? "match" : "written to", dir.c_str());
  return 0;
}
