// docs/conductord.conf.md stays true: its tables list exactly the keys the parser knows, with the
// reload behaviour diff() uses, and its complete example is the checked-in example file.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "host/config/parser.hpp"
#include "host/config/render.hpp"
#include "tests/config/config_test_util.hpp"

namespace conductor::config {
namespace {

std::string doc() { return test::read_file(CONDUCTOR_CONFIG_DOC); }

std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start < row.size()) {
    size_t bar = row.find('|', start);
    if (bar == std::string::npos) break;
    std::string c = row.substr(start, bar - start);
    while (!c.empty() && c.front() == ' ') c.erase(c.begin());
    while (!c.empty() && c.back() == ' ') c.pop_back();
    out.push_back(c);
    start = bar + 1;
  }
  return out;
}

struct DocKey {
  std::string key;
  std::string reload;
};

// "### `[site ID]`" -> "site", with its table's rows.
std::map<std::string, std::vector<DocKey>> doc_tables(const std::string& text) {
  std::map<std::string, std::vector<DocKey>> out;
  std::string kind;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("### `[", 0) == 0) {
      kind = line.substr(6, line.find_first_of(" ]", 6) - 6);
      out[kind];
    } else if (line.rfind("## ", 0) == 0) {
      kind.clear();
    } else if (!kind.empty() && line.rfind("| `", 0) == 0) {
      const std::vector<std::string> c = cells(line);
      EXPECT_EQ(c.size(), 6u) << line;
      if (c.size() != 6) continue;
      out[kind].push_back({c[0].substr(1, c[0].size() - 2), c[4]});
    }
  }
  return out;
}

std::map<std::string, std::vector<Field>> code_fields() {
  return {{"cluster", fields(ClusterSettings{})},
          {"site", fields(Site{})},
          {"orchestrator", fields(Orchestrator{})},
          {"member", fields(Member{})},
          {"security-group", fields(SecurityGroup{})},
          {"autoscale", fields(Autoscale{})},
          {"timers", fields(Timers{})},
          {"sync", fields(Sync{})},
          {"control", fields(Control{})},
          {"device", fields(Device{})},
          {"hash", fields(Hash{})}};
}

TEST(ConfigDocs, TablesListEveryKeyWithItsReloadBehaviour) {
  const auto tables = doc_tables(doc());
  const auto code = code_fields();
  ASSERT_EQ(tables.size(), config_schema().size());
  for (const SectionSchema& s : config_schema()) {
    SCOPED_TRACE(std::string(s.kind));
    auto it = tables.find(std::string(s.kind));
    ASSERT_NE(it, tables.end()) << "no ### `[" << s.kind << "]` heading";
    const std::vector<DocKey>& rows = it->second;
    ASSERT_EQ(rows.size(), s.keys.size());
    const std::vector<Field>& f = code.at(std::string(s.kind));
    ASSERT_EQ(f.size(), s.keys.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].key, s.keys[i]);
      EXPECT_EQ(f[i].key, s.keys[i]);  // to_text() and diff() know the same keys, in the same order
      EXPECT_EQ(rows[i].reload, apply_name(f[i].apply)) << rows[i].key;
    }
  }
}

TEST(ConfigDocs, CompleteExampleIsTheExampleFile) {
  const std::string text = doc();
  const size_t section = text.find("## Complete example");
  ASSERT_NE(section, std::string::npos);
  const size_t open = text.find("```ini\n", section);
  ASSERT_NE(open, std::string::npos);
  const size_t body = open + 7;
  const size_t close = text.find("\n```", body);
  ASSERT_NE(close, std::string::npos);
  EXPECT_EQ(text.substr(body, close + 1 - body), test::example_text());
}

TEST(ConfigDocs, DefaultMaxMembersIsMembersPlusSpares) {
  const std::string text = std::string(test::kMinimal) +
                           "[member 0/0]\n[member 0/1]\n[member 0/2]\n"
                           "[security-group g]\nmembers = 0/0-1\n[autoscale g]\nspares = 0/2\n";
  const ParseResult r = parse_config(text, "d.conf");
  ASSERT_TRUE(r.ok()) << test::diagnostics(r);
  EXPECT_EQ(r.config->autoscale[0].max_members, 3u);
  EXPECT_EQ(r.config->autoscale[0].min_members, 1u);
}

}  // namespace
}  // namespace conductor::config
