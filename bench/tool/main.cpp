// mdfan-bench: runs the benchmark scenarios against real processes on loopback, prints a table per
// scenario and writes one JSON record (see docs/benchmarks.md).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tool/process.hpp"
#include "tool/report.hpp"
#include "tool/scenarios.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace mdfan::bench;

namespace {

std::string self_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

json::object options_json(const bench_options& o, const std::string& scenario) {
  json::object j;
  j["scenario"] = scenario;
  j["seconds"] = o.seconds;
  j["warmup_seconds"] = o.warmup_seconds;
  j["mdfan"] = o.mdfan;
  j["parse_bench"] = o.parse_bench;
  j["redis_server"] = o.redis_server;
  j["peers"] = o.peers_dir;
  j["no_peers"] = o.no_peers;
  j["work_dir"] = o.work_dir;
  j["frames"] = o.frames;
  j["clients"] = o.clients ? json::value(*o.clients) : json::value(nullptr);
  j["rate"] = o.rate ? json::value(*o.rate) : json::value(nullptr);
  j["sample_every"] = o.sample_every;
  j["nchan_connections"] = o.nchan_connections;
  j["executors"] = o.executors;
  j["executor_threads"] = o.executor_threads;
  j["host_threads"] = o.host_threads;
  j["channels"] = o.channels;
  j["symbols"] = o.symbols;
  j["parse_min_time"] = o.parse_min_time;
  j["parse_repetitions"] = o.parse_repetitions;
  j["max_rss_mib"] = o.max_rss_mib;
  return j;
}

json::array commands_json() {
  json::array a;
  for (const auto& c : commands_run()) {
    json::object j;
    j["scenario"] = c.scenario;
    j["role"] = c.role;
    j["argv"] = json::value_from(c.argv);
    if (!c.env.empty()) j["env"] = json::value_from(c.env);
    a.push_back(std::move(j));
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const auto here = self_dir();
  bench_options o;
  o.mdfan = (fs::path(here) / ".." / "src" / "app" / "mdfan").lexically_normal().string();
  o.parse_bench = (fs::path(here) / "mdfan_parse_bench").string();
  o.work_dir = (fs::path(here) / "bench-work").string();
  {
    const auto peers = (fs::path(MDFAN_SOURCE_DIR) / ".." / "shared" / "peers").lexically_normal();
    if (fs::is_directory(peers)) o.peers_dir = peers.string();
  }
  std::string scenario, json_file;
  std::size_t clients = 0;
  double rate = 0;

  CLI::App app{"mdfan-bench: mdfan and its peers measured side by side, every part a real process on loopback"};
  app.add_option("scenario", scenario, "parse, publish, fanout, e2e or all")
      ->required()
      ->check(CLI::IsMember({"parse", "publish", "fanout", "e2e", "all"}));
  app.add_option("--seconds", o.seconds, "measured window per subject, seconds")
      ->default_val(o.seconds)
      ->check(CLI::Range(0.2, 600.0));
  app.add_option("--warmup", o.warmup_seconds, "load before each fanout/e2e window, seconds")
      ->default_val(o.warmup_seconds)
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--json", json_file, "write the JSON record here");
  app.add_option("--mdfan", o.mdfan, "the mdfan binary")->default_str(o.mdfan);
  app.add_option("--parse-bench", o.parse_bench, "the mdfan_parse_bench binary")->default_str(o.parse_bench);
  app.add_option("--redis-server", o.redis_server, "redis-server binary")->default_str(o.redis_server);
  app.add_option("--redis-benchmark", o.redis_benchmark, "redis-benchmark binary")->default_str(o.redis_benchmark);
  app.add_option("--node", o.node, "node binary (seed-node peer)")->default_str(o.node);
  app.add_option("--peers", o.peers_dir, "directory of the peers (seed-node/, nchan/)")->default_str(o.peers_dir);
  app.add_flag("--no-peers", o.no_peers, "measure mdfan only (peers reported as skipped)");
  app.add_option("--work-dir", o.work_dir, "logs, recordings, the seed-node copy")->default_str(o.work_dir);
  app.add_option("--max-rss-mib", o.max_rss_mib, "end a window early when the server grows beyond this")
      ->default_val(o.max_rss_mib);
  app.add_option("--parse-min-time", o.parse_min_time, "parse: --benchmark_min_time per benchmark, seconds")
      ->default_val(o.parse_min_time);
  app.add_option("--parse-repetitions", o.parse_repetitions, "parse: repetitions (median taken)")
      ->default_val(o.parse_repetitions)
      ->check(CLI::Range(1, 50));
  app.add_option("--parse-filter", o.parse_filter, "parse: --benchmark_filter regex");
  app.add_option("--frames", o.frames, "publish: trade frames in the synthetic recording")
      ->default_val(o.frames)
      ->check(CLI::Range(1000, 100'000'000));
  app.add_option("--clients", clients, "fanout (default 1000), e2e (default 10): WebSocket clients")
      ->check(CLI::Range(1, 100000));
  app.add_option("--rate", rate, "fanout: offered events/s (default 2000); e2e: simulator messages/s (default 20000)")
      ->check(CLI::Range(1.0, 1e7));
  app.add_option("--sample-every", o.sample_every, "latency: every Nth frame per client")
      ->default_val(o.sample_every)
      ->check(CLI::Range(1, 1000000));
  app.add_option("--nchan-connections", o.nchan_connections,
                 "fanout: keep-alive HTTP connections publishing to Nchan (each pipelines up to 64 POSTs)")
      ->default_val(o.nchan_connections)
      ->check(CLI::Range(1, 1024));
  app.add_option("--executors", o.executors, "e2e: executors")->default_val(o.executors)->check(CLI::Range(1, 16));
  app.add_option("--executor-threads", o.executor_threads, "e2e: --threads of each executor")
      ->default_val(o.executor_threads)
      ->check(CLI::Range(0, 64));
  app.add_option("--host-threads", o.host_threads, "e2e: --threads of the host (0: one per core)")
      ->default_val(o.host_threads)
      ->check(CLI::Range(0, 64));
  app.add_option("--channels", o.channels, "e2e: event types the host subscribes (and clients follow)")
      ->default_val(o.channels);
  app.add_option("--symbols", o.symbols, "e2e: instruments, BASE-QUOTE")->default_val(o.symbols);
  CLI11_PARSE(app, argc, argv);
  if (clients > 0) o.clients = clients;
  if (rate > 0) o.rate = rate;
  {
    std::error_code ec;
    fs::create_directories(o.work_dir, ec);
    if (ec) {
      std::fprintf(stderr, "error: cannot create --work-dir %s: %s\n", o.work_dir.c_str(), ec.message().c_str());
      return 2;
    }
    o.work_dir = fs::absolute(o.work_dir).string();
    if (!o.peers_dir.empty()) o.peers_dir = fs::absolute(o.peers_dir).lexically_normal().string();
  }
  if (scenario != "parse" && find_program(o.mdfan).empty()) {
    std::fprintf(stderr, "error: mdfan binary not found: %s (--mdfan)\n", o.mdfan.c_str());
    return 2;
  }
  install_signal_handlers();
  {
    // A thousand clients and the servers they talk to (children inherit the limit) need the file limit raised.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 1 << 20);
      ::setrlimit(RLIMIT_NOFILE, &rl);
    }
  }

  json::object record;
  record["tool"] = "mdfan-bench";
  record["date"] = utc_now_iso();
  record["machine"] = machine_info();
  record["options"] = options_json(o, scenario);
  set_command_scenario("setup");
  if (scenario != "parse") {
    const auto v = run_command({o.mdfan, "--version"}, std::chrono::seconds(10), child_opts("mdfan --version"));
    auto text = v.output;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    record["mdfan_version"] = text;
  }
  json::object scenarios;
  bool all_ok = true;
  auto save = [&] {
    if (json_file.empty()) return;
    json::object r = record;
    r["scenarios"] = scenarios;
    r["commands"] = commands_json();
    r["interrupted"] = interrupted();
    std::string err;
    if (!write_json_file(json_file, r, &err)) std::fprintf(stderr, "error: %s\n", err.c_str());
  };

  const std::vector<std::string> order =
      scenario == "all" ? std::vector<std::string>{"parse", "publish", "fanout", "e2e"} : std::vector{scenario};
  for (const auto& name : order) {
    if (interrupted()) break;
    set_command_scenario(name);
    std::fprintf(stderr, "== %s ==\n", name.c_str());
    scenario_output so;
    try {
      if (name == "parse") so = run_parse(o);
      if (name == "publish") so = run_publish(o);
      if (name == "fanout") so = run_fanout(o);
      if (name == "e2e") so = run_e2e(o);
    } catch (const std::exception& e) {
      so.ok = false;
      so.json["status"] = "failed";
      so.json["reason"] = e.what();
      std::fprintf(stderr, "%s: failed: %s\n", name.c_str(), e.what());
    }
    kill_all_children();  // anything a scenario left behind (normally nothing)
    if (!so.json.contains("status")) so.json["status"] = so.ok ? "ok" : "failed";
    for (const auto& t : so.tables) print_table(t);
    all_ok = all_ok && so.ok;
    scenarios[name] = std::move(so.json);
    save();
  }
  kill_all_children();
  if (!json_file.empty()) {
    save();
    std::printf("\nJSON record: %s\n", json_file.c_str());
  }
  if (interrupted()) {
    std::fprintf(stderr, "interrupted: every child process was stopped\n");
    return 130;
  }
  return all_ok ? 0 : 1;
}
