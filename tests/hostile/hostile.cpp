#include "hostile.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <thread>

#include "common/files.h"
#include "dataset/dataset_file.h"
#include "test_support.h"

extern char** environ;
namespace fs = std::filesystem;

namespace sst::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string test_data_dir() {
  const std::string d = sst::test::bin_dir() + "/../test_data";
  fs::create_directories(d);
  return fs::canonical(d).string();
}

// Children of `pid` (mpirun's ranks may leave its process group), found through /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = s.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(s.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) out.push_back(std::stoi(name));
  }
  return out;
}

void kill_tree(pid_t pid) {
  for (pid_t c : children_of(pid)) kill_tree(c);
  ::kill(pid, SIGKILL);
}

}  // namespace

Snapshot Snapshot::of(const std::string& path) {
  Snapshot s;
  std::error_code ec;
  if (!fs::exists(path, ec)) return s;
  if (!fs::is_directory(path, ec)) {
    s.entries_[""] = sha256_file(path);
    return s;
  }
  s.entries_["."] = "<dir>";
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), path).string();
    // A link is its target's name (a planted link must not change, and may dangle); what it points to
    // is compared where it lies.
    std::error_code link_ec;
    if (it->is_symlink())
      s.entries_[rel] = "<link to " + fs::read_symlink(it->path(), link_ec).string() + ">";
    else
      s.entries_[rel] = it->is_directory() ? "<dir>" : sha256_file(it->path().string());
  }
  return s;
}

std::string Snapshot::difference_to(const Snapshot& later) const {
  std::string diff;
  for (const auto& [path, hash] : entries_) {
    auto it = later.entries_.find(path);
    if (it == later.entries_.end())
      diff += "  removed: " + path + "\n";
    else if (it->second != hash)
      diff += "  changed: " + path + "\n";
  }
  for (const auto& [path, hash] : later.entries_)
    if (!entries_.count(path)) diff += "  added:   " + path + "\n";
  return diff;
}

namespace {

// fork + exec of argv with extra environment entries, in a new process group, stdin /dev/null.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& out_path,
            const std::string& err_path) {
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) environment.emplace_back(*e);
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

bool wait_until(const std::function<bool()>& done, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  static int n = 0;
  const std::string base =
      sst::test::bin_dir() + "/../tmp/bg-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
  fs::create_directories(fs::path(base).parent_path());
  out_ = base + ".out";
  err_ = base + ".err";
  pid_ = spawn(argv, env, out_, err_);
}

BackgroundProcess::~BackgroundProcess() {
  if (!status_) {
    ::kill(-pid_, SIGKILL);
    kill_tree(pid_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  fs::remove(out_, ec);
  fs::remove(err_, ec);
}

std::optional<int> BackgroundProcess::wait_for(double seconds) {
  wait_until(
      [&] {
        int status = 0;
        if (!status_ && ::waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode(status);
        return status_.has_value();
      },
      seconds);
  return status_;
}

std::string BackgroundProcess::out() const { return fs::exists(out_) ? read_text(out_) : ""; }
std::string BackgroundProcess::err() const { return fs::exists(err_) ? read_text(err_) : ""; }

Outcome run_with_deadline(const std::vector<std::string>& argv, double seconds, const std::vector<std::string>& env) {
  BackgroundProcess p(argv, env);
  const auto code = p.wait_for(seconds);
  if (!code) {  // a hang: end it now, then read what it wrote
    ::kill(-p.pid(), SIGKILL);
    kill_tree(p.pid());
    p.wait_for(10);
  }
  Outcome r;
  r.timed_out = !code;
  r.exit_code = code.value_or(128 + SIGKILL);
  r.out = p.out();
  r.err = p.err();
  return r;
}

Outcome run_shell_with_deadline(const std::string& command, double seconds) {
  return run_with_deadline({"/bin/sh", "-c", command}, seconds);
}

void expect_refused(const Outcome& r, int exit_code, const std::string& tool, const std::vector<std::string>& parts,
                    bool mpi) {
  ASSERT_FALSE(r.timed_out) << "hung: killed after the deadline\n" << r.all();
  EXPECT_EQ(r.exit_code, exit_code) << r.all();
  std::vector<std::string> error_lines;
  std::istringstream in(mpi ? r.all() : r.err);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(tool, 0) == 0 && line.find("error") != std::string::npos) error_lines.push_back(line);
  ASSERT_EQ(error_lines.size(), 1u) << "exactly one error line expected\n" << r.all();
  if (!mpi) EXPECT_EQ(r.err, error_lines[0] + "\n") << "nothing on stderr but the error line";
  for (const auto& p : parts)
    EXPECT_NE(error_lines[0].find(p), std::string::npos) << "'" << p << "' not in\n  " << error_lines[0];
  if (mpi) EXPECT_EQ(r.all().find("MPI_ABORT"), std::string::npos) << "every rank ends together, no abort\n" << r.all();
}

std::string tiny_tsv_dir() {
  const std::string dir = test_data_dir() + "/hostile_tsv";
  if (fs::exists(dir + "/test.tsv")) return dir;
  const char* words[] = {"good",  "bad",  "film",  "movie", "plot", "acting",
                         "funny", "dull", "sharp", "long",  "warm", "cold"};
  auto tsv = [&](int n, int salt) {
    std::string s = "sentence\tlabel\n";
    for (int i = 0; i < n; ++i)
      s += std::string("the ") + words[(i + salt) % 12] + " " + words[(i * 5 + salt) % 12] + " is " +
           words[(i * 7 + 1) % 12] + " .\t" + std::to_string(i % 2) + "\n";
    return s;
  };
  const std::string tmp = dir + ".tmp." + std::to_string(::getpid());
  write_text(tmp + "/train.tsv", tsv(96, 0));
  write_text(tmp + "/dev.tsv", tsv(24, 5));
  write_text(tmp + "/test.tsv", "index\tsentence\n0\tthe plot is funny .\n1\tdull acting\n2\tlong film\n");
  std::error_code ec;
  fs::rename(tmp, dir, ec);  // a concurrent test may have won: its folder is the same
  fs::remove_all(tmp, ec);
  return dir;
}

std::string tiny_dataset() {
  const std::string out = test_data_dir() + "/hostile_tiny.h5";
  if (fs::exists(out)) return out;
  auto r =
      run_with_deadline({bin("sst-prep"), "--data-dir", tiny_tsv_dir(), "--output", out, "--vocab-size", "200"}, 60);
  if (r.exit_code != 0) throw std::runtime_error("sst-prep failed on the tiny TSVs: " + r.all());
  return out;
}

std::string tiny_dataset_bpe() {
  const std::string out = test_data_dir() + "/hostile_tiny_bpe.h5";
  if (fs::exists(out)) return out;
  const std::string tmp = out + ".tmp." + std::to_string(::getpid());
  // The vocabulary size the unigram model reached on these TSVs: the same size, another tokenizer.
  const int32_t vocab = sst::dataset::DatasetFile(tiny_dataset()).tokenizer().vocab_size;
  auto r = run_with_deadline({bin("sst-prep"), "--data-dir", tiny_tsv_dir(), "--output", tmp, "--vocab-size",
                              std::to_string(vocab), "--model-type", "bpe"},
                             60);
  if (r.exit_code != 0) throw std::runtime_error("sst-prep --model-type bpe failed on the tiny TSVs: " + r.all());
  std::error_code ec;
  fs::rename(tmp, out, ec);  // a concurrent test may have won: its file is the same
  fs::remove(tmp, ec);
  return out;
}

std::string tiny_ini_text() {
  return "[model]\nd_model = 16\nlayers = 1\nheads = 2\nff_dim = 32\nmax_len = 16\ndropout = 0.1\n"
         "[train]\nseed = 1\nglobal_batch = 8\nlr = 1e-3\nwarmup_steps = 1\nmax_steps = 2\neval_every = 1000\n"
         "log_every = 1\ncheckpoint_every = 1000\nkeep_checkpoints = 2\nthreads = 1\ndevice = cpu\n";
}

std::string tiny_run() {
  const std::string run = test_data_dir() + "/hostile_run";
  if (fs::exists(run + "/summary.json")) return run;
  const std::string tmp = run + ".tmp." + std::to_string(::getpid());
  write_text(tmp + ".ini", tiny_ini_text());
  auto r =
      run_with_deadline({bin("sst-train"), "--config", tmp + ".ini", "--data", tiny_dataset(), "--out-dir", tmp}, 120);
  if (r.exit_code != 0) throw std::runtime_error("sst-train failed on the tiny dataset: " + r.all());
  std::error_code ec;
  fs::rename(tmp, run, ec);  // a concurrent test may have won
  fs::remove_all(tmp, ec);
  fs::remove(tmp + ".ini", ec);
  return run;
}

std::vector<std::string> mpirun_argv(int ranks) {
  std::vector<std::string> argv = {"mpirun", "-np", std::to_string(ranks), "--bind-to", "none"};
  if (ranks > static_cast<int>(std::thread::hardware_concurrency())) argv.push_back("--oversubscribe");
  return argv;
}

std::vector<std::string> mpirun_env() { return {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"}; }

}  // namespace sst::test
