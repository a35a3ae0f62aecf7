// mdfan-bench end to end, kept short: the fan-out scenario with 20 clients against a real executor, the
// parse scenario on one benchmark pair, the e2e scenario with its hops and the Redis floor, and peers
// that cannot start reported as skipped with a reason.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/process.hpp"
#include "tool/report.hpp"

namespace {

namespace json = boost::json;
using mdfan::test::child_process;

struct bench_run {
  int status = -1;
  json::object record;
  std::string log;
};

// Runs mdfan-bench with `args` plus --json and a private --work-dir; parses the record it wrote.
bench_run run_bench(const std::string& tag, std::vector<std::string> args, std::chrono::seconds timeout) {
  const auto dir = mdfan::test::make_temp_dir("bench-" + tag);
  const auto json_file = dir + "/record.json";
  args.insert(args.begin(), MDFAN_BENCH_BINARY);
  for (const auto& a : {std::string("--json"), json_file, std::string("--work-dir"), dir + "/work"}) args.push_back(a);
  bench_run r;
  child_process p(args, dir + "/out.log");
  r.status = p.wait(timeout);
  if (r.status == -1) p.stop();
  r.log = mdfan::test::read_file(dir + "/out.log");
  const auto text = mdfan::test::read_file(json_file);
  if (!text.empty()) r.record = mdfan::bench::parse_json(text).as_object();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

const json::object& scenario(const bench_run& r, const char* name) {
  return r.record.at("scenarios").as_object().at(name).as_object();
}

double number(const json::object& o, const char* key) { return o.at(key).to_number<double>(); }

void expect_common_record(const bench_run& r) {
  ASSERT_FALSE(r.record.empty()) << r.log;
  EXPECT_GT(number(r.record.at("machine").as_object(), "cores"), 0);
  EXPECT_FALSE(r.record.at("machine").as_object().at("kernel").as_string().empty());
  EXPECT_FALSE(r.record.at("date").as_string().empty());
  ASSERT_FALSE(r.record.at("commands").as_array().empty());
  EXPECT_FALSE(r.record.at("commands").as_array()[0].as_object().at("argv").as_array().empty());
}

TEST(BenchTool, FanoutDeliversFramesToEveryClient) {
  const auto r = run_bench("fanout",
                           {"fanout", "--clients", "20", "--seconds", "1", "--warmup", "0.5", "--rate", "500",
                            "--sample-every", "4", "--no-peers"},
                           std::chrono::seconds(90));
  ASSERT_EQ(r.status, 0) << r.log;
  expect_common_record(r);
  const auto& f = scenario(r, "fanout");
  const auto& m = f.at("mdfan").as_object();
  ASSERT_EQ(m.at("status").as_string(), "ok") << r.log;
  EXPECT_EQ(number(m, "clients_ready"), 20);
  EXPECT_GT(number(m, "delivered_frames_per_s"), 0);
  EXPECT_GT(number(m, "offered_events_per_s"), 0);
  EXPECT_EQ(number(m, "clients_receiving"), 20);
  const auto& lat = m.at("latency").as_object();
  EXPECT_GT(number(lat, "samples"), 0);
  EXPECT_GT(number(lat, "p50_us"), 0);
  EXPECT_GE(number(lat, "p99_us"), number(lat, "p50_us"));
  EXPECT_TRUE(m.contains("kib_per_idle_client"));
  EXPECT_GT(number(m, "rss_baseline_kib"), 0);
  EXPECT_GE(number(m, "server_cpu_cores"), 0);
  EXPECT_GE(number(m, "client_cpu_cores"), 0);
  for (const char* peer : {"seed_node", "nchan"}) {
    const auto& p = f.at(peer).as_object();
    EXPECT_EQ(p.at("status").as_string(), "skipped");
    EXPECT_EQ(p.at("reason").as_string(), "--no-peers");
  }
  EXPECT_TRUE(f.at("ratio_vs_seed_node").is_null());
}

TEST(BenchTool, MissingPeersAreReportedAsSkippedWithAReason) {
  const auto r = run_bench("peers",
                           {"fanout", "--clients", "5", "--seconds", "0.5", "--warmup", "0.2", "--rate", "200",
                            "--peers", "/nonexistent/peers"},
                           std::chrono::seconds(60));
  ASSERT_EQ(r.status, 0) << r.log;
  const auto& f = scenario(r, "fanout");
  EXPECT_EQ(f.at("mdfan").as_object().at("status").as_string(), "ok");
  for (const char* peer : {"seed_node", "nchan"}) {
    const auto& p = f.at(peer).as_object();
    EXPECT_EQ(p.at("status").as_string(), "skipped") << peer;
    EXPECT_NE(std::string(p.at("reason").as_string()).find("/nonexistent/peers"), std::string::npos)
        << p.at("reason").as_string();
  }
  EXPECT_TRUE(f.at("ratio_vs_nchan").is_null());
  EXPECT_NE(r.log.find("skipped"), std::string::npos) << "the table shows skipped peers:\n" << r.log;
}

TEST(BenchTool, ParseSummarizesTheParseBenchmark) {
  const auto r = run_bench("parse", {"parse", "--parse-filter", "binance/trade/", "--parse-min-time", "0.01"},
                           std::chrono::seconds(60));
  ASSERT_EQ(r.status, 0) << r.log;
  const auto& p = scenario(r, "parse");
  ASSERT_TRUE(p.at("ratio_vs_simdjson").is_number()) << r.log;
  EXPECT_GT(number(p, "ratio_vs_simdjson"), 0);
  const auto& binance = p.at("mdfan").as_object().at("exchanges").as_object().at("binance").as_object();
  EXPECT_GT(number(binance, "median_mdfan_ns"), 0);
  EXPECT_GT(number(binance, "median_simdjson_ns"), 0);
}

}  // namespace

// The e2e scenario with real processes (simulator, host, Redis, executor, clients): every hop and the
// Redis floor carry samples, the total is at least the host hop, and the floor ratio is reported.
TEST(BenchTool, E2eReportsEveryHopAndTheRedisFloor) {
  const auto r = run_bench("e2e", {"e2e", "--rate", "2000", "--seconds", "1", "--warmup", "0.5", "--clients", "2"},
                           std::chrono::seconds(90));
  ASSERT_EQ(r.status, 0) << r.log;
  expect_common_record(r);
  const auto& e = scenario(r, "e2e");
  EXPECT_EQ(number(r.record.at("options").as_object(), "host_threads"), 1);
  const auto& m = e.at("mdfan").as_object();
  ASSERT_EQ(m.at("status").as_string(), "ok") << r.log;
  EXPECT_GT(number(m, "events_at_redis_per_s"), 0);
  const auto& lat = m.at("latency").as_object();
  for (const char* hop : {"recv_to_publish", "publish_to_redis", "redis_to_client", "total_recv_to_client",
                          "floor_redis_pubsub"}) {
    const auto& h = lat.at(hop).as_object();
    EXPECT_GT(number(h, "samples"), 0) << hop;
    EXPECT_GE(number(h, "p99_us"), number(h, "p50_us")) << hop;
  }
  EXPECT_GE(number(lat.at("total_recv_to_client").as_object(), "p50_us"),
            number(lat.at("recv_to_publish").as_object(), "p50_us"));
  EXPECT_GT(number(m, "ratio_vs_redis_floor"), 0);
  for (const char* part : {"host", "sim", "redis", "executor_1", "client_thread"})
    EXPECT_TRUE(m.at("cpu_cores").as_object().contains(part)) << part;
}
