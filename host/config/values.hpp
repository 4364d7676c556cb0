// Value syntax of the configuration file (docs/conductord.conf.md, "Values"), one function per type.
// Each returns the value or an Error whose message is only the reason, written to follow
// "KEY: " — e.g. "600 is above 512 (allowed 0..512)". The parser prefixes file, line and key;
// conductord reuses the same functions for its flags (e.g. --device).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.hpp"
#include "host/config/cluster_config.hpp"

namespace conductor::config {

// Decimal integer in lo..hi, digits only.
Expected<uint64_t> parse_uint(std::string_view s, uint64_t lo, uint64_t hi);
// true/false, yes/no, on/off.
Expected<bool> parse_bool(std::string_view s);
// <number><unit>, unit us, ms, cs, s, min or h; the number may have a fraction ("1.5s") as long as
// the result is a whole number of microseconds. A unit is required. Range lo..hi inclusive.
Expected<Duration> parse_duration(std::string_view s, Duration lo, Duration hi);
// 1..100, with or without a trailing '%'.
Expected<uint8_t> parse_percent(std::string_view s);
// <number><unit>, unit bps, kbps, Mbps, Gbps or Tbps (any case), 1 bps .. 100 Tbps, whole bits/s.
Expected<uint64_t> parse_rate(std::string_view s);
// IPv4 dotted quad or IPv6 (RFC 4291 text form), no prefix length, no zone.
Expected<IpAddress> parse_ip(std::string_view s);
// ADDR:PORT or [IPV6]:PORT, port 1..65535.
Expected<Endpoint> parse_endpoint(std::string_view s);
// Hex bytes: optional 0x, ':' '-' or spaces between digits allowed; min_bytes..max_bytes bytes.
Expected<std::vector<uint8_t>> parse_hex(std::string_view s, size_t min_bytes, size_t max_bytes);
// SITE/MEMBER, site 0..1, member 0..63. The message is only the reason ("member '64' is out of
// range (0..63)"); the caller names the text.
Expected<MemberId> parse_member_id(std::string_view s);
// Comma-separated S/M items or S/A-B ranges. Duplicates are not checked here.
Expected<std::vector<MemberId>> parse_member_list(std::string_view s);
// 1..32 characters of [A-Za-z0-9_.-], starting with a letter or digit.
Expected<std::string> parse_name(std::string_view s);
Expected<LogLevel> parse_log_level(std::string_view s);      // error|warn|info|debug|trace
Expected<DeviceType> parse_device_type(std::string_view s);  // sim|soft
Expected<HashMode> parse_hash_mode(std::string_view s);      // rss|sym-l4|sym-ip
Expected<AdminState> parse_admin_state(std::string_view s);  // up|down

// The inverse forms to_text() writes.
std::string format_duration(Duration d);                 // largest exact unit of h, min, s, ms, us
std::string format_rate(uint64_t bps);                   // largest exact unit of Tbps .. bps
std::string format_hex(std::span<const uint8_t> bytes);  // lower case, no separators

// Levenshtein distance (case-insensitive), and the closest candidate within a distance that scales
// with the word's length (at most 2, at most a third of it), for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);
std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace conductor::config
