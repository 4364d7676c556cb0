// The cluster configuration file (docs/conductord.conf.md): text in, ClusterConfig or every
// problem out.
//
//   ParseResult r = parse_config(text, "conductord.conf");
//   if (!r.ok()) { for (const Diagnostic& d : r.errors) log(d.to_string()); return; }
//   use(*r.config);
//
// Each diagnostic is "FILE:LINE: reason" (line 1 is the first line; line 0 means the file as a whole:
// "FILE: reason"). The reason names the key or section and what is wrong and, where it helps, what is
// allowed or the closest known name. All errors are collected in line order, up to
// ParseOptions::max_errors; a final diagnostic says how many more there were. No input makes the
// parser crash, loop or allocate without bound: lines longer than ParseOptions::max_line_length are
// rejected unread, and reading stops after ParseOptions::max_sections sections; the work is
// O(n log n) in the size of the text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.hpp"
#include "host/config/cluster_config.hpp"

namespace conductor::config {

struct Diagnostic {
  std::string file;
  uint32_t line = 0;  // 1-based; 0: about the whole file
  std::string message;

  std::string to_string() const;  // "FILE:LINE: message" or "FILE: message"
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

struct ParseOptions {
  size_t max_errors = 20;          // errors kept; the rest are counted in one last diagnostic
  size_t max_line_length = 4096;   // characters per line
  size_t max_file_size = 1 << 20;  // load_config(): larger files are rejected
  size_t max_sections = 1024;      // a cluster has at most ~650 (2 sites, 4 orchestrators, 128 members,
                                   // 256 groups and policies); parsing stops after this many
};

struct ParseResult {
  std::optional<ClusterConfig> config;  // set exactly when `errors` is empty
  std::vector<Diagnostic> errors;       // line order
  std::vector<Diagnostic> warnings;     // only when ok(): accepted, but probably not meant (an unused member)

  bool ok() const { return config.has_value(); }
  std::string errors_text() const;  // every error, one per line
};

ParseResult parse_config(std::string_view text, std::string_view file = "<config>", const ParseOptions& options = {});

// Reads and parses a file. Errors: kNotFound / kIo when it cannot be read, kInvalidArgument with
// every diagnostic (one per line) when it does not parse. Warnings go to *warnings when given.
Expected<ClusterConfig> load_config(const std::string& path, std::vector<Diagnostic>* warnings = nullptr,
                                    const ParseOptions& options = {});

// Section kinds and the keys each accepts, in documentation order (tests check the docs against it).
struct SectionSchema {
  std::string_view kind;      // "site"
  std::string_view argument;  // "" for single sections, else what follows the kind: "ID", "NAME", "SITE/MEMBER"
  std::vector<std::string_view> keys;
};
const std::vector<SectionSchema>& config_schema();

}  // namespace conductor::config
