// C++17 (Vitis HLS and SystemC translation units include it).
// Golden model of the packet parser (rtl/parser/pkt_parser.sv): one frame in, one flow key and
// parse status out, exactly as specified in docs/architecture.md ("Parser"). The RTL co-simulation
// (tests/parser_cosim) compares every key with this function bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/flow_key.hpp"

namespace conductor {

// The parser looks at this many bytes of a frame (two 512-bit beats): the header window.
constexpr size_t kParserWindowBytes = 128;
// IPv6 extension headers skipped before the parser gives up with kExtLimit.
constexpr int kParserMaxIpv6ExtHeaders = 4;
// VLAN tags (TPID 0x8100 or 0x88A8) skipped; one more tag makes the frame kNonIp.
constexpr int kParserMaxVlanTags = 2;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88A8;

constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Routing = 43;
constexpr uint8_t kIpv6Fragment = 44;
constexpr uint8_t kIpv6DestOpts = 60;

struct ParseResult {
  FlowKey key;
  ParseStatus status = ParseStatus::kOk;
};

// Parses the first kParserWindowBytes of `frame` (`len` bytes; `frame` may be null when len is 0).
// Never reads frame[len] or beyond. `sg_id` is copied into key.sg_id whatever the status.
//
// Where a header needs bytes that are not there, the status is kTruncated when the frame ends inside
// the header window (len < 128) and kExtLimit when the whole window is present (len >= 128) and the
// header reaches past it: the hardware decides from the first two beats and cannot see a frame end
// beyond them. Only IPv6 extension headers and the ports behind them can reach past the window.
ParseResult parse_frame(const uint8_t* frame, size_t len, uint8_t sg_id);

// Short lower-case name of a status ("ok", "non-ip", "truncated", "bad-header", "ext-limit").
const char* parse_status_name(ParseStatus s);

}  // namespace conductor
