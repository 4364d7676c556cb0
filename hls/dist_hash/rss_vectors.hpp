// C++17. Testbench only (not synthesizable): loads Microsoft's RSS verification suite from
// tests/hls/data/rss_verification.txt (format and provenance in that file's header). Used by the
// C-simulation testbench (dist_hash_tb.cpp), the GoogleTest suites and the hash benchmark.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/flow_key.hpp"

namespace conductor {

struct RssVector {
  FlowKey key;                   // TCP, IP_VALID and L4_VALID set, ports filled
  uint32_t hash_addresses = 0;   // Toeplitz over source and destination address
  uint32_t hash_with_ports = 0;  // ... followed by source and destination port
  std::string text;              // the line, for messages
};

// Returns false (and an error in *error) when the file cannot be read or a line is malformed.
inline bool load_rss_vectors(const std::string& path, std::vector<RssVector>* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const auto hash = line.find('#');
    const std::string body = line.substr(0, hash);
    std::istringstream ls(body);
    std::string family, src, dst, h_addr, h_ports;
    unsigned sport = 0, dport = 0;
    if (!(ls >> family)) continue;  // blank or comment
    if (!(ls >> src >> sport >> dst >> dport >> h_addr >> h_ports) || sport > 0xffff || dport > 0xffff ||
        (family != "ipv4" && family != "ipv6")) {
      *error = path + ":" + std::to_string(line_no) + ": malformed line";
      return false;
    }
    RssVector v;
    v.text = body;
    v.key.ip_valid = true;
    v.key.l4_valid = true;
    v.key.proto = kProtoTcp;
    v.key.src_port = static_cast<uint16_t>(sport);
    v.key.dst_port = static_cast<uint16_t>(dport);
    v.key.is_ipv6 = family == "ipv6";
    const int af = v.key.is_ipv6 ? AF_INET6 : AF_INET;
    uint8_t* s = v.key.src_addr.data() + (v.key.is_ipv6 ? 0 : 12);
    uint8_t* d = v.key.dst_addr.data() + (v.key.is_ipv6 ? 0 : 12);
    if (inet_pton(af, src.c_str(), s) != 1 || inet_pton(af, dst.c_str(), d) != 1) {
      *error = path + ":" + std::to_string(line_no) + ": bad address";
      return false;
    }
    v.hash_addresses = static_cast<uint32_t>(std::strtoul(h_addr.c_str(), nullptr, 16));
    v.hash_with_ports = static_cast<uint32_t>(std::strtoul(h_ports.c_str(), nullptr, 16));
    out->push_back(v);
  }
  if (out->empty()) {
    *error = path + ": no vectors";
    return false;
  }
  return true;
}

}  // namespace conductor
