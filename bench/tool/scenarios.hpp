#pragma once
// The scenarios of mdfan-bench and what they share: the options, a throw-away redis-server, the
// peers (seed-node, Nchan) prepared or skipped with a reason, and paced publishers (Redis PUBLISH
// pipelining, HTTP POST on keep-alive connections) running on their own thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tool/process.hpp"
#include "tool/redis_client.hpp"
#include "tool/report.hpp"

namespace mdfan::bench {

struct bench_options {
  double seconds = 5;         // measured window per subject
  double warmup_seconds = 1;  // load before the window starts (fanout, e2e)
  std::string mdfan;          // the mdfan binary
  std::string parse_bench;    // mdfan_parse_bench
  std::string redis_server = "redis-server";
  std::string redis_benchmark = "redis-benchmark";
  std::string node = "node";
  std::string npm = "npm";
  std::string peers_dir;  // empty: none found
  std::string work_dir;   // logs, recordings, the seed-node copy
  bool no_peers = false;
  long max_rss_mib = 2048;  // a server growing beyond this ends its window early

  // parse
  double parse_min_time = 0.1;
  int parse_repetitions = 1;
  std::string parse_filter;
  // publish
  std::uint64_t frames = 1'000'000;
  // fanout, e2e (defaults differ per scenario)
  std::optional<std::size_t> clients;
  std::optional<double> rate;
  std::size_t sample_every = 64;
  int nchan_connections = 32;  // fanout: keep-alive HTTP connections POSTing to Nchan
  // e2e
  int executors = 1;
  std::string channels = "trade";
  std::string symbols = "BTC-USDT,ETH-USDT";
  int executor_threads = 1;
  int host_threads = 1;  // e2e: --threads of the host (one feed, one manager, one bridge: one thread avoids hand-offs)
};

// One scenario's outcome: its part of the JSON record and its tables.
struct scenario_output {
  boost::json::object json;
  std::vector<text_table> tables;
  bool ok = true;  // false: mdfan itself could not be measured
};

scenario_output run_parse(const bench_options& o);
scenario_output run_publish(const bench_options& o);
scenario_output run_fanout(const bench_options& o);
scenario_output run_e2e(const bench_options& o);

// ---- shared pieces (common.cpp) ----

// A redis-server on a free port with no persistence; stopped on destruction.
class redis_instance {
 public:
  // Throws std::runtime_error when it does not start.
  redis_instance(const bench_options& o, const std::string& tag);
  std::uint16_t port() const noexcept { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const noexcept { return proc_.pid(); }

 private:
  std::uint16_t port_ = 0;
  child proc_;
};

// Where a peer can be run from, or why not.
struct peer_setup {
  bool ok = false;
  std::string reason;  // why it is skipped
  std::string dir;     // seed-node: the prepared copy; nchan: the peer's directory
};
peer_setup prepare_seed_node(const bench_options& o);
peer_setup prepare_nchan(const bench_options& o);
// {"status":"skipped","reason":...}
boost::json::object skipped(const std::string& reason);

// Starts the mdfan binary with `args` (role, listen, redis...), logging to work_dir/logs/<tag>.log.
child start_mdfan(const bench_options& o, const std::string& tag, std::vector<std::string> args);
// Waits until GET /health on the port answers 200 (bounded); false with the reason.
bool wait_healthy(std::uint16_t port, std::chrono::milliseconds timeout, std::string* why);
std::string log_path(const bench_options& o, const std::string& tag);
// The last lines of a log, for error messages.
std::string log_tail(const std::string& path, std::size_t max_chars = 600);

// Sends messages at a fixed offered rate on its own thread, reading acknowledgements as it goes.
class paced_publisher {
 public:
  // Appends message number `n` (from 1) stamped `wall_ns` to `out`, as the sink expects it: the Redis
  // payload, or the HTTP body.
  using encode_fn = std::function<void(std::string& out, std::uint64_t n, std::int64_t wall_ns)>;

  // PUBLISH channel <payload> on one pipelined connection.
  static std::unique_ptr<paced_publisher> redis(std::uint16_t port, std::string channel, encode_fn fn);
  // POST <path> on `connections` keep-alive HTTP/1.1 connections, pipelined.
  static std::unique_ptr<paced_publisher> http(std::uint16_t port, std::string path, int connections, encode_fn fn);

  ~paced_publisher();
  // Connects and starts sending at `rate` messages/s; false with `error` when it cannot connect.
  bool start(double rate, std::string* error);
  void stop();

  std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t acked() const noexcept { return acked_.load(std::memory_order_relaxed); }
  std::uint64_t errors() const noexcept { return errors_.load(std::memory_order_relaxed); }
  // Messages the schedule called for but that were not sent (the sink had too many unacknowledged).
  std::uint64_t behind() const noexcept { return behind_.load(std::memory_order_relaxed); }
  std::string first_error() const;
  std::vector<std::string> argv_like() const;  // a description for the command list

 private:
  struct impl;
  explicit paced_publisher(std::unique_ptr<impl> p);
  void run(double rate);
  std::unique_ptr<impl> impl_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0}, acked_{0}, errors_{0}, behind_{0};
};

// CPU seconds of the calling thread (getrusage RUSAGE_THREAD).
double thread_cpu_seconds();

// Latency percentiles (ns) of `samples` as JSON ({"p50_us":..,"p90_us":..,"p99_us":..,"p99_9_us":..,"samples":n}).
boost::json::object latency_json(std::vector<std::int64_t>& samples);
// "p50/p90/p99/p99.9" as text for the table.
std::vector<std::string> latency_cells(std::vector<std::int64_t>& samples);

}  // namespace mdfan::bench
