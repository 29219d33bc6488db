#include "test_support.h"

#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace sst::test {

TempDir::TempDir(const std::string& tag) {
  std::random_device rd;
  path_ =
      sst::test::bin_dir() + "/../tmp/" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
  fs::create_directories(path_);
  path_ = fs::canonical(path_).string();
}

TempDir::~TempDir() {
  if (std::getenv("SST_KEEP_TMP")) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  auto t0 = std::chrono::steady_clock::now();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string mpirun(int ranks) {
  std::string cmd = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np " + std::to_string(ranks) +
                    " --bind-to none";
  if (ranks > static_cast<int>(std::thread::hardware_concurrency())) cmd += " --oversubscribe";
  return cmd;
}

std::string bin(const std::string& name) { return sst::test::bin_dir() + "/" + name; }

std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string sst2_dir() {
  const char* d = std::getenv("SST2_DIR");
  return d ? d : "";
}

std::string prepared_sst2() {
  if (sst2_dir().empty()) return "";
  const std::string out = sst::test::bin_dir() + "/../test_data/sst2_v8000.h5";
  if (fs::exists(out)) return fs::canonical(out).string();
  fs::create_directories(fs::path(out).parent_path());
  // sst-prep writes atomically, so concurrent tests racing here each produce a whole file.
  auto r = run_command(sh_quote(bin("sst-prep")) + " --data-dir " + sh_quote(sst2_dir()) + " --output " +
                       sh_quote(out) + " --vocab-size 8000 --seed 1");
  if (r.exit_code != 0) throw std::runtime_error("sst-prep failed: " + r.output);
  return fs::canonical(out).string();
}

Tmpfs::Tmpfs(int kb) {
  if (::geteuid() != 0) {
    why_ = "full-disk cases mount a tmpfs and need root";
    return;
  }
  std::random_device rd;
  path_ = sst::test::bin_dir() + "/../tmp/tmpfs-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
  fs::create_directories(path_);
  path_ = fs::canonical(path_).string();
  const std::string opts = "size=" + std::to_string(kb) + "k";
  if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
    why_ = std::string("cannot mount a tmpfs: ") + std::strerror(errno);
    fs::remove(path_);
    return;
  }
  mounted_ = true;
}

Tmpfs::~Tmpfs() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  std::error_code ec;
  if (!path_.empty()) fs::remove(path_, ec);
}

long Tmpfs::free_kb() const {
  struct statvfs st {};
  ::statvfs(path_.c_str(), &st);
  return static_cast<long>(st.f_bavail * st.f_frsize / 1024);
}

void Tmpfs::leave_free_kb(int kb) const {
  const long fill = free_kb() - kb;
  if (fill <= 0) return;
  std::ofstream f(path_ + "/.filler", std::ios::binary | std::ios::app);
  const std::string block(1024, 'f');
  for (long i = 0; i < fill && f; ++i) f.write(block.data(), block.size());
}

std::string synthetic_dataset() {
  const std::string out = sst::test::bin_dir() + "/../test_data/synthetic_word.h5";
  if (fs::exists(out)) return fs::canonical(out).string();
  TempDir tsv("synthetic");
  const std::vector<std::string> positive = {"good", "great", "fine",     "lovely", "superb",
                                             "warm", "witty", "charming", "moving", "brilliant"};
  const std::vector<std::string> negative = {"bad",  "dull",    "awful", "boring", "weak",
                                             "flat", "tedious", "messy", "bland",  "poor"};
  const std::vector<std::string> neutral = {"the", "film", "a",  "story", "plot",  "actors", "and",
                                            "is",  "was",  "it", "this",  "movie", "scenes"};
  std::mt19937 rng(1);  // its raw output is the same on every platform
  auto sentence = [&](int* label) {
    std::string text;
    int score = 0;
    const int words = 3 + static_cast<int>(rng() % 12);
    for (int w = 0; w < words; ++w) {
      const uint32_t u = rng() % 10;
      const auto& pool = u < 2 ? positive : u < 4 ? negative : neutral;
      score += u < 2 ? 1 : u < 4 ? -1 : 0;
      text += (w ? " " : "") + pool[rng() % pool.size()];
    }
    *label = score > 0 ? 1 : 0;
    return text;
  };
  for (auto [split, n] : {std::pair{"train", 4000}, {"dev", 200}}) {
    std::string body = "sentence\tlabel\n";
    for (int i = 0; i < n; ++i) {
      int label = 0;
      const std::string text = sentence(&label);
      body += text + "\t" + std::to_string(label) + "\n";
    }
    write_text(tsv / (std::string(split) + ".tsv"), body);
  }
  std::string test = "index\tsentence\n";
  for (int i = 0; i < 20; ++i) {
    int label = 0;
    test += std::to_string(i) + "\t" + sentence(&label) + "\n";
  }
  write_text(tsv / "test.tsv", test);
  fs::create_directories(fs::path(out).parent_path());
  auto r = run_command(sh_quote(bin("sst-prep")) + " --data-dir " + sh_quote(tsv.path()) + " --output " +
                       sh_quote(out) + " --vocab-size 100 --model-type word");
  if (r.exit_code != 0) throw std::runtime_error("sst-prep failed: " + r.output);
  return fs::canonical(out).string();
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<nlohmann::json> v;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) v.push_back(nlohmann::json::parse(line));
  return v;
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text(path)); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void corrupt_middle(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
  f.write("damaged!damaged!", 16);
  if (!f) throw std::runtime_error("cannot damage " + path);
}

void write_text(const std::string& path, const std::string& text) {
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

ToolResult run_tool(const std::string& name, const std::vector<std::string>& args) {
  TempDir scratch("tool");
  std::string cmd = sh_quote(bin(name));
  for (const auto& a : args) cmd += " " + sh_quote(a);
  const std::string out = scratch / "stdout", err = scratch / "stderr";
  const int status = std::system((cmd + " >" + sh_quote(out) + " 2>" + sh_quote(err)).c_str());
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

}  // namespace sst::test
