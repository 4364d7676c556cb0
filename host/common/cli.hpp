// Command lines of the host programs, on CLI11 (Debian libcli11-dev): one way to build an App, to
// parse, and to turn help, version and errors into output and exit codes, so every program and
// subcommand answers --help the same way and names the option in every error.
//
//   CLI::App app{"what it does", "conductor sim"};
//   cli::setup(app);
//   cli::add_parsed(app, "--weights", o.weights, parse_weights, "member weights ...")->type_name("LIST");
//   if (Status s = cli::parse(app, args); !s) return cli::report(s, "conductor sim");
//
// Values are checked by our own parsers: a parser returns Expected<T>, and its message becomes
// CLI11's "--option: message". Exit codes: 0 for --help/--version, kExitUsage (2) for bad input.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "host/common/status.hpp"

namespace conductor::cli {

constexpr int kExitUsage = 2;

// Options given twice keep the last value (as the hand-written loops did); the help lists options
// in the order they were added, one per line with their value names.
inline void setup(CLI::App& app) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.get_formatter()->column_width(28);
  app.get_formatter()->label("REQUIRED", "(required)");
}

// Parses args (without the program name). --help and --version come back as Errc::kNotFound
// carrying the text to print on stdout; bad input as Errc::kInvalidArgument with CLI11's or our
// message, which names the option.
inline Status parse(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector last argument first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return make_error(Errc::kNotFound, app.help());
  } catch (const CLI::CallForAllHelp&) {
    return make_error(Errc::kNotFound, app.help("", CLI::AppFormatMode::All));
  } catch (const CLI::CallForVersion& v) {
    return make_error(Errc::kNotFound, std::string(v.what()) + "\n");
  } catch (const CLI::ParseError& e) {
    return make_error(Errc::kInvalidArgument, e.what());
  }
  return ok_status();
}

// What a program prints and returns for a failed parse(): help or version on stdout and 0, or
// "PROGRAM: message" and a pointer to --help on stderr and kExitUsage.
inline int report(const Error& e, std::string_view program) {
  if (e.code == Errc::kNotFound) {
    std::fputs(e.message.c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "%.*s: %s\nRun '%.*s --help' for the options.\n", static_cast<int>(program.size()),
               program.data(), e.message.c_str(), static_cast<int>(program.size()), program.data());
  return kExitUsage;
}
inline int report(const Status& s, std::string_view program) { return report(s.error(), program); }

// An option whose value `parse` (std::string -> Expected<T>) checks and converts into dst; the
// parser's message becomes "NAME: message" (kept as it is when it already starts with "NAME:").
template <class T, class Parse>
CLI::Option* add_parsed(CLI::App& app, const std::string& name, T& dst, Parse parse, const std::string& help) {
  const std::string flag = name.substr(0, name.find(','));
  return app.add_option_function<std::string>(
      name,
      [&dst, parse, flag](const std::string& v) {
        auto r = parse(v);
        if (!r) {
          const std::string& m = r.error().message;  // some parsers already start with the option's name
          throw CLI::ValidationError(m.rfind(flag + ":", 0) == 0 ? m : flag + ": " + m);
        }
        dst = *r;
      },
      help);
}

// A whole number lo..hi, decimal digits only: "'TEXT' is not a number in lo..hi".
inline Expected<uint64_t> parse_uint(const std::string& text, uint64_t lo, uint64_t hi) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi)
    return make_error(Errc::kInvalidArgument,
                      "'" + text + "' is not a number in " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

// add_parsed for a whole number lo..hi into an integer of any width.
template <class T>
CLI::Option* add_uint(CLI::App& app, const std::string& name, T& dst, uint64_t lo, uint64_t hi,
                      const std::string& help) {
  return add_parsed(
             app, name, dst,
             [lo, hi](const std::string& v) -> Expected<T> {
               auto n = parse_uint(v, lo, hi);
               if (!n) return n.error();
               return static_cast<T>(*n);
             },
             help)
      ->type_name("N");
}

// A number lo..hi (a fraction allowed): "'TEXT' is not a number in lo..hi".
inline Expected<double> parse_real(const std::string& text, double lo, double hi) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !(v >= lo && v <= hi)) {
    char range[64];
    std::snprintf(range, sizeof range, "%g..%g", lo, hi);
    return make_error(Errc::kInvalidArgument, "'" + text + "' is not a number in " + range);
  }
  return v;
}

// add_parsed for a comma-separated list of numbers lo..hi (whole numbers when T is integral), at least
// one: "--sizes 10000,100000".
template <class T>
CLI::Option* add_list(CLI::App& app, const std::string& name, std::vector<T>& dst, double lo, double hi,
                      const std::string& help) {
  return add_parsed(
             app, name, dst,
             [lo, hi](const std::string& v) -> Expected<std::vector<T>> {
               std::vector<T> out;
               size_t at = 0;
               for (;;) {
                 const size_t comma = v.find(',', at);
                 const std::string item = v.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
                 if constexpr (std::is_integral_v<T>) {
                   auto n = parse_uint(item, static_cast<uint64_t>(lo), static_cast<uint64_t>(hi));
                   if (!n) return n.error();
                   out.push_back(static_cast<T>(*n));
                 } else {
                   auto n = parse_real(item, lo, hi);
                   if (!n) return n.error();
                   out.push_back(static_cast<T>(*n));
                 }
                 if (comma == std::string::npos) return out;
                 at = comma + 1;
               }
             },
             help)
      ->type_name("LIST");
}

}  // namespace conductor::cli
