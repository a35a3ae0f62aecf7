// Scenarios `parse` (mdfan_parse_bench summarized) and `publish` (host -> Redis, PUBLISH/s as Redis
// counts them).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "tool/scenarios.hpp"

namespace mdfan::bench {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double to_ns(double t, std::string_view unit) {
  if (unit == "us") return t * 1e3;
  if (unit == "ms") return t * 1e6;
  if (unit == "s") return t * 1e9;
  return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// parse

scenario_output run_parse(const bench_options& o) {
  scenario_output out;
  auto& j = out.json;
  j["what"] =
      "one exchange message parsed and normalized into mdfan events vs a bare simdjson On-Demand walk "
      "of the same fields (CPU ns per message, from mdfan_parse_bench)";
  j["main_figure"] = "ratio_vs_simdjson";
  if (o.parse_bench.empty() || find_program(o.parse_bench).empty()) {
    j["mdfan"] = json::object{{"status", "failed"}, {"reason", "mdfan_parse_bench not found (" + o.parse_bench + ")"}};
    out.ok = false;
    out.tables.push_back({"parse: mdfan_parse_bench not found", {"", ""}, {}, {}});
    return out;
  }
  std::vector<std::string> filter;
  if (!o.parse_filter.empty()) filter.push_back("--benchmark_filter=" + o.parse_filter);

  // How many benchmarks will run (for the progress bar and the time bound).
  auto list_args = std::vector<std::string>{o.parse_bench, "--benchmark_list_tests=true"};
  list_args.insert(list_args.end(), filter.begin(), filter.end());
  const auto listed = run_command(list_args, std::chrono::seconds(30), child_opts("mdfan_parse_bench (list)"));
  std::size_t expected = 0;
  for (char c : listed.output) expected += c == '\n' ? 1 : 0;
  expected = std::max<std::size_t>(expected, 1);

  // The bench's main installs its own console reporter, which --benchmark_format does not replace: the
  // JSON comes from --benchmark_out instead (same records).
  const auto json_file = (fs::path(o.work_dir) / "parse-bench.json").string();
  std::error_code ec;
  fs::remove(json_file, ec);
  std::vector<std::string> args{o.parse_bench, "--benchmark_out=" + json_file, "--benchmark_out_format=json",
                                fmt::format("--benchmark_min_time={}", o.parse_min_time),
                                fmt::format("--benchmark_repetitions={}", o.parse_repetitions)};
  if (o.parse_repetitions > 1) args.push_back("--benchmark_report_aggregates_only=true");
  args.insert(args.end(), filter.begin(), filter.end());
  const auto log = log_path(o, "parse-bench");
  child bench(args, child_opts("mdfan_parse_bench", log, {}, {}, true));
  const double per_bench = o.parse_min_time * o.parse_repetitions + 0.5;
  const double budget = static_cast<double>(expected) * per_bench * 4 + 60;
  progress_bar bar("parse: mdfan_parse_bench", static_cast<double>(expected) * per_bench);
  std::string text;
  const auto t0 = mono_now_ns();
  std::size_t done = 0;
  while (!interrupted()) {
    if (!bench.read_stdout(text, std::chrono::milliseconds(200))) break;
    done = 0;
    for (std::size_t at = 0; (at = text.find("/mdfan", at)) != std::string::npos; ++at) ++done;
    for (std::size_t at = 0; (at = text.find("/simdjson", at)) != std::string::npos; ++at) ++done;
    const double elapsed = static_cast<double>(mono_now_ns() - t0) / 1e9;
    bar.update(static_cast<double>(std::min(done, expected)) * per_bench,
               fmt::format("{}/{} benchmarks", std::min(done, expected), expected));
    if (elapsed > budget) break;
  }
  bar.finish();
  const int status = bench.wait(std::chrono::seconds(5));
  if (status < 0) bench.stop();
  { std::ofstream(log, std::ios::app) << text; }
  if (interrupted()) {
    j["mdfan"] = json::object{{"status", "failed"}, {"reason", "interrupted"}};
    out.ok = false;
    return out;
  }
  const auto raw = read_text_file(json_file);
  json::value doc;
  try {
    doc = parse_json(raw);
  } catch (const std::exception& e) {
    j["mdfan"] = json::object{
        {"status", "failed"},
        {"reason", fmt::format("mdfan_parse_bench (status {}) wrote no JSON: {}", status, log_tail(log, 300))}};
    out.ok = false;
    return out;
  }

  // name "<exchange>/<type>/<mdfan|simdjson>" -> ns per message
  std::map<std::string, std::map<std::string, std::pair<double, double>>>
      by_exchange;  // ex -> type -> (mdfan, simdjson)
  for (const auto& b : doc.at("benchmarks").as_array()) {
    const auto& o2 = b.as_object();
    std::string name = json::value_to<std::string>(o2.at("name"));
    const std::string run_type = o2.contains("run_type") ? json::value_to<std::string>(o2.at("run_type")) : "";
    if (o.parse_repetitions > 1) {
      if (run_type != "aggregate" || !o2.contains("aggregate_name") || o2.at("aggregate_name").as_string() != "median")
        continue;
      name = name.substr(0, name.rfind('_'));
    } else if (run_type == "aggregate") {
      continue;
    }
    const auto s1 = name.find('/');
    const auto s2 = name.rfind('/');
    if (s1 == std::string::npos || s2 == s1) continue;
    const auto ex = name.substr(0, s1), type = name.substr(s1 + 1, s2 - s1 - 1), impl = name.substr(s2 + 1);
    const double ns =
        to_ns(o2.at("cpu_time").to_number<double>(), o2.contains("time_unit") ? o2.at("time_unit").as_string() : "ns");
    auto& cell = by_exchange[ex][type];
    if (impl == "mdfan") cell.first = ns;
    if (impl == "simdjson") cell.second = ns;
  }

  text_table t{"parse: CPU ns per message (mdfan_parse_bench), mdfan vs bare simdjson",
               {"message", "mdfan ns", "simdjson ns", "ratio"},
               {},
               {}};
  json::object exchanges;
  std::vector<double> all_ratios;
  std::vector<std::vector<std::string>> medians;
  for (const auto& [ex, types] : by_exchange) {
    json::object ej;
    json::array msgs;
    std::vector<double> m_ns, s_ns, ratios;
    for (const auto& [type, v] : types) {
      const double r = v.first > 0 && v.second > 0 ? v.first / v.second : NAN;
      msgs.push_back(json::object{{"type", type},
                                  {"mdfan_ns", num(std::round(v.first * 10) / 10)},
                                  {"simdjson_ns", num(std::round(v.second * 10) / 10)},
                                  {"ratio_vs_simdjson", ratio(v.first, v.second)}});
      t.rows.push_back(
          {ex + "/" + type, fmt::format("{:.0f}", v.first), fmt::format("{:.0f}", v.second), fmt_ratio(r)});
      if (v.first > 0) m_ns.push_back(v.first);
      if (v.second > 0) s_ns.push_back(v.second);
      if (std::isfinite(r)) {
        ratios.push_back(r);
        all_ratios.push_back(r);
      }
    }
    ej["messages"] = std::move(msgs);
    ej["median_mdfan_ns"] = num(median(m_ns));
    ej["median_simdjson_ns"] = num(median(s_ns));
    ej["ratio_vs_simdjson"] = num(std::round(median(ratios) * 1000) / 1000);
    medians.push_back({ex + " (median)", fmt::format("{:.0f}", median(m_ns)), fmt::format("{:.0f}", median(s_ns)),
                       fmt_ratio(median(ratios))});
    exchanges[ex] = std::move(ej);
  }
  for (auto& m : medians) t.rows.push_back(std::move(m));
  const double overall = median(all_ratios);
  t.rows.push_back({"all (median ratio)", "", "", fmt_ratio(overall)});
  t.notes.push_back(fmt::format("min_time {} s, repetitions {}; ratio = mdfan / bare simdjson (lower is better)",
                                o.parse_min_time, o.parse_repetitions));
  out.tables.push_back(std::move(t));
  json::object mj;
  mj["status"] = all_ratios.empty() ? "failed" : "ok";
  if (all_ratios.empty()) mj["reason"] = "no mdfan/simdjson pairs in the benchmark output";
  mj["exchanges"] = std::move(exchanges);
  if (doc.as_object().contains("context")) mj["bench_context"] = doc.at("context");
  j["mdfan"] = std::move(mj);
  j["ratio_vs_simdjson"] = num(std::round(overall * 1000) / 1000);
  out.ok = !all_ratios.empty();
  return out;
}

// ---------------------------------------------------------------------------------------------------
// publish

namespace {

struct window_result {
  bool ok = false;
  std::string reason;
  long long calls = 0;
  double seconds = 0;
  double rate = 0;
  double publisher_cpu = -1;  // cores
  double redis_cpu = -1;      // cores
};

// Measures PUBLISH commands Redis executed while `proc` publishes: the window opens at the first poll
// that sees cmdstat_publish:calls rise, and closes after `seconds` or at the last rise when the
// publisher stops earlier (a finished recording).
window_result measure_publish(redis_client& info, child& proc, pid_t redis_pid, double seconds,
                              const std::string& label) {
  window_result r;
  const long long base = publish_calls(info);
  if (base < 0) {
    r.reason = "INFO commandstats failed";
    return r;
  }
  const auto start_deadline = mono_now_ns() + 30'000'000'000LL;
  long long c0 = base;
  progress_bar bar(label, seconds);
  while (!interrupted()) {
    c0 = publish_calls(info);
    if (c0 > base) break;
    if (!proc.running()) {
      r.reason = fmt::format("exited (status {}) before publishing: {}", proc.status(), log_tail(proc.log_file()));
      return r;
    }
    if (mono_now_ns() > start_deadline) {
      r.reason = "published nothing within 30 s: " + log_tail(proc.log_file());
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto t0 = mono_now_ns();
  const double cpu0 = process_tree_cpu_seconds(proc.pid()), rcpu0 = process_cpu_seconds(redis_pid);
  auto t_last = t0;
  long long c_last = c0;
  double cpu_last = cpu0, rcpu_last = rcpu0;
  const auto window_ns = static_cast<std::int64_t>(seconds * 1e9);
  while (!interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto c = publish_calls(info);
    const auto now = mono_now_ns();
    if (c < 0) break;
    if (c > c_last) {
      c_last = c;
      t_last = now;
      cpu_last = process_tree_cpu_seconds(proc.pid());
      rcpu_last = process_cpu_seconds(redis_pid);
    }
    const double elapsed = static_cast<double>(now - t0) / 1e9;
    bar.update(elapsed, fmt::format("{} PUBLISH", fmt_rate(static_cast<double>(c_last - c0) /
                                                           std::max(1e-9, static_cast<double>(t_last - t0) / 1e9))));
    if (now - t0 >= window_ns) break;
    if (now - t_last > 500'000'000) break;  // the publisher has finished
  }
  bar.finish();
  r.calls = c_last - c0;
  r.seconds = static_cast<double>(t_last - t0) / 1e9;
  if (r.seconds < 0.05 || r.calls <= 0) {
    r.reason = fmt::format("window too short to measure ({:.3f} s, {} PUBLISH)", r.seconds, r.calls);
    return r;
  }
  r.rate = static_cast<double>(r.calls) / r.seconds;
  r.publisher_cpu = (cpu_last - cpu0) / r.seconds;
  r.redis_cpu = (rcpu_last - rcpu0) / r.seconds;
  r.ok = true;
  return r;
}

json::object window_json(const window_result& w) {
  json::object j;
  if (!w.ok) {
    j["status"] = "failed";
    j["reason"] = w.reason;
    return j;
  }
  j["status"] = "ok";
  j["events_per_s"] = std::round(w.rate);
  j["publish_calls"] = w.calls;
  j["window_s"] = std::round(w.seconds * 1000) / 1000;
  j["publisher_cpu_cores"] = num(std::round(w.publisher_cpu * 100) / 100);
  j["redis_cpu_cores"] = num(std::round(w.redis_cpu * 100) / 100);
  return j;
}

// A Binance combined-stream trade recording of `n` frames, 1 us apart, in mdfan's recording format.
std::string write_recording(const bench_options& o, std::uint64_t n) {
  const auto path = (fs::path(o.work_dir) / fmt::format("binance-trades-{}.rec", n)).string();
  if (fs::exists(path) && fs::file_size(path) > n * 100) return path;  // made by an earlier run
  const auto tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  const std::int64_t start_ns = 1'767'225'600'000'000'000LL;  // 2026-01-01
  out << "# mdfan recording v1 exchange=binance symbols=BTCUSDT started_ns=" << start_ns << "\n";
  std::string frame, line;
  for (std::uint64_t i = 1; i <= n && out.good(); ++i) {
    const std::int64_t recv = start_ns + static_cast<std::int64_t>(i) * 1000;
    const std::int64_t ms = recv / 1'000'000;
    frame = fmt::format(
        R"({{"stream":"btcusdt@trade","data":{{"e":"trade","E":{},"s":"BTCUSDT","t":{},"p":"{}.{:02}","q":"0.{:05}","T":{},"m":{},"M":true}}}})",
        ms, i, 43000 + (i * 7919) % 100, i % 100, 100 + i % 90000, ms, (i & 1) ? "true" : "false");
    line = fmt::format("{} trade {}\n", recv, frame.size());
    out << line << frame << '\n';
  }
  out.close();
  if (!out) return {};
  fs::rename(tmp, path);
  return path;
}

}  // namespace

scenario_output run_publish(const bench_options& o) {
  scenario_output out;
  auto& j = out.json;
  j["what"] =
      "host -> Redis: PUBLISH commands Redis executed per second (delta of INFO commandstats "
      "cmdstat_publish:calls over the measured window), no subscribers";
  j["main_figure"] = "events_per_s";
  text_table t{"publish: host -> Redis, PUBLISH commands executed by Redis per second",
               {"publisher", "events/s", "window", "publisher CPU", "redis CPU", "status"},
               {},
               {}};
  auto row = [&](const std::string& who, const json::object& r) {
    if (r.at("status").as_string() != "ok") {
      t.rows.push_back(
          {who, "-", "-", "-", "-",
           json::value_to<std::string>(r.at("status")) + ": " + json::value_to<std::string>(r.at("reason"))});
      return;
    }
    t.rows.push_back({who, fmt_rate(r.at("events_per_s").to_number<double>()),
                      fmt::format("{:.2f} s", r.at("window_s").to_number<double>()),
                      fmt::format("{:.2f} cores", r.at("publisher_cpu_cores").to_number<double>()),
                      fmt::format("{:.2f} cores", r.at("redis_cpu_cores").to_number<double>()), "ok"});
  };

  redis_instance redis(o, "publish");
  redis_client info;
  std::string err;
  if (!info.connect(redis.port(), std::chrono::seconds(5), &err)) throw std::runtime_error(err);
  j["redis_port"] = redis.port();

  // (a) the ceiling: redis-benchmark, pipelined, no subscribers.
  double ceiling = NAN, mdfan_rate = NAN, seed_rate = NAN;
  {
    json::object r;
    if (find_program(o.redis_benchmark).empty()) {
      r = json::object{{"status", "failed"}, {"reason", "redis-benchmark not found (" + o.redis_benchmark + ")"}};
    } else {
      const std::string payload(200, 'x');
      const auto n = static_cast<std::uint64_t>(std::max(2e6, 2.5e6 * (o.seconds + 3)));
      child rb({o.redis_benchmark, "-p", std::to_string(redis.port()), "-q", "-n", std::to_string(n), "-P", "64", "-c",
                "1", "-d", "200", "publish", "md:trade:sim:BTC-USDT", payload},
               child_opts("redis-benchmark", log_path(o, "publish-redis-benchmark")));
      const auto w = measure_publish(info, rb, redis.pid(), o.seconds, "publish: redis-benchmark");
      rb.stop(std::chrono::milliseconds(500));
      r = window_json(w);
      r["payload_bytes"] = 200;
      if (w.ok) ceiling = w.rate;
    }
    row("redis-benchmark (ceiling)", r);
    j["redis_benchmark"] = std::move(r);
  }

  // (b) mdfan --role host replaying a recording as fast as it can.
  if (!interrupted()) {
    json::object r;
    const auto rec = write_recording(o, o.frames);
    if (rec.empty()) {
      r = json::object{{"status", "failed"}, {"reason", "cannot write the recording under " + o.work_dir}};
    } else {
      const auto listen = fmt::format("127.0.0.1:{}", free_port());
      child host =
          start_mdfan(o, "publish-host",
                      {"--role", "host", "--exchange", "replay:" + rec, "--replay-speed", "0", "--symbols", "BTC-USDT",
                       "--channels", "trade", "--redis-url", redis.url(), "--listen", listen, "--log-level", "warn"});
      const auto w = measure_publish(info, host, redis.pid(), o.seconds, "publish: mdfan host");
      host.stop();
      r = window_json(w);
      r["recording"] = rec;
      r["recording_frames"] = o.frames;
      if (w.ok) mdfan_rate = w.rate;
    }
    row("mdfan --role host (replay)", r);
    j["mdfan"] = std::move(r);
  }

  // (c) the seed-node peer's host.js, RATE=0.
  {
    json::object r;
    if (interrupted()) {
      r = skipped("interrupted");
    } else if (o.no_peers) {
      r = skipped("--no-peers");
    } else if (const auto s = prepare_seed_node(o); !s.ok) {
      r = skipped(s.reason);
    } else {
      child host({o.node, "host.js"}, child_opts("seed-node host.js", log_path(o, "publish-seed-node"),
                                                 {"REDIS_URL=" + redis.url(), "RATE=0",
                                                  fmt::format("SECONDS={}", static_cast<int>(o.seconds) + 5)},
                                                 s.dir));
      const auto w = measure_publish(info, host, redis.pid(), o.seconds, "publish: seed-node host.js");
      host.stop();
      r = window_json(w);
      if (w.ok) seed_rate = w.rate;
    }
    if (r.at("status").as_string() == "skipped") {
      t.rows.push_back(
          {"seed-node host.js", "-", "-", "-", "-", "skipped: " + json::value_to<std::string>(r.at("reason"))});
    } else {
      row("seed-node host.js (RATE=0)", r);
    }
    j["seed_node"] = std::move(r);
  }
  j["ratio_vs_redis_benchmark"] = ratio(mdfan_rate, ceiling);
  j["ratio_vs_seed_node"] = ratio(mdfan_rate, seed_rate);
  t.notes.push_back(fmt::format("mdfan / redis-benchmark: {}   mdfan / seed-node: {}", fmt_ratio(mdfan_rate / ceiling),
                                fmt_ratio(mdfan_rate / seed_rate)));
  t.notes.push_back("window: from the first PUBLISH seen to --seconds later (or the last PUBLISH if it ended sooner)");
  out.tables.push_back(std::move(t));
  out.ok = std::isfinite(mdfan_rate);
  return out;
}

}  // namespace mdfan::bench
