// End to end: simulator -> host -> Redis -> two executors -> WebSocket clients, all real processes.
// Over the window in which every client is subscribed, each client must see exactly the trades the host
// saw: none missing, none twice, in order per channel, with byte-identical prices and sizes.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

using namespace std::chrono_literals;
namespace t = mdfan::test;

namespace {

struct trade_seen {
  std::uint64_t id;
  std::string price, size, raw;
};

// Trades one client saw, per topic, in arrival order.
struct client_log {
  std::string name;
  std::map<std::string, std::vector<trade_seen>> by_topic;
  std::size_t frames = 0;
  std::string error;
};

std::uint64_t metric(const std::string& text, const std::string& name) {
  // Sums every sample of `name` (any labels).
  std::uint64_t sum = 0;
  std::size_t pos = 0;
  while ((pos = text.find(name, pos)) != std::string::npos) {
    const bool line_start = pos == 0 || text[pos - 1] == '\n';
    const char next = pos + name.size() < text.size() ? text[pos + name.size()] : '\n';
    const auto eol = text.find('\n', pos);
    if (line_start && (next == ' ' || next == '{')) {
      const auto sp = text.rfind(' ', eol);
      sum += std::stoull(text.substr(sp + 1, eol - sp - 1));
    }
    pos = eol == std::string::npos ? text.size() : eol;
  }
  return sum;
}

struct instance {
  std::uint16_t port;
  t::child_process proc;
};

instance start_mdfan(const std::string& dir, const std::string& name, std::vector<std::string> args) {
  instance in{t::free_port(), {}};
  std::vector<std::string> argv{MDFAN_BINARY, "--listen", "127.0.0.1:" + std::to_string(in.port), "--threads", "1"};
  argv.insert(argv.end(), args.begin(), args.end());
  in.proc = t::child_process(argv, dir + "/" + name + ".log");
  if (!t::wait_for_port(in.port, 15s)) {
    ADD_FAILURE() << name << " did not listen; log:\n" << t::read_file(dir + "/" + name + ".log");
  }
  return in;
}

void collect(t::ws_client& ws, client_log& log, std::chrono::steady_clock::time_point until) {
  simdjson::ondemand::parser parser;
  while (std::chrono::steady_clock::now() < until) {
    auto frame = ws.read(200ms);
    if (!frame) {
      if (!ws.is_open()) {
        log.error = "connection closed";
        return;
      }
      continue;
    }
    ++log.frames;
    simdjson::padded_string padded(*frame);
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc)) continue;
    std::string_view type, instr, id, price, size;
    if (doc["type"].get_string().get(type) || type != "trade") continue;
    if (doc["instrument"].get_string().get(instr)) continue;
    if (doc["id"].get_string().get(id) || doc["price"].get_string().get(price) ||
        doc["size"].get_string().get(size)) {
      log.error = "trade without id/price/size: " + *frame;
      return;
    }
    log.by_topic[std::string(instr)].push_back(
        {std::stoull(std::string(id)), std::string(price), std::string(size), *frame});
  }
}

}  // namespace

TEST(e2e, host_to_two_executors_every_client_sees_the_same_trades) {
  const std::string dir = t::make_temp_dir("e2e");
  t::redis_server redis;
  const std::uint16_t sim_port = t::free_port();
  t::child_process sim({MDFAN_BINARY, "sim", "--listen", "127.0.0.1:" + std::to_string(sim_port), "--symbols",
                        "BTCUSDT,ETHUSDT", "--rate", "2000", "--seed", "7"},
                       dir + "/sim.log");
  ASSERT_TRUE(t::wait_for_port(sim_port, 15s)) << t::read_file(dir + "/sim.log");
  const std::string sim_ws = "ws://127.0.0.1:" + std::to_string(sim_port);
  const std::string sim_rest = "http://127.0.0.1:" + std::to_string(sim_port);

  auto host = start_mdfan(dir, "host",
                          {"--role", "host", "--redis-url", redis.url(), "--symbols", "BTCUSDT,ETHUSDT",
                           "--exchange-ws-url", sim_ws, "--exchange-rest-url", sim_rest});
  auto exec1 = start_mdfan(dir, "exec1", {"--role", "executor", "--redis-url", redis.url()});
  auto exec2 = start_mdfan(dir, "exec2", {"--role", "executor", "--redis-url", redis.url()});

  const std::string subscribe =
      R"({"op":"subscribe","topics":["trade:binance:BTC-USDT","trade:binance:ETH-USDT"],"id":1})";
  struct client {
    std::string name;
    std::uint16_t port;
    std::unique_ptr<t::ws_client> ws;
    client_log log;
  };
  std::vector<client> clients;
  clients.push_back({"host", host.port, nullptr, {}});
  clients.push_back({"exec1-a", exec1.port, nullptr, {}});
  clients.push_back({"exec1-b", exec1.port, nullptr, {}});
  clients.push_back({"exec2", exec2.port, nullptr, {}});
  for (auto& c : clients) {
    c.log.name = c.name;
    c.ws = std::make_unique<t::ws_client>();
    ASSERT_TRUE(c.ws->connect(c.port, "/ws")) << c.name << ": " << c.ws->error();
    ASSERT_TRUE(c.ws->send(subscribe));
    const auto ack = c.ws->read_until(
        [](std::string_view f) { return f.find(R"("op":"subscribed")") != std::string_view::npos; }, 10s);
    ASSERT_TRUE(ack) << c.name << " got no subscribe ack";
  }

  // Executors subscribe in Redis asynchronously; wait until both are subscribed to the channels.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline &&
         redis.cli("PUBSUB NUMSUB md:trade:binance:BTC-USDT md:trade:binance:ETH-USDT") != "md:trade:binance:BTC-USDT\n2\nmd:trade:binance:ETH-USDT\n2")
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(redis.cli("PUBSUB NUMSUB md:trade:binance:BTC-USDT md:trade:binance:ETH-USDT"),
            "md:trade:binance:BTC-USDT\n2\nmd:trade:binance:ETH-USDT\n2")
      << "executors did not subscribe in Redis (and the host must not)";

  const auto until = std::chrono::steady_clock::now() + 4s;
  std::vector<std::thread> readers;
  for (auto& c : clients) readers.emplace_back([&c, until] { collect(*c.ws, c.log, until); });
  for (auto& r : readers) r.join();

  for (const auto& c : clients) ASSERT_TRUE(c.log.error.empty()) << c.name << ": " << c.log.error;

  for (const std::string instr : {"BTC-USDT", "ETH-USDT"}) {
    // The window every client covered: from the latest first id to the earliest last id.
    std::uint64_t lo = 0, hi = UINT64_MAX;
    for (const auto& c : clients) {
      const auto it = c.log.by_topic.find(instr);
      ASSERT_TRUE(it != c.log.by_topic.end() && !it->second.empty()) << c.name << " saw no " << instr << " trades";
      lo = std::max(lo, it->second.front().id);
      hi = std::min(hi, it->second.back().id);
    }
    ASSERT_LT(lo + 50, hi) << "window too small for " << instr;
    const auto& reference = clients[0].log.by_topic.at(instr);  // the host's own view
    std::vector<const trade_seen*> ref_window;
    for (const auto& tr : reference)
      if (tr.id >= lo && tr.id <= hi) ref_window.push_back(&tr);
    // The simulator numbers trades 1, 2, 3 … per symbol: the host itself missed none.
    ASSERT_EQ(ref_window.size(), hi - lo + 1) << "host missed trades of " << instr;
    for (std::size_t i = 0; i < ref_window.size(); ++i) ASSERT_EQ(ref_window[i]->id, lo + i);

    for (const auto& c : clients) {
      std::vector<const trade_seen*> window;
      for (const auto& tr : c.log.by_topic.at(instr))
        if (tr.id >= lo && tr.id <= hi) window.push_back(&tr);
      ASSERT_EQ(window.size(), ref_window.size()) << c.name << " " << instr << ": missing or duplicate trades";
      for (std::size_t i = 0; i < window.size(); ++i) {
        ASSERT_EQ(window[i]->id, ref_window[i]->id) << c.name << " " << instr << " out of order at " << i;
        ASSERT_EQ(window[i]->price, ref_window[i]->price) << c.name;
        ASSERT_EQ(window[i]->size, ref_window[i]->size) << c.name;
        ASSERT_EQ(window[i]->raw, ref_window[i]->raw) << c.name << ": frames differ byte for byte";
      }
    }
  }

  // Executors opened no exchange connection; the host got nothing back from Redis.
  for (auto* in : {&exec1, &exec2}) {
    const auto m = t::http_get(in->port, "/metrics");
    ASSERT_EQ(m.status, 200);
    EXPECT_EQ(metric(m.body, "mdfan_feed_connects_total"), 0u);
    EXPECT_GT(metric(m.body, "mdfan_bridge_received_total"), 0u);
  }
  const auto hm = t::http_get(host.port, "/metrics");
  ASSERT_EQ(hm.status, 200);
  EXPECT_GT(metric(hm.body, "mdfan_feed_connects_total"), 0u);
  EXPECT_GT(metric(hm.body, "mdfan_bridge_published_total"), 0u);
  EXPECT_EQ(metric(hm.body, "mdfan_bridge_received_total"), 0u);
  EXPECT_EQ(metric(hm.body, "mdfan_bridge_self_filtered_total"), 0u);
  EXPECT_EQ(hm.body.find(R"(mdfan_events_in_total{type="trade",source="remote"} 0)") != std::string::npos, true);

  const auto health = t::http_get(exec1.port, "/health");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_NE(health.body.find(R"("role":"executor")"), std::string::npos) << health.body;

  // Graceful shutdown: SIGTERM -> exit 0.
  for (auto* in : {&exec1, &exec2, &host}) EXPECT_EQ(in->proc.stop(10s), 0);
  sim.stop(5s);
}

// Back-pressure on the exchange side: a host whose manager may hold a single event not yet routed
// pauses its exchange connection after nearly every read (one I/O thread: the manager routes between
// reads), and loses nothing for it: the same connection throughout, no book gap or resync, books
// synced, trades reaching a client in order.
TEST(e2e, host_exchange_read_gate_pauses_without_loss) {
  const std::string dir = t::make_temp_dir("e2e-gate");
  t::redis_server redis;
  const std::uint16_t sim_port = t::free_port();
  t::child_process sim({MDFAN_BINARY, "sim", "--listen", "127.0.0.1:" + std::to_string(sim_port), "--symbols",
                        "BTCUSDT,ETHUSDT", "--rate", "5000", "--seed", "11"},
                       dir + "/sim.log");
  ASSERT_TRUE(t::wait_for_port(sim_port, 15s)) << t::read_file(dir + "/sim.log");
  auto host = start_mdfan(dir, "host",
                          {"--role", "host", "--redis-url", redis.url(), "--symbols", "BTCUSDT,ETHUSDT",
                           "--exchange-ws-url", "ws://127.0.0.1:" + std::to_string(sim_port), "--exchange-rest-url",
                           "http://127.0.0.1:" + std::to_string(sim_port), "--exchange-max-backlog", "1"});
  t::ws_client ws;
  ASSERT_TRUE(ws.connect(host.port, "/ws")) << ws.error();
  ASSERT_TRUE(ws.send(R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"],"id":1})"));
  ASSERT_TRUE(ws.read_until([](std::string_view f) { return f.find(R"("op":"subscribed")") != std::string_view::npos; },
                            10s));
  client_log log;
  collect(ws, log, std::chrono::steady_clock::now() + 3s);
  ASSERT_TRUE(log.error.empty()) << log.error;
  const auto& trades = log.by_topic["BTC-USDT"];
  ASSERT_GT(trades.size(), 100u);
  for (std::size_t i = 1; i < trades.size(); ++i) ASSERT_GT(trades[i].id, trades[i - 1].id) << "out of order";

  const auto m = t::http_get(host.port, "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_GT(metric(m.body, "mdfan_feed_read_pauses_total"), 10u) << "the gate never closed";
  EXPECT_EQ(metric(m.body, "mdfan_feed_connects_total"), 1u);
  EXPECT_EQ(metric(m.body, "mdfan_adapter_book_gaps_total"), 0u);
  EXPECT_EQ(metric(m.body, "mdfan_adapter_resyncs_total"), 0u);
  EXPECT_EQ(metric(m.body, "mdfan_adapter_malformed_total"), 0u);
  EXPECT_EQ(metric(m.body, "mdfan_adapter_books_synced"), 2u);
  EXPECT_GT(metric(m.body, "mdfan_adapter_fast_path_messages_total"), 1000u);
  EXPECT_EQ(host.proc.stop(10s), 0);
  sim.stop(5s);
}
