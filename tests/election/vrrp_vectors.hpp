// Wire vectors from outside this project (each says where it comes from and what it was checked
// against), and a hex reader. No GoogleTest here: the fuzz-corpus generator uses it too.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace conductor::election::test {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;  // spaces and separators
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

// ---- Vectors from outside this project -----------------------------------------------------------

// keepalived issue #1175 ("Invalid VRRPv3 checksum & 2 masters in a 3 node cluster"), comment of
// 2019-05-05 by the keepalived maintainer: keepalived v2.0.12 with a logging patch printed the first
// advert it sent to a unicast peer, IPv4 header included, and the pseudo-header it summed
// (0a 01 00 03 0a 01 00 01 00 70 00 0c). VRID 88, priority 198, 100 cs, one address 10.195.76.227,
// checksum 0x9c19 over the IPv4 pseudo-header with the unicast destination. The IP header checksum
// is 0 because keepalived leaves it to the kernel (IP_HDRINCL).
inline constexpr std::string_view kKeepalived1175Datagram =
    "45 c0 00 20 00 01 00 00 ff 70 00 00 0a 01 00 03 0a 01 00 01"  // IPv4 10.1.0.3 -> 10.1.0.1
    "31 58 c6 01 00 64 9c 19 0a c3 4c e3";                         // VRRPv3

// keepalived issue #1490, Wireshark's dissection of a keepalived advert from 10.0.0.3: VRID 2,
// priority 150, 3 addresses, 100 cs, checksum 0x082d, which the maintainer confirmed correct.
// The destination is not in the quote: 224.0.0.18 is the one for which 0x082d is the IPv4
// pseudo-header sum (the message-only sum would be 0xf2c6).
inline constexpr std::string_view kKeepalived1490Message =
    "31 02 96 03 00 64 08 2d b9 cb 70 01 0a 00 00 01 0a 00 08 01";

// PcapPlusPlus Tests/Packet++Test/PacketExamples/VRRP-V3-IPv4.dat (Ethernet frame): 192.168.0.30 ->
// 224.0.0.18, VRID 1, priority 100, 1 cs, addresses 192.168.0.1 and 192.168.0.2, checksum 0x484d
// (IPv4 pseudo-header form; the IPv4 header checksum 0x1a91 is valid).
inline constexpr std::string_view kPcapPlusPlusIpv4Frame =
    "01005e000012 00005e000101 0800"
    "4500002400000000ff701a91c0a8001ee0000012"
    "310164020001484dc0a80001c0a80002";

// PcapPlusPlus Tests/Packet++Test/PacketExamples/VRRP-V3-IPv6.dat: fe80::1 -> ff02::12, hop limit 255,
// VRID 1, priority 100, 1 cs, addresses fe80::254, 2001:db8::1, 2001:db8::2, checksum 0x1071 over the
// RFC 8200 §8.1 pseudo-header.
inline constexpr std::string_view kPcapPlusPlusIpv6Frame =
    "01005e000012 00005e000101 86dd"
    "60000000003870ff fe800000000000000000000000000001 ff020000000000000000000000000012"
    "3101640300011071 fe800000000000000000000000000254"
    "20010db8000000000000000000000001 20010db8000000000000000000000002";

}  // namespace conductor::election::test
