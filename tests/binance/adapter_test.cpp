// binance_adapter end to end over loopback: a fake Binance (combined-stream WebSocket + REST depth
// snapshots) in this process, the real feed::ws_client and feed::http_get in between.
#include "adapters/binance/adapter.hpp"

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>

#include "adapters/common/wire_shape.hpp"
#include "core/metrics.hpp"
#include "support/exchange_test_util.hpp"

namespace mdfan::adapters {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// A fake Binance: one WebSocket connection at a time (messages queued by the test are written to
// it) and a REST server answering /api/v3/depth from per-symbol response lists.
class fake_binance {
 public:
  struct response {
    unsigned status;
    std::string body;
  };

  fake_binance() {
    ws_thread_ = std::thread([this] { ws_loop(); });
    http_thread_ = std::thread([this] { http_loop(); });
  }
  ~fake_binance() {
    stop_ = true;
    ws_thread_.join();
    http_thread_.join();
  }

  std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(ws_acc_.local_endpoint().port()); }
  std::string rest_url() const { return "http://127.0.0.1:" + std::to_string(http_acc_.local_endpoint().port()); }

  // Closes the current WebSocket connection from the server side.
  void drop() { drop_ = true; }

  void send(std::string msg) {
    std::lock_guard lock(mu_);
    out_.push_back(std::move(msg));
  }
  // Replaces the answers for a symbol; the last one is repeated for further requests.
  void set_rest(const std::string& symbol, std::vector<response> r) {
    std::lock_guard lock(mu_);
    rest_[symbol] = std::deque<response>(r.begin(), r.end());
  }
  int connections() const {
    std::lock_guard lock(mu_);
    return connections_;
  }
  bool connected() const { return connected_; }
  std::string last_target() const {
    std::lock_guard lock(mu_);
    return last_target_;
  }
  int rest_requests(const std::string& symbol) const {
    std::lock_guard lock(mu_);
    auto it = rest_count_.find(symbol);
    return it == rest_count_.end() ? 0 : it->second;
  }
  std::string last_rest_target() const {
    std::lock_guard lock(mu_);
    return last_rest_target_;
  }

 private:
  bool accept(tcp::acceptor& acc, tcp::socket& sock) {
    while (!stop_) {
      if (!wait_readable(acc.native_handle(), 10)) continue;
      error_code ec;
      acc.accept(sock, ec);
      if (!ec) return true;
    }
    return false;
  }

  void ws_loop() {
    while (!stop_) {
      tcp::socket sock(ioc_);
      if (!accept(ws_acc_, sock)) return;
      error_code ec;
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(sock, buf, req, ec);
      if (ec) continue;
      {
        std::lock_guard lock(mu_);
        last_target_ = std::string(req.target());
        ++connections_;
      }
      websocket::stream<tcp::socket> ws(std::move(sock));
      ws.accept(req, ec);
      if (ec) continue;
      ws.text(true);
      connected_ = true;
      while (!stop_ && !ec) {
        std::deque<std::string> out;
        {
          std::lock_guard lock(mu_);
          out.swap(out_);
        }
        for (const auto& m : out) {
          ws.write(net::buffer(m), ec);
          if (ec) break;
        }
        if (drop_.exchange(false)) {
          ws.next_layer().close(ec);
          break;
        }
        // The client sends nothing but a close frame (or just goes away): either ends the connection.
        if (!ec && wait_readable(ws.next_layer().native_handle(), 5)) {
          beast::flat_buffer in;
          ws.read(in, ec);
          if (!ec) ec = net::error::eof;
        }
      }
      connected_ = false;
    }
  }

  void http_loop() {
    while (!stop_) {
      tcp::socket sock(ioc_);
      if (!accept(http_acc_, sock)) return;
      error_code ec;
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(sock, buf, req, ec);
      if (ec) continue;
      const std::string target(req.target());
      std::string symbol;
      if (auto p = target.find("symbol="); p != std::string::npos)
        symbol = target.substr(p + 7, target.find('&', p) - (p + 7));
      response r{400, R"({"code":-1121,"msg":"Invalid symbol."})"};
      {
        std::lock_guard lock(mu_);
        last_rest_target_ = target;
        ++rest_count_[symbol];
        auto& q = rest_[symbol];
        if (!q.empty()) {
          r = q.front();
          if (q.size() > 1) q.pop_front();
        }
      }
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(false);
      res.body() = r.body;
      res.prepare_payload();
      http::write(sock, res, ec);
      sock.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  net::io_context ioc_;
  tcp::acceptor ws_acc_{ioc_, {net::ip::make_address("127.0.0.1"), 0}};
  tcp::acceptor http_acc_{ioc_, {net::ip::make_address("127.0.0.1"), 0}};
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<bool> drop_{false};
  mutable std::mutex mu_;
  std::deque<std::string> out_;
  std::map<std::string, std::deque<response>> rest_;
  std::map<std::string, int> rest_count_;
  int connections_ = 0;
  std::string last_target_, last_rest_target_;
  std::thread ws_thread_, http_thread_;
};

// Collects what the adapter emits (from its strands).
struct collector {
  void add(event&& e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  }
  std::vector<event> copy() const {
    std::lock_guard lock(mu);
    return events;
  }
  std::vector<book_update> books(const std::string& instrument) const {
    std::vector<book_update> out;
    for (const auto& e : copy())
      if (auto* b = std::get_if<book_update>(&e); b && b->instrument == instrument) out.push_back(*b);
    return out;
  }
  std::size_t size() const {
    std::lock_guard lock(mu);
    return events.size();
  }
  mutable std::mutex mu;
  std::vector<event> events;
};

std::string depth(const std::string& sym, std::uint64_t U, std::uint64_t u, const std::string& bids = "[]",
                  const std::string& asks = "[]") {
  std::string upper = sym;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return R"({"stream":")" + sym + R"(@depth@100ms","data":{"e":"depthUpdate","E":1672515782136,"s":")" + upper +
         R"(","U":)" + std::to_string(U) + R"(,"u":)" + std::to_string(u) + R"(,"b":)" + bids + R"(,"a":)" + asks +
         "}}";
}

std::string snapshot_body(std::uint64_t id) {
  return R"({"lastUpdateId":)" + std::to_string(id) + R"(,"bids":[["10.00","1"]],"asks":[["11.00","1"]]})";
}

constexpr std::string_view label = R"(exchange="binance")";

TEST(BinanceAdapter, EndToEndOverLoopback) {
  fake_binance ex;
  net::io_context ioc;
  auto guard = net::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  metrics_registry metrics;
  collector got;

  binance_config cfg;
  cfg.ws_url = ex.ws_url();
  cfg.rest_url = ex.rest_url();
  cfg.symbols = {"BTCUSDT", "ETH-USDT"};
  cfg.channels = {"trade", "depth@100ms"};
  cfg.ws_backoff = {20ms, 100ms, 2.0};
  cfg.rest_backoff = {20ms, 100ms, 2.0};
  cfg.rest_timeout = 2s;
  {
    binance_adapter adapter(
        ioc.get_executor(), cfg, [&](event&& e) { got.add(std::move(e)); }, nullptr, metrics);
    EXPECT_EQ(adapter.connection_count(), 1u);
    adapter.start();
    ASSERT_TRUE(wait_for([&] { return ex.connected(); }));
    EXPECT_EQ(ex.last_target(), "/stream?streams=btcusdt@trade/btcusdt@depth@100ms/ethusdt@trade/ethusdt@depth@100ms");

    // A trade comes straight out.
    ex.send(
        R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"43012.10","q":"0.5","T":2,"m":false,"M":true}})");
    ASSERT_TRUE(wait_for([&] { return got.size() == 1; }));
    {
      const auto t = std::get<trade>(got.copy()[0]);
      EXPECT_EQ(t.instrument, "BTC-USDT");
      EXPECT_EQ(t.price.str(), "43012.10");
      EXPECT_GT(t.receive_ts_ns, 0);
    }

    // Book sync: the first REST answer fails, the retry brings the snapshot.
    ex.set_rest("BTCUSDT", {{500, "oops"}, {200, snapshot_body(102)}});
    ex.send(depth("btcusdt", 100, 105, R"([["9.50","2"]])"));
    ASSERT_TRUE(wait_for([&] { return got.books("BTC-USDT").size() == 1; }));
    {
      const auto b = got.books("BTC-USDT")[0];
      EXPECT_TRUE(b.snapshot);
      EXPECT_EQ(b.sequence, 105u);
      ASSERT_EQ(b.bids.size(), 2u);
      EXPECT_EQ(b.bids[1].price.str(), "9.50");
    }
    EXPECT_EQ(ex.rest_requests("BTCUSDT"), 2);
    EXPECT_EQ(ex.last_rest_target(), "/api/v3/depth?symbol=BTCUSDT&limit=1000");
    EXPECT_EQ(metrics.value("mdfan_adapter_snapshot_failures_total", label), 1);
    EXPECT_EQ(metrics.value("mdfan_adapter_books_synced", label), 1);

    ex.send(depth("btcusdt", 106, 107, "[]", R"([["11.00","0"],["12.00","3"]])"));
    ASSERT_TRUE(wait_for([&] { return got.books("BTC-USDT").size() == 2; }));
    {
      const auto d = got.books("BTC-USDT")[1];
      EXPECT_FALSE(d.snapshot);
      EXPECT_EQ(d.first_sequence, 106u);
      EXPECT_EQ(d.sequence, 107u);
      ASSERT_EQ(d.asks.size(), 2u);
      EXPECT_EQ(d.asks[0].size.str(), "0");
    }

    // The other symbol syncs on its own.
    ex.set_rest("ETHUSDT", {{200, snapshot_body(50)}});
    ex.send(depth("ethusdt", 49, 51));
    ASSERT_TRUE(wait_for([&] { return got.books("ETH-USDT").size() == 1; }));

    // A gap on BTC resyncs BTC only (the first snapshot offered is too old: fetched again).
    ex.set_rest("BTCUSDT", {{200, snapshot_body(100)}, {200, snapshot_body(120)}});
    ex.send(depth("btcusdt", 110, 121));
    ASSERT_TRUE(wait_for([&] { return got.books("BTC-USDT").size() == 3; }));
    EXPECT_TRUE(got.books("BTC-USDT")[2].snapshot);
    EXPECT_EQ(got.books("BTC-USDT")[2].sequence, 121u);
    const auto resyncs = [&](const char* reason) {
      return metrics.value("mdfan_adapter_resyncs_total",
                           fmt::format(R"(exchange="binance",instrument="BTC-USDT",reason="{}")", reason));
    };
    EXPECT_EQ(resyncs("gap"), 1);
    EXPECT_EQ(metrics.value("mdfan_adapter_book_gaps_total", label), 1);
    ex.send(depth("ethusdt", 52, 52, R"([["10.50","1"]])"));
    ASSERT_TRUE(wait_for([&] { return got.books("ETH-USDT").size() == 2; }));
    EXPECT_FALSE(got.books("ETH-USDT")[1].snapshot);  // ETH kept its book

    // Malformed traffic is counted; a malformed BTC depth message resyncs BTC.
    ex.send("garbage{");
    ASSERT_TRUE(wait_for([&] { return metrics.value("mdfan_adapter_malformed_total", label) == 1; }));
    ex.send(R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":"x"}})");
    ASSERT_TRUE(wait_for([&] { return resyncs("malformed") == 1; }));
    EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", label), 2);
    EXPECT_EQ(metrics.value("mdfan_adapter_books_synced", label), 1);  // ETH only

    // The connection drops: the adapter reconnects (same streams) and every book resyncs.
    const auto before = got.size();
    ex.drop();
    ASSERT_TRUE(wait_for([&] { return ex.connections() == 2 && ex.connected(); }));
    EXPECT_EQ(ex.last_target(), "/stream?streams=btcusdt@trade/btcusdt@depth@100ms/ethusdt@trade/ethusdt@depth@100ms");
    ASSERT_TRUE(wait_for([&] { return metrics.value("mdfan_adapter_books_synced", label) == 0; }));
    EXPECT_EQ(got.size(), before);
    ex.set_rest("ETHUSDT", {{200, snapshot_body(60)}});
    ex.send(depth("ethusdt", 60, 61));
    ASSERT_TRUE(wait_for([&] { return got.books("ETH-USDT").size() == 3; }));
    EXPECT_TRUE(got.books("ETH-USDT")[2].snapshot);
    EXPECT_EQ(got.books("ETH-USDT")[2].sequence, 61u);
    EXPECT_EQ(metrics.value("mdfan_adapter_messages_total", label), 9);
    EXPECT_EQ(metrics.value(fast_path_metric, label), 7);  // all but the two malformed ones
    EXPECT_EQ(
        metrics.value("mdfan_adapter_resyncs_total", R"(exchange="binance",instrument="ETH-USDT",reason="reconnect")"),
        1);
    EXPECT_EQ(resyncs("gap"), 1);
    EXPECT_EQ(resyncs("malformed"), 1);

    ASSERT_TRUE(test::stop_and_wait(adapter));
    const auto after_stop = got.size();
    ex.send(depth("ethusdt", 62, 62));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(got.size(), after_stop);
  }
  guard.reset();
  ioc.stop();
  io.join();
}

// serverShutdown (raw or combined) is answered with an immediate reconnect.
TEST(BinanceAdapter, ServerShutdownReconnects) {
  fake_binance ex;
  net::io_context ioc;
  auto guard = net::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  metrics_registry metrics;
  collector got;
  binance_config cfg;
  cfg.ws_url = ex.ws_url();
  cfg.rest_url = ex.rest_url();
  cfg.symbols = {"BNBBTC"};
  cfg.channels = {"trade"};
  cfg.ws_backoff = {20ms, 100ms, 2.0};
  {
    binance_adapter adapter(
        ioc.get_executor(), cfg, [&](event&& e) { got.add(std::move(e)); }, nullptr, metrics);
    adapter.start();
    ASSERT_TRUE(wait_for([&] { return ex.connected(); }));
    ex.send(R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}})");
    ASSERT_TRUE(wait_for([&] { return ex.connections() == 2 && ex.connected(); }));
    ex.send(R"({"e":"serverShutdown","E":1770123456789})");
    ASSERT_TRUE(wait_for([&] { return ex.connections() == 3 && ex.connected(); }));
    EXPECT_EQ(got.size(), 0u);
    EXPECT_EQ(metrics.value("mdfan_adapter_malformed_total", label), 0);
    ASSERT_TRUE(test::stop_and_wait(adapter));
  }
  guard.reset();
  ioc.stop();
  io.join();
}

}  // namespace
}  // namespace mdfan::adapters
