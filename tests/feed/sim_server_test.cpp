// The Binance simulator over loopback: book sync through REST + diffs, volume, bounds and faults.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "adapters/sim/binance_sim.hpp"
#include "feed/ws_client.hpp"
#include "feed_test_util.hpp"
#include "support/ws_client.hpp"

namespace mdfan::sim {
namespace {

using namespace std::chrono_literals;
using test::quiet;
using test::wait_until;

std::string url(const binance_sim& s, std::string_view target) {
  return "ws://127.0.0.1:" + std::to_string(s.port()) + std::string(target);
}

// A feed client that keeps every message (up to a bound) and counts all of them.
struct feed_probe {
  metrics_registry metrics;  // members the client's handlers use outlive the io thread
  std::mutex mu;
  std::vector<std::string> messages;
  std::atomic<std::size_t> count{0};
  std::size_t keep;
  test::io_thread io;
  std::shared_ptr<feed::ws_client> client;

  feed_probe(const std::string& u, std::size_t keep_ = 100000) : keep(keep_) {
    feed::ws_client_config cfg;
    cfg.url = u;
    cfg.name = "probe";
    feed::ws_handlers h;
    h.on_message = [this](std::string_view m, std::int64_t) {
      std::lock_guard lock(mu);
      if (messages.size() < keep) messages.emplace_back(m);
      ++count;
    };
    client = feed::make_ws_client(io.executor(), cfg, h, quiet(), metrics);
    client->start();
  }
  ~feed_probe() {
    std::atomic<bool> done{false};
    client->stop([&] { done = true; });
    wait_until([&] { return done.load(); }, 5s);
  }
  std::vector<std::string> take() {
    std::lock_guard lock(mu);
    return messages;
  }
};

// The Binance local-book algorithm over the wire: buffer diffs, fetch the snapshot, drop what it
// covers, then apply with U == previous u + 1.
TEST(sim_server, diff_depth_syncs_with_the_rest_snapshot) {
  sim_config cfg;
  cfg.rate = 5000;
  binance_sim sim(cfg, quiet());
  sim.start();
  feed_probe probe(url(sim, "/ws/btcusdt@depth@100ms"));
  ASSERT_TRUE(wait_until([&] { return probe.count >= 1; }));

  test::io_thread io;
  std::atomic<bool> got{false};
  std::string body;
  unsigned status = 0;
  feed::http_get(io.executor(), "http://127.0.0.1:" + std::to_string(sim.port()) + "/api/v3/depth?symbol=BTCUSDT&limit=5000",
                 5s, [&](error_code ec, unsigned s, std::string b) {
                   EXPECT_FALSE(ec) << ec.message();
                   status = s;
                   body = std::move(b);
                   got = true;
                 });
  ASSERT_TRUE(wait_until([&] { return got.load(); }));
  ASSERT_EQ(status, 200u);
  ASSERT_TRUE(wait_until([&] { return probe.count >= 15; }));

  simdjson::dom::parser p;
  test::local_book book;
  book.load(p.parse(body).value());
  const auto diffs = probe.take();
  ASSERT_LT(diffs.front().find(R"("U":)"), diffs.front().size());
  auto first = p.parse(diffs.front()).get_object().value();
  ASSERT_LE(first["U"].get_uint64().value(), book.id) << "snapshot older than the first buffered diff";

  std::uint64_t prev_u = 0;
  bool synced = false;
  std::size_t applied = 0;
  for (const auto& m : diffs) {
    auto d = p.parse(m).get_object().value();
    EXPECT_EQ(std::string(d["e"].get_string().value()), "depthUpdate");
    const auto U = d["U"].get_uint64().value(), u = d["u"].get_uint64().value();
    if (prev_u) {
      ASSERT_EQ(U, prev_u + 1);
    }
    prev_u = u;
    if (u <= book.id) continue;
    if (!synced) {
      ASSERT_LE(U, book.id + 1);
    }
    test::local_book::apply_levels(book.bids, d["b"].get_array().value());
    test::local_book::apply_levels(book.asks, d["a"].get_array().value());
    book.id = u;
    synced = true;
    ++applied;
    ASSERT_FALSE(book.crossed());
  }
  EXPECT_GE(applied, 5u);
}

TEST(sim_server, delivers_twenty_thousand_messages) {
  sim_config cfg;
  cfg.rate = 200000;
  binance_sim sim(cfg, quiet());
  sim.start();
  std::string streams;
  for (const auto* s : {"btcusdt", "ethusdt"})
    for (const auto* k : {"@trade", "@aggTrade", "@ticker", "@bookTicker", "@depth", "@depth@100ms", "@kline_1m"})
      streams += std::string(streams.empty() ? "" : "/") + s + k;
  feed_probe probe(url(sim, "/stream?streams=" + streams), 10);
  ASSERT_TRUE(wait_until([&] { return probe.count >= 20000; }, 20s)) << probe.count;
  EXPECT_GE(sim.stats().generated, 20000u);
  // `sent` is counted when a write completes, which can be after the client has read its bytes.
  EXPECT_TRUE(wait_until([&] { return sim.stats().sent >= 20000u; }, 5s)) << sim.stats().sent;
}

TEST(sim_server, same_seed_same_trades_on_the_wire) {
  sim_config cfg;
  cfg.rate = 4000;
  cfg.seed = 77;
  cfg.start_time_ms = 1'700'000'000'000;
  binance_sim a(cfg, quiet()), b(cfg, quiet());
  a.start();
  b.start();
  feed_probe pa(url(a, "/ws/btcusdt@trade")), pb(url(b, "/ws/btcusdt@trade"));
  ASSERT_TRUE(wait_until([&] { return pa.count >= 300 && pb.count >= 300; }));
  // The two clients joined at slightly different points: compare the trades both saw, by id.
  simdjson::dom::parser p;
  std::map<std::uint64_t, std::string> by_id;
  for (const auto& m : pa.take()) by_id[p.parse(m).get_object().value()["t"].get_uint64().value()] = m;
  std::size_t common = 0;
  for (const auto& m : pb.take()) {
    const auto it = by_id.find(p.parse(m).get_object().value()["t"].get_uint64().value());
    if (it == by_id.end()) continue;
    EXPECT_EQ(it->second, m);
    ++common;
  }
  EXPECT_GE(common, 100u);
}

TEST(sim_server, slow_consumer_is_disconnected_with_a_reason) {
  sim_config cfg;
  cfg.rate = 50000;
  cfg.max_queue_messages = 500;
  binance_sim sim(cfg, quiet());
  sim.start();
  test::ws_client_options opts;
  opts.receive_buffer_bytes = 4096;
  test::ws_client slow(opts);
  ASSERT_TRUE(slow.connect(sim.port(), "/stream?streams=btcusdt@trade/btcusdt@bookTicker/ethusdt@trade/ethusdt@bookTicker"))
      << slow.error();
  ASSERT_TRUE(wait_until([&] { return sim.stats().slow_disconnects >= 1; }, 15s));
  // Draining what was buffered reaches the close frame; the reason names the policy.
  ASSERT_TRUE(slow.wait_closed(10s));
  if (slow.close_code() != 0) {
    EXPECT_EQ(slow.close_code(), 1008);
    EXPECT_EQ(slow.close_reason(), "slow consumer: send queue full");
  }
  EXPECT_TRUE(wait_until([&] { return sim.stats().open_connections == 0; }, 5s));
}

TEST(sim_server, connection_limit_and_request_errors) {
  sim_config cfg;
  cfg.max_connections = 2;
  binance_sim sim(cfg, quiet());
  sim.start();
  test::ws_client c1, c2, c3;
  ASSERT_TRUE(c1.connect(sim.port(), "/ws"));
  ASSERT_TRUE(c2.connect(sim.port(), "/ws"));
  EXPECT_FALSE(c3.connect(sim.port(), "/ws", 2s));
  EXPECT_GE(sim.stats().rejected, 1u);

  ASSERT_TRUE(c1.send("{nope"));
  auto reply = c1.read_until([](std::string_view m) { return m.find("error") != std::string_view::npos; });
  ASSERT_TRUE(reply);
  EXPECT_NE(reply->find(R"("code":3)"), std::string::npos) << *reply;
  ASSERT_TRUE(c1.send(R"({"method":"SET_PROPERTY","params":["combined",true],"id":1})"));
  ASSERT_TRUE(c1.read_until([](std::string_view m) { return m == R"({"result":null,"id":1})"; }));
  ASSERT_TRUE(c1.send(R"({"method":"SUBSCRIBE","params":["ethusdt@aggTrade"],"id":2})"));
  auto framed = c1.read_until([](std::string_view m) { return m.find(R"("stream":"ethusdt@aggTrade")") == 1; });
  EXPECT_TRUE(framed);  // combined framing switched on for this raw connection

  c2.close();
  ASSERT_TRUE(wait_until([&] { return sim.stats().open_connections == 1; }, 5s));
  EXPECT_TRUE(c3.connect(sim.port(), "/ws/btcusdt@trade"));  // room again
}

TEST(sim_server, rest_and_upgrade_errors) {
  binance_sim sim(sim_config{}, quiet());
  sim.start();
  test::ws_client bad;
  EXPECT_FALSE(bad.connect(sim.port(), "/ws/btcusdt@nonsense"));
  EXPECT_FALSE(bad.connect(sim.port(), "/elsewhere"));
  EXPECT_EQ(test::http_get(sim.port(), "/api/v3/depth?symbol=BTCUSDT&limit=abc").status, 400);
  EXPECT_EQ(test::http_get(sim.port(), "/api/v3/depth").status, 400);
  EXPECT_EQ(test::http_get(sim.port(), "/api/v3/ping").body, "{}");
  EXPECT_EQ(test::http_get(sim.port(), "/nothing").status, 404);
  const auto big = test::http_get(sim.port(), "/api/v3/depth?symbol=ETHUSDT&limit=100000");
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.content_type, "application/json;charset=UTF-8");
}

TEST(sim_server, pause_and_message_hook) {
  sim_config cfg;
  cfg.rate = 5000;
  binance_sim sim(cfg, quiet());
  sim.start();
  feed_probe probe(url(sim, "/stream?streams=btcusdt@trade/btcusdt@bookTicker"));
  ASSERT_TRUE(wait_until([&] { return probe.count >= 10; }));

  sim.set_message_hook([](std::string_view stream, sim_message&) { return stream != "btcusdt@bookTicker"; });
  sim.set_paused(true);
  // Once the pause has landed and the pipe has drained, nothing moves: a silent exchange.
  const auto settled = [&] {
    const auto g = sim.stats().generated;
    const auto c = probe.count.load();
    std::this_thread::sleep_for(100ms);
    return sim.stats().generated == g && probe.count.load() == c;
  };
  ASSERT_TRUE(wait_until(settled, 10s));
  const auto paused_at = probe.count.load();
  const auto generated_at = sim.stats().generated;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(sim.stats().generated, generated_at);
  EXPECT_EQ(probe.count.load(), paused_at);

  {
    std::lock_guard lock(probe.mu);
    probe.messages.clear();
  }
  sim.set_paused(false);
  ASSERT_TRUE(wait_until([&] { return probe.count >= paused_at + 50; }));
  for (const auto& m : probe.take()) EXPECT_EQ(m.find("bookTicker"), std::string::npos) << m;
}

// Not a test: a manual throughput probe (speed belongs in benchmarks, not in assertions).
//   feed_integration_test --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_throughput*'
// MDFAN_SIM_RATE sets the offered rate (default 1,000,000 msg/s; the simulator caps bursts at 50 ms).
TEST(sim_server, DISABLED_throughput) {
  sim_config cfg;
  cfg.rate = std::getenv("MDFAN_SIM_RATE") ? std::atof(std::getenv("MDFAN_SIM_RATE")) : 1e6;
  binance_sim sim(cfg, quiet());
  sim.start();
  std::string streams;
  for (const auto* s : {"btcusdt", "ethusdt"})
    for (const auto* k : {"@trade", "@aggTrade", "@ticker", "@bookTicker", "@depth", "@depth@100ms", "@kline_1m"})
      streams += std::string(streams.empty() ? "" : "/") + s + k;
  feed_probe probe(url(sim, "/stream?streams=" + streams), 0);
  ASSERT_TRUE(wait_until([&] { return probe.count >= 1000; }));
  const auto c0 = probe.count.load();
  const auto s0 = sim.stats();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(3s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto s1 = sim.stats();
  std::printf("offered %.0f msg/s: generated %.0f/s, sent %.0f/s (%.1f MB/s), received %.0f/s, slow %llu\n", cfg.rate,
              static_cast<double>(s1.generated - s0.generated) / secs, static_cast<double>(s1.sent - s0.sent) / secs,
              static_cast<double>(s1.sent_bytes - s0.sent_bytes) / secs / 1e6,
              static_cast<double>(probe.count.load() - c0) / secs,
              static_cast<unsigned long long>(s1.slow_disconnects));
}


// Not a test either: the simulator's own capacity, read by a trivial frame counter on a raw socket
// (the Beast-based client above costs several times more per message than the simulator).
TEST(sim_server, DISABLED_throughput_raw_reader) {
  sim_config cfg;
  cfg.rate = std::getenv("MDFAN_SIM_RATE") ? std::atof(std::getenv("MDFAN_SIM_RATE")) : 1e6;
  binance_sim sim(cfg, quiet());
  sim.start();
  std::string streams;
  for (const auto* s : {"btcusdt", "ethusdt"})
    for (const auto* k : {"@trade", "@aggTrade", "@ticker", "@bookTicker", "@depth", "@depth@100ms", "@kline_1m"})
      streams += std::string(streams.empty() ? "" : "/") + s + k;
  net::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), sim.port()));
  const std::string req = "GET /stream?streams=" + streams +
                          " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  net::write(sock, net::buffer(req));
  std::vector<std::uint8_t> buf(1 << 20);
  std::size_t have = 0, frames = 0;
  bool upgraded = false;
  const auto t0 = std::chrono::steady_clock::now();
  const auto s0 = sim.stats();
  while (std::chrono::steady_clock::now() - t0 < 3s) {
    error_code ec;
    have += sock.read_some(net::buffer(buf.data() + have, buf.size() - have), ec);
    if (ec) break;
    std::size_t pos = 0;
    if (!upgraded) {
      const std::string_view head(reinterpret_cast<const char*>(buf.data()), have);
      const auto end = head.find("\r\n\r\n");
      if (end == std::string_view::npos) continue;
      upgraded = true;
      pos = end + 4;
    }
    for (;;) {  // server frames: unmasked, 2- or 4-byte headers for these sizes
      if (have - pos < 2) break;
      std::size_t len = buf[pos + 1] & 0x7f, hdr = 2;
      if (len == 126) {
        if (have - pos < 4) break;
        len = (std::size_t{buf[pos + 2]} << 8) | buf[pos + 3];
        hdr = 4;
      }
      if (have - pos < hdr + len) break;
      pos += hdr + len;
      ++frames;
    }
    std::memmove(buf.data(), buf.data() + pos, have - pos);
    have -= pos;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto s1 = sim.stats();
  std::printf("offered %.0f msg/s: generated %.0f/s, sent %.0f/s, raw reader counted %.0f frames/s, slow %llu\n",
              cfg.rate, static_cast<double>(s1.generated - s0.generated) / secs,
              static_cast<double>(s1.sent - s0.sent) / secs, static_cast<double>(frames) / secs,
              static_cast<unsigned long long>(s1.slow_disconnects));
}

}  // namespace
}  // namespace mdfan::sim
