// regen: rtl/csr/conductor.regs -> SV package, AXI-Lite CSR blocks, C++ header, Markdown docs,
// the dissector's Lua module.
//
//   regen --in rtl/csr/conductor.regs --out-dir DIR [--prune] [--check SRC_ROOT]
//
// --out-dir  writes every generated file under DIR (a file is rewritten only when it changes).
// --prune    also removes files under DIR's generated folders that regen made earlier but no
//            longer produces (a block was removed or renamed).
// --check    compares the generated files with the checked-in copies under SRC_ROOT and fails,
//            naming each stale, missing or obsolete file (the CTest regs_up_to_date).
// Exit status: 0 success, 1 stale copies, 2 bad input or I/O error.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "emit.hpp"
#include "host/common/cli.hpp"
#include "regs_model.hpp"

namespace fs = std::filesystem;
using conductor::regen::OutFile;

namespace {

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_if_changed(const fs::path& p, const std::string& content) {
  auto old = read_file(p);
  if (old && *old == content) return true;
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    std::fprintf(stderr, "regen: cannot write %s\n", p.string().c_str());
    return false;
  }
  std::printf("regen: wrote %s\n", p.string().c_str());
  return true;
}

// Files in the generated folders under `root` that carry regen's banner but are not in `files`.
std::vector<std::string> obsolete(const fs::path& root, const std::vector<OutFile>& files) {
  std::set<std::string> made;
  for (const OutFile& f : files) made.insert(f.path);
  std::vector<std::string> out;
  for (const std::string& dir : conductor::regen::generated_dirs()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root / dir, ec)) {
      if (!e.is_regular_file()) continue;
      std::string rel = dir + "/" + e.path().filename().string();
      if (made.count(rel)) continue;
      auto text = read_file(e.path());
      if (text && text->substr(0, 200).find(conductor::regen::kBannerTag) != std::string::npos) out.push_back(rel);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string in, out_dir, check_root;
  bool prune = false;
  CLI::App app{
      "regen: rtl/csr/conductor.regs -> SV package, AXI-Lite CSR blocks, C++ header, Markdown docs, "
      "the dissector's Lua module"};
  app.add_option("--in", in, "the register description")->required()->type_name("FILE.regs");
  CLI::Option* out = app.add_option("--out-dir", out_dir,
                                    "write rtl/csr/gen/*.sv, hls/common/gen/conductor_regs.hpp, docs/registers.md "
                                    "and host/sync/wireshark/conductor_regs.lua under DIR")
                         ->type_name("DIR");
  app.add_flag("--prune", prune, "remove regen-made files under DIR that are no longer produced")->needs(out);
  app.add_option("--check", check_root, "fail if the copies under SRC_ROOT differ from the generated ones")
      ->type_name("SRC_ROOT");
  conductor::cli::setup(app);
  if (conductor::Status st = conductor::cli::parse(app, std::vector<std::string>(argv + 1, argv + argc)); !st)
    return conductor::cli::report(st, "regen");
  if (out_dir.empty() && check_root.empty())
    return conductor::cli::report(
        conductor::make_error(conductor::Errc::kInvalidArgument, "--out-dir or --check is required"), "regen");

  auto text = read_file(in);
  if (!text) {
    std::fprintf(stderr, "%s: cannot read the file\n", in.c_str());
    return 2;
  }
  auto result = conductor::regen::parse_regs(*text, in);
  for (const std::string& e : result.errors) std::fprintf(stderr, "%s\n", e.c_str());
  if (!result.map) return 2;

  // Banners name the source relative to the project root when it is given as such.
  std::string label = in;
  std::string::size_type pos = label.rfind("rtl/csr/");
  if (pos != std::string::npos) label = label.substr(pos);
  std::vector<OutFile> files = conductor::regen::generate_all(*result.map, label);

  if (!out_dir.empty()) {
    for (const OutFile& f : files) {
      if (!write_if_changed(fs::path(out_dir) / f.path, f.content)) return 2;
    }
    if (prune) {
      for (const std::string& rel : obsolete(out_dir, files)) {
        std::error_code ec;
        fs::remove(fs::path(out_dir) / rel, ec);
        std::printf("regen: removed %s (no longer generated)\n", (fs::path(out_dir) / rel).string().c_str());
      }
    }
  }

  if (!check_root.empty()) {
    int stale = 0;
    for (const OutFile& f : files) {
      fs::path p = fs::path(check_root) / f.path;
      auto old = read_file(p);
      if (!old) {
        std::fprintf(stderr, "regen: %s is missing\n", p.string().c_str());
        ++stale;
      } else if (*old != f.content) {
        std::fprintf(stderr, "regen: %s is stale: it differs from what %s generates\n", p.string().c_str(),
                     label.c_str());
        ++stale;
      }
    }
    for (const std::string& rel : obsolete(check_root, files)) {
      std::fprintf(stderr, "regen: %s is obsolete: %s no longer generates it\n",
                   (fs::path(check_root) / rel).string().c_str(), label.c_str());
      ++stale;
    }
    if (stale) {
      std::fprintf(stderr, "regen: %d generated file(s) out of date: run `make regs` and commit the result\n", stale);
      return 1;
    }
    std::printf("regen: %zu generated files up to date\n", files.size());
  }
  return 0;
}
