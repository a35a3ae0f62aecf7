// Fault: slow consumers must not hurt healthy clients. A hybrid mdfan on the Binance simulator serves
// 1000 WebSocket clients from this process (one epoll loop, support/ws_swarm.hpp):
//   run B: 900 healthy clients and 100 stalled ones (subscribed to everything, never reading);
//   run A: 1000 healthy clients, on a fresh simulator and instance.
// Healthy clients measure the latency from each trade's `recv` (the instance's receive time, wall
// clock) to their own read. Both runs start from the same simulator seed, so they carry the same trade
// tape, and the latencies compared are those of the same trades: the ones the healthy clients of run B
// read in its measuring window, identified by symbol and trade id. (A market step can fill several
// orders at once; the simulator sends those trades back to back, and each waits for the previous one's
// fan-out to 1000 clients. Windows over different parts of the tape differ in how many such runs of
// trades they hold, which moved p99 by up to 50 % between runs of this test.) Then:
// - p99(B) <= max(2 x p99(A), p99(A) + 2 ms). The absolute floor keeps a loaded 2-core machine from
//   failing the test on scheduling noise when p99(A) is only a few milliseconds. A pair of runs over
//   the limit is run once more, and the test fails when both are (see the TEST);
// - the instance's RSS stays below its level before the stalled clients connect + 200 MB;
// - every drop is counted: once run B's feed stops and the stalled clients read, each trade they did
//   not get is announced in a gap notice placed where it went missing, and the notices add up to
//   mdfan_server_dropped_total{type="trade"}.
#include <algorithm>
#include <charconv>
#include <compare>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"
#include "support/ws_swarm.hpp"

using namespace std::chrono_literals;
namespace t = mdfan::test;

namespace {

constexpr int total_clients = 1000;
constexpr int stalled_clients = 100;
constexpr auto warm_up = 1500ms;
constexpr auto measure = 8s;
// Simulator messages per second. Healthy clients take the trades (about a third): ~20 frames/s each,
// ~20k frames/s over 1000 clients, which a shared 2-core machine serves with room to spare, so the
// runs measure the server rather than a saturated CPU.
constexpr int sim_rate = 60;

std::int64_t metric(const std::string& text, const std::string& name_and_labels) {
  const auto at = text.find("\n" + name_and_labels + " ");
  if (at == std::string::npos) return 0;
  const auto start = at + 1 + name_and_labels.size() + 1;
  return std::stoll(text.substr(start, text.find('\n', start) - start));
}

std::int64_t server_metric(std::uint16_t port, const std::string& name_and_labels) {
  const auto m = t::http_get(port, "/metrics");
  return m.status == 200 ? metric(m.body, name_and_labels) : -1;
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// The integer after `"key":` in a JSON text (0 when absent); fields are flat in event frames.
std::int64_t json_int(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return 0;
  auto p = text.data() + at + key.size();
  while (p < text.data() + text.size() && (*p == '"' || *p == ':')) ++p;
  std::int64_t v = 0;
  std::from_chars(p, text.data() + text.size(), v);
  return v;
}

std::string_view json_string(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return {};
  const auto start = at + key.size();
  return text.substr(start, text.find('"', start) - start);
}

// A trade, as the healthy clients see it: its instrument and the exchange's trade id.
struct trade_key {
  std::string instrument;
  std::int64_t id = 0;
  auto operator<=>(const trade_key&) const = default;
};

trade_key key_of(std::string_view m) {
  return {std::string(json_string(m, R"("instrument":")")), json_int(m, R"("id")")};
}

// The healthy clients' latencies in one run, each with the trade it belongs to.
struct latencies {
  std::vector<std::pair<trade_key, std::int64_t>> samples;
  std::map<trade_key, std::size_t> reads;  // per trade, how many clients read it
  void add(trade_key k, std::int64_t latency) {
    ++reads[k];
    samples.emplace_back(std::move(k), latency);
  }
};

std::int64_t percentile(std::vector<std::int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1));
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
  return ns[k];
}

// The trades of run B's window, per instrument: the first and last id the healthy clients read.
using id_ranges = std::map<std::string, std::pair<std::int64_t, std::int64_t>, std::less<>>;

bool in_ranges(const id_ranges& r, const trade_key& k) {
  const auto it = r.find(k.instrument);
  return it != r.end() && k.id >= it->second.first && k.id <= it->second.second;
}

std::vector<std::int64_t> latencies_in(const latencies& l, const id_ranges& r) {
  std::vector<std::int64_t> ns;
  for (const auto& [k, v] : l.samples)
    if (in_ranges(r, k)) ns.push_back(v);
  return ns;
}

// A simulator and a fresh hybrid instance on it. The simulator's seed is fixed, so every rig's feed
// carries the same tape: the same trades, with the same ids, in the same runs.
struct rig {
  std::uint16_t port = 0;
  t::child_process sim, mdfan;
};

void start_rig(rig& r, const std::string& dir, const std::string& tag, const t::redis_server& redis) {
  const std::uint16_t sim_port = t::free_port();
  r.sim = t::child_process({MDFAN_BINARY, "sim", "--listen", "127.0.0.1:" + std::to_string(sim_port), "--symbols",
                            "BTCUSDT,ETHUSDT", "--rate", std::to_string(sim_rate), "--seed", "11"},
                           dir + "/sim-" + tag + ".log");
  ASSERT_TRUE(t::wait_for_port(sim_port, 15s)) << t::read_file(dir + "/sim-" + tag + ".log");
  r.port = t::free_port();
  // A small session queue makes stalled clients overflow within seconds at this rate.
  r.mdfan = t::child_process(
      {MDFAN_BINARY, "--role", "hybrid", "--listen", "127.0.0.1:" + std::to_string(r.port), "--threads", "2",
       "--redis-url", redis.url(), "--symbols", "BTCUSDT,ETHUSDT", "--exchange-ws-url",
       "ws://127.0.0.1:" + std::to_string(sim_port), "--exchange-rest-url",
       "http://127.0.0.1:" + std::to_string(sim_port), "--session-queue-messages", "128", "--log-level", "warn"},
      dir + "/mdfan-" + tag + ".log");
  ASSERT_TRUE(t::wait_for_port(r.port, 15s)) << t::read_file(dir + "/mdfan-" + tag + ".log");
  t::ws_client probe;
  ASSERT_TRUE(probe.connect(r.port)) << probe.error();
  ASSERT_TRUE(probe.send(R"({"op":"subscribe","topics":["trade:*:*"]})"));
  ASSERT_TRUE(probe.read_until([](std::string_view f) { return f.find(R"("type":"trade")") != f.npos; }, 20s))
      << "no trades flowing; log:\n"
      << t::read_file(dir + "/mdfan-" + tag + ".log");
}

// What one stalled client saw of the trade tape, checked as it reads.
struct tape {
  std::map<std::string, std::int64_t, std::less<>> last_id;    // per trade topic
  std::map<std::string, std::int64_t, std::less<>> announced;  // gap notices since that trade
  std::map<std::string, bool, std::less<>> book_needs_snapshot;
  std::int64_t gap_total = 0;
  std::string error;
};

void follow(tape& tp, std::string_view m) {
  if (m.find(R"("type":"gap")") != std::string_view::npos) {
    const auto topic = json_string(m, R"("topic":")");
    const auto n = json_int(m, R"("dropped")");
    if (topic.rfind("trade:", 0) == 0) {
      tp.announced[std::string(topic)] += n;
      tp.gap_total += n;
    } else if (topic.rfind("book:", 0) == 0) {
      tp.book_needs_snapshot[std::string(topic)] = true;
    }
    return;
  }
  const auto type = json_string(m, R"("type":")");
  const std::string topic = std::string(type) + ":binance:" + std::string(json_string(m, R"("instrument":")"));
  if (type == "trade") {
    const auto id = json_int(m, R"("id")");
    auto last = tp.last_id.find(topic);
    if (last != tp.last_id.end()) {
      const auto missing = id - last->second - 1;
      if (missing != tp.announced[topic] && tp.error.empty())
        tp.error = topic + ": " + std::to_string(missing) + " trades missing before id " + std::to_string(id) +
                   " but " + std::to_string(tp.announced[topic]) + " announced";
      last->second = id;
    } else {
      tp.last_id.emplace(topic, id);
    }
    tp.announced[topic] = 0;
  } else if (type == "book") {
    auto& needs = tp.book_needs_snapshot[topic];
    const bool snapshot = m.find(R"("snapshot":true)") != std::string_view::npos;
    if (needs && !snapshot && tp.error.empty()) tp.error = topic + ": a delta right after a gap notice";
    if (snapshot) needs = false;
  }
}

// One pair of runs: B (with the drop accounting checked after it), then A over the same trades.
struct pair_result {
  std::int64_t p50a = 0, p99a = 0, p50b = 0, p99b = 0;
};

void run_pair(const t::redis_server& redis, const std::string& dir, int attempt, pair_result& out) {
  const auto pair_start = std::chrono::steady_clock::now();
  const auto since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - pair_start).count();
  };
  const std::string tag_b = "b" + std::to_string(attempt), tag_a = "a" + std::to_string(attempt);
  const std::string healthy_sub = R"({"op":"subscribe","topics":["trade:*:*"]})";
  const std::string stalled_sub = R"({"op":"subscribe","topics":["*:*:*"]})";

  // Healthy clients, both runs: subscription acks, gap notices (there must be none), and the latency
  // of each trade `keep` accepts, into `*into` while it is set.
  std::size_t acks = 0, gaps = 0;
  latencies* into = nullptr;
  std::function<bool(const trade_key&)> keep = [](const trade_key&) { return true; };
  auto healthy = [&](std::size_t, std::string_view m, std::int64_t now) {
    if (m.size() > 2 && m[2] == 'o') {  // {"op":...
      ++acks;
      return;
    }
    if (m.find(R"("type":"gap")") != std::string_view::npos) {
      ++gaps;
      return;
    }
    if (into == nullptr) return;
    auto k = key_of(m);
    if (keep(k)) into->add(std::move(k), now - json_int(m, R"("recv")"));
  };

  // ---- run B: 900 healthy, 100 stalled ----
  rig rb;
  start_rig(rb, dir, tag_b, redis);
  if (::testing::Test::HasFatalFailure()) return;
  const long rss_base = rss_kib(rb.mdfan.pid());
  ASSERT_GT(rss_base, 0);
  latencies b;
  long rss_max = rss_base;
  std::vector<tape> tapes(stalled_clients);
  constexpr std::size_t healthy_b = total_clients - stalled_clients;
  t::ws_swarm swarm;
  for (int i = 0; i < stalled_clients; ++i) {
    std::string error;
    ASSERT_EQ(swarm.add(rb.port, stalled_sub, false, true, &error), i) << "stalled client " << i << ": " << error;
  }
  for (int i = stalled_clients; i < total_clients; ++i) {
    std::string error;
    ASSERT_GE(swarm.add(rb.port, healthy_sub, true, false, &error), 0) << "client " << i << ": " << error;
  }
  // Before measuring, the stalled clients must be overflowing (conflating, dropping, resyncing).
  // (How soon depends on the kernel's socket buffers; the first drops are enough to go on.)
  const auto overflow_deadline = std::chrono::steady_clock::now() + 30s;
  std::int64_t dropped_now = 0;
  swarm.run_for(warm_up, healthy);
  while (std::chrono::steady_clock::now() < overflow_deadline) {
    dropped_now = server_metric(rb.port, R"(mdfan_server_dropped_total{type="trade"})");
    if (dropped_now > 0) break;
    swarm.run_for(250ms, healthy);
    rss_max = std::max(rss_max, rss_kib(rb.mdfan.pid()));
  }
  ASSERT_GT(dropped_now, 0) << "stalled clients did not overflow";
  std::printf("pair %d: stalled clients overflowing %.1f s into the pair\n", attempt, since_start());
  ASSERT_EQ(acks, healthy_b);
  into = &b;
  const auto b_end = std::chrono::steady_clock::now() + measure;
  while (std::chrono::steady_clock::now() < b_end) {
    swarm.run_for(250ms, healthy);
    rss_max = std::max(rss_max, rss_kib(rb.mdfan.pid()));
  }
  into = nullptr;
  const auto metrics_b = t::http_get(rb.port, "/metrics").body;
  // The trades compared are those every healthy client read inside the window (not one that some read
  // before it opened or after it closed): per instrument, a range of trade ids.
  id_ranges window;
  for (const auto& [k, n] : b.reads) {
    if (n != healthy_b) continue;
    auto [it, fresh] = window.try_emplace(k.instrument, k.id, k.id);
    it->second.first = std::min(it->second.first, k.id);
    it->second.second = std::max(it->second.second, k.id);
  }
  std::size_t trades = 0;
  for (const auto& [k, n] : b.reads) {
    if (!in_ranges(window, k)) continue;
    ++trades;
    EXPECT_EQ(n, healthy_b) << k.instrument << " trade " << k.id << " inside the window";
  }
  ASSERT_GT(trades, 100U) << "too few trades in the window for a p99";
  EXPECT_LT(rss_max - rss_base, 200L * 1024) << "memory not bounded";
  EXPECT_EQ(swarm.closed(), 0U) << "nobody is disconnected under the default policies";
  EXPECT_GT(metric(metrics_b, R"(mdfan_server_conflated_total{type="ticker"})"), 0);
  EXPECT_GT(metric(metrics_b, R"(mdfan_server_dropped_total{type="book"})"), 0);
  EXPECT_EQ(metric(metrics_b, "mdfan_server_slow_disconnects_total"), 0);

  // ---- every drop is counted: stop the feed, let the stalled clients read everything ----
  rb.sim.stop(2s);
  swarm.run_for(500ms, healthy);
  for (int i = 0; i < stalled_clients; ++i) swarm.start_reading(static_cast<std::size_t>(i));
  std::size_t stalled_msgs = 0;
  auto drain_fn = [&](std::size_t client, std::string_view m, std::int64_t now) {
    if (client < static_cast<std::size_t>(stalled_clients)) {
      ++stalled_msgs;
      follow(tapes[client], m);
    } else {
      healthy(client, m, now);
    }
  };
  // Until the stalled clients have been quiet for a second (bounded).
  const auto drain_deadline = std::chrono::steady_clock::now() + 20s;
  std::size_t seen = static_cast<std::size_t>(-1);
  while (stalled_msgs != seen && std::chrono::steady_clock::now() < drain_deadline) {
    seen = stalled_msgs;
    swarm.run_for(1s, drain_fn);
  }
  const auto dropped_after = server_metric(rb.port, R"(mdfan_server_dropped_total{type="trade"})");
  std::int64_t announced = 0;
  for (const auto& tp : tapes) {
    EXPECT_TRUE(tp.error.empty()) << tp.error;
    announced += tp.gap_total;
  }
  std::printf(
      "stalled clients: %zu messages after the feed stopped; %lld trades dropped, %lld announced; "
      "%lld gap notices in all\n",
      stalled_msgs, static_cast<long long>(dropped_after), static_cast<long long>(announced),
      static_cast<long long>(server_metric(rb.port, "mdfan_server_gap_notices_total")));
  EXPECT_GT(announced, 0);
  // Stalled clients never drain to half their queue: their book snapshots are fetched once they read.
  EXPECT_GT(server_metric(rb.port, "mdfan_server_book_snapshots_total"), 0);
  EXPECT_EQ(announced, dropped_after) << "a dropped trade was not counted, or not announced";
  std::printf("run B drained %.1f s into the pair\n", since_start());
  swarm.close_all();
  EXPECT_EQ(rb.mdfan.stop(5s), 0) << t::read_file(dir + "/mdfan-" + tag_b + ".log");

  // ---- run A: 1000 healthy clients, on a fresh rig, over the same trades ----
  rig ra;
  start_rig(ra, dir, tag_a, redis);
  if (::testing::Test::HasFatalFailure()) return;
  latencies a;
  acks = 0;
  keep = [&](const trade_key& k) { return in_ranges(window, k); };
  into = &a;
  t::ws_swarm swarm_a;
  for (int i = 0; i < total_clients; ++i) {
    std::string error;
    ASSERT_GE(swarm_a.add(ra.port, healthy_sub, true, false, &error), 0) << "client " << i << ": " << error;
  }
  // Until every client has read every trade of the window (bounded: the window closed less than a
  // minute into run B's feed).
  const auto a_deadline = std::chrono::steady_clock::now() + 60s;
  const auto all_read = [&] {
    if (a.reads.size() < trades) return false;
    for (const auto& [k, n] : a.reads)
      if (n < static_cast<std::size_t>(total_clients)) return false;
    return true;
  };
  while (!all_read() && std::chrono::steady_clock::now() < a_deadline) swarm_a.run_for(250ms, healthy);
  into = nullptr;
  EXPECT_EQ(acks, static_cast<std::size_t>(total_clients));
  EXPECT_EQ(swarm_a.closed(), 0U);
  ASSERT_TRUE(all_read()) << "run A: " << a.reads.size() << " of the window's " << trades
                          << " trades reached the clients";
  EXPECT_EQ(gaps, 0U) << "healthy clients lost events";
  swarm_a.close_all();
  EXPECT_EQ(ra.mdfan.stop(5s), 0) << t::read_file(dir + "/mdfan-" + tag_a + ".log");

  auto ns_a = latencies_in(a, window), ns_b = latencies_in(b, window);
  EXPECT_EQ(ns_a.size(), trades * total_clients);
  EXPECT_EQ(ns_b.size(), trades * healthy_b);
  out.p50a = percentile(ns_a, 0.50);
  out.p99a = percentile(ns_a, 0.99);
  out.p50b = percentile(ns_b, 0.50);
  out.p99b = percentile(ns_b, 0.99);
  std::printf("the same %zu trades in both runs, pair done %.1f s after it started\n", trades, since_start());
  std::printf("run A: %zu samples, p50 %.3f ms, p99 %.3f ms\n", ns_a.size(), static_cast<double>(out.p50a) / 1e6,
              static_cast<double>(out.p99a) / 1e6);
  std::printf("run B: %zu samples, p50 %.3f ms, p99 %.3f ms\n", ns_b.size(), static_cast<double>(out.p50b) / 1e6,
              static_cast<double>(out.p99b) / 1e6);
  std::printf("RSS in run B: %ld KiB before the clients, at most %ld KiB (+%ld KiB)\n", rss_base, rss_max,
              rss_max - rss_base);
}

}  // namespace

TEST(slow_consumer, healthy_clients_keep_their_latency_memory_stays_bounded_every_drop_is_counted) {
  const auto test_start = std::chrono::steady_clock::now();
  // 1000 client sockets here and 1000 in the child (which inherits the limit).
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < 4096) {
    nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 8192);
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  ASSERT_GE(nofile.rlim_cur, 2 * total_clients + 100) << "file descriptor limit too low for this test";
  const std::string dir = t::make_temp_dir("slow_consumer");
  t::redis_server redis;
  // A pair whose p99(B) is over the limit is run once more, and the test fails only if that one is
  // over too. Both pairs carry the same trades; what a second pair can change is the machine: a
  // shared 2-core VM has stretches in which every latency doubles, and one falling on run B alone is
  // the limit. Slow consumers that really hurt the healthy ones do it in every pair.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    pair_result r;
    run_pair(redis, dir, attempt, r);
    if (HasFailure()) return;
    const std::int64_t limit = std::max<std::int64_t>(2 * r.p99a, r.p99a + 2'000'000);
    std::printf("pair %d: p99(B) %.3f ms, limit %.3f ms\n", attempt, static_cast<double>(r.p99b) / 1e6,
                static_cast<double>(limit) / 1e6);
    if (r.p99b <= limit) break;
    if (attempt == 2) ADD_FAILURE() << "slow consumers hurt the healthy clients' p99 in both pairs of runs";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - test_start, 200s);
}
