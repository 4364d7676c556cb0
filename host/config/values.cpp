#include "host/config/values.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "host/config/text.hpp"

namespace conductor::config {

namespace {

Error bad(std::string why) { return make_error(Errc::kInvalidArgument, std::move(why)); }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Unit {
  std::string_view name;
  uint64_t scale;
};

// A number with an optional fraction followed by a unit from `units` (optionally after spaces),
// scaled to an integer. `what` names the unit list in messages.
struct Scaled {
  unsigned __int128 value = 0;
  bool exact = true;
};

Expected<Scaled> parse_scaled(std::string_view s, std::span<const Unit> units, bool case_insensitive,
                              std::string_view unit_list, std::string_view example) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  std::string_view whole = s.substr(0, i);
  std::string_view frac;
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    frac = s.substr(i + 1, j - i - 1);
    if (frac.empty()) return bad(quote(s) + " is not a number with a unit (e.g. " + std::string(example) + ")");
    i = j;
  }
  if (whole.empty()) return bad(quote(s) + " is not a number with a unit (e.g. " + std::string(example) + ")");
  std::string_view unit = trim(s.substr(i));
  if (unit.empty())
    return bad(quote(s) + " needs a unit: " + std::string(unit_list) + " (e.g. " + std::string(example) + ")");
  const Unit* u = nullptr;
  for (const Unit& cand : units) {
    if (case_insensitive ? lower(unit) == lower(cand.name) : unit == cand.name) u = &cand;
  }
  if (!u) return bad(quote(s) + ": unknown unit " + quote(unit) + " (use " + std::string(unit_list) + ")");
  // Bound the digits so the arithmetic below cannot overflow 128 bits; anything this long is out of
  // every range the caller allows anyway.
  if (whole.size() > 18 || frac.size() > 12) return bad(quote(s) + " is out of range");
  unsigned __int128 w = 0, f = 0, pow10 = 1;
  for (char c : whole) w = w * 10 + static_cast<unsigned>(c - '0');
  for (char c : frac) {
    f = f * 10 + static_cast<unsigned>(c - '0');
    pow10 *= 10;
  }
  unsigned __int128 num = (w * pow10 + f) * u->scale;
  Scaled out;
  out.value = num / pow10;
  out.exact = num % pow10 == 0;
  return out;
}

constexpr Unit kDurationUnits[] = {{"us", 1},        {"ms", 1000},        {"cs", 10'000},
                                   {"s", 1'000'000}, {"min", 60'000'000}, {"h", 3'600'000'000}};
constexpr Unit kRateUnits[] = {
    {"bps", 1}, {"kbps", 1'000}, {"Mbps", 1'000'000}, {"Gbps", 1'000'000'000}, {"Tbps", 1'000'000'000'000}};
constexpr uint64_t kMaxRate = 100'000'000'000'000;  // 100 Tbps

}  // namespace

Expected<uint64_t> parse_uint(std::string_view s, uint64_t lo, uint64_t hi) {
  const std::string allowed = " (allowed " + std::to_string(lo) + ".." + std::to_string(hi) + ")";
  if (!all_digits(s)) return bad(quote(s) + " is not a whole number" + allowed);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return bad(quote(s) + " is above " + std::to_string(hi) + allowed);
  if (ec != std::errc() || p != s.data() + s.size()) return bad(quote(s) + " is not a whole number" + allowed);
  if (v < lo) return bad(std::to_string(v) + " is below " + std::to_string(lo) + allowed);
  if (v > hi) return bad(std::to_string(v) + " is above " + std::to_string(hi) + allowed);
  return v;
}

Expected<bool> parse_bool(std::string_view s) {
  const std::string l = lower(s);
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  return bad(quote(s) + " is not true or false (also yes/no, on/off)");
}

Expected<Duration> parse_duration(std::string_view s, Duration lo, Duration hi) {
  auto v = parse_scaled(s, kDurationUnits, false, "us, ms, cs, s, min or h", "100ms");
  if (!v) return v.error();
  const std::string allowed = " (allowed " + format_duration(lo) + ".." + format_duration(hi) + ")";
  if (!v->exact) return bad(quote(s) + " is not a whole number of microseconds");
  if (v->value < static_cast<uint64_t>(lo.count()))
    return bad(std::string(s) + " is below " + format_duration(lo) + allowed);
  if (v->value > static_cast<uint64_t>(hi.count()))
    return bad(std::string(s) + " is above " + format_duration(hi) + allowed);
  return Duration{static_cast<int64_t>(v->value)};
}

Expected<uint8_t> parse_percent(std::string_view s) {
  std::string_view n = s;
  if (!n.empty() && n.back() == '%') n = trim(n.substr(0, n.size() - 1));
  if (!all_digits(n)) return bad(quote(s) + " is not a percentage 1..100 (e.g. 80%)");
  auto v = parse_uint(n, 1, 100);
  if (!v) return bad(quote(s) + " is not a percentage 1..100 (e.g. 80%)");
  return static_cast<uint8_t>(*v);
}

Expected<uint64_t> parse_rate(std::string_view s) {
  auto v = parse_scaled(s, kRateUnits, true, "bps, kbps, Mbps, Gbps or Tbps", "10Gbps");
  if (!v) return v.error();
  if (!v->exact) return bad(quote(s) + " is not a whole number of bits per second");
  if (v->value < 1) return bad(std::string(s) + " is below 1bps (allowed 1bps..100Tbps)");
  if (v->value > kMaxRate) return bad(std::string(s) + " is above 100Tbps (allowed 1bps..100Tbps)");
  return static_cast<uint64_t>(v->value);
}

Expected<IpAddress> parse_ip(std::string_view s) {
  if (s.find('/') != std::string_view::npos) return bad(quote(s) + " has a prefix length: give a single address");
  if (s.find('%') != std::string_view::npos) return bad(quote(s) + " has a zone id: not supported");
  if (s.empty() || s.size() > 45) return bad(quote(s) + " is not an IPv4 or IPv6 address");
  const std::string z(s);
  IpAddress a;
  if (z.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, z.c_str(), a.bytes.data()) != 1)
      return bad(quote(s) + " is not an IPv4 address (dotted quad, e.g. 198.18.0.1)");
    a.family = IpAddress::Family::kV4;
  } else {
    if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) != 1) return bad(quote(s) + " is not an IPv6 address");
    a.family = IpAddress::Family::kV6;
  }
  return a;
}

Expected<Endpoint> parse_endpoint(std::string_view s) {
  std::string_view addr, port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return bad(quote(s) + " is not [IPV6]:PORT (e.g. [::1]:9816)");
    addr = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return bad(quote(s) + " is not ADDRESS:PORT (e.g. 127.0.0.1:9816)");
    addr = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (addr.find(':') != std::string_view::npos)
      return bad(quote(s) + ": write an IPv6 address in brackets, e.g. [::1]:9816");
  }
  auto a = parse_ip(addr);
  if (!a) return a.error();
  auto p = parse_uint(port, 1, 65535);
  if (!p) return bad("port " + p.error().message);
  return Endpoint{*a, static_cast<uint16_t>(*p)};
}

Expected<std::vector<uint8_t>> parse_hex(std::string_view s, size_t min_bytes, size_t max_bytes) {
  std::string_view body = s;
  if (body.size() >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) body.remove_prefix(2);
  std::string digits;  // the first 2 * max_bytes of them
  size_t count = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == ':' || c == '-' || c == ' ' || c == '\t') continue;
    if (hexval(c) < 0)
      return bad(quote(std::string_view(&c, 1)) + " at position " + std::to_string(i + 1 + (s.size() - body.size())) +
                 " is not a hex digit");
    if (++count <= 2 * max_bytes) digits += c;
  }
  const std::string want = min_bytes == max_bytes
                               ? std::to_string(min_bytes) + " bytes (" + std::to_string(2 * min_bytes) + " hex digits)"
                               : std::to_string(min_bytes) + ".." + std::to_string(max_bytes) + " bytes (" +
                                     std::to_string(2 * min_bytes) + ".." + std::to_string(2 * max_bytes) +
                                     " hex digits)";
  if (count % 2 != 0 || count < 2 * min_bytes || count > 2 * max_bytes)
    return bad("needs " + want + ", got " + std::to_string(count) + " hex digits");
  std::vector<uint8_t> out(digits.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(hexval(digits[2 * i]) << 4 | hexval(digits[2 * i + 1]));
  return out;
}

Expected<MemberId> parse_member_id(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos || !all_digits(s.substr(0, slash)) || !all_digits(s.substr(slash + 1)))
    return bad("not a member id SITE/MEMBER (e.g. 0/3)");
  auto site = parse_uint(s.substr(0, slash), 0, kMaxSites - 1);
  if (!site) return bad("site " + quote(s.substr(0, slash)) + " is out of range (sites are 0 and 1)");
  auto m = parse_uint(s.substr(slash + 1), 0, kMaxMembersPerSite - 1);
  if (!m) return bad("member " + quote(s.substr(slash + 1)) + " is out of range (0..63)");
  return MemberId{static_cast<uint8_t>(*site), static_cast<uint8_t>(*m)};
}

Expected<std::vector<MemberId>> parse_member_list(std::string_view s) {
  std::vector<MemberId> out;
  if (trim(s).empty()) return bad("empty list");
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    std::string_view item =
        trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (item.empty()) return bad("empty item in the list (a stray comma?)");
    if (item.find_first_of(" \t") != std::string_view::npos)
      return bad(quote(item) + ": not a member id SITE/MEMBER (separate items with commas)");
    size_t slash = item.find('/');
    size_t dash = item.find('-');
    if (slash != std::string_view::npos && dash != std::string_view::npos && dash > slash) {
      auto first = parse_member_id(item.substr(0, dash));
      if (!first) return bad(quote(item) + ": " + first.error().message);
      std::string_view last_text = item.substr(dash + 1);
      auto last = parse_uint(last_text, 0, kMaxMembersPerSite - 1);
      if (!last) return bad(quote(item) + ": range end " + quote(last_text) + " is not a member 0..63");
      if (*last < first->member) return bad(quote(item) + " is a range that runs backwards");
      for (unsigned m = first->member; m <= *last; ++m) out.push_back(MemberId{first->site, static_cast<uint8_t>(m)});
    } else {
      auto id = parse_member_id(item);
      if (!id) return bad(quote(item) + ": " + id.error().message);
      out.push_back(*id);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Expected<std::string> parse_name(std::string_view s) {
  if (s.empty()) return bad("empty name");
  if (s.size() > kMaxNameLength)
    return bad(quote(s) + " is longer than " + std::to_string(kMaxNameLength) + " characters");
  auto ok = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; };
  if (!std::isalnum(static_cast<unsigned char>(s[0])) || !std::all_of(s.begin(), s.end(), ok))
    return bad(quote(s) + " is not a name: use letters, digits, '_', '.' and '-', starting with a letter or digit");
  return std::string(s);
}

Expected<LogLevel> parse_log_level(std::string_view s) {
  for (LogLevel l : {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug, LogLevel::kTrace})
    if (s == log_level_name(l)) return l;
  return bad(quote(s) + " is not error, warn, info, debug or trace");
}

Expected<DeviceType> parse_device_type(std::string_view s) {
  for (DeviceType d : {DeviceType::kSim, DeviceType::kSoft})
    if (s == device_type_name(d)) return d;
  return bad(quote(s) + " is not sim or soft");
}

Expected<HashMode> parse_hash_mode(std::string_view s) {
  for (HashMode m : {HashMode::kRss, HashMode::kSymL4, HashMode::kSymIp})
    if (s == hash_mode_config_name(m)) return m;
  return bad(quote(s) + " is not rss, sym-l4 or sym-ip");
}

Expected<AdminState> parse_admin_state(std::string_view s) {
  for (AdminState a : {AdminState::kUp, AdminState::kDown})
    if (s == admin_state_name(a)) return a;
  return bad(quote(s) + " is not up or down");
}

std::string format_duration(Duration d) {
  const uint64_t us = static_cast<uint64_t>(d.count());
  if (us == 0) return "0s";
  for (auto it = std::rbegin(kDurationUnits); it != std::rend(kDurationUnits); ++it) {
    if (it->name == "cs") continue;
    if (us % it->scale == 0) return std::to_string(us / it->scale) + std::string(it->name);
  }
  return std::to_string(us) + "us";
}

std::string format_rate(uint64_t bps) {
  for (auto it = std::rbegin(kRateUnits); it != std::rend(kRateUnits); ++it) {
    if (bps != 0 && bps % it->scale == 0) return std::to_string(bps / it->scale) + std::string(it->name);
  }
  return std::to_string(bps) + "bps";
}

std::string format_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      const size_t next = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> candidates) {
  const size_t limit = std::min<size_t>(2, std::max<size_t>(1, word.size() / 3));
  std::optional<std::string_view> best;
  size_t best_d = limit + 1;
  for (std::string_view c : candidates) {
    const size_t gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (gap > limit) continue;
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace conductor::config
