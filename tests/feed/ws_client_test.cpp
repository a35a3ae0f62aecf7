// ws_client and http_get against the Binance simulator running in-process on loopback.
#include "feed/ws_client.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <mutex>
#include <set>

#include <sys/socket.h>

#include "adapters/sim/binance_sim.hpp"
#include "feed/tls.hpp"
#include "feed_test_util.hpp"
#include "net/ws_frame.hpp"
#include <boost/beast/websocket/error.hpp>
#include <optional>
#include <boost/asio/write.hpp>

namespace mdfan::feed {
namespace {

using namespace std::chrono_literals;
using test::quiet;
using test::wait_until;

sim::sim_config sim_cfg(double rate = 2000) {
  sim::sim_config c;
  c.rate = rate;
  return c;
}

std::string ws_url(const sim::binance_sim& s, std::string_view target) {
  return "ws://127.0.0.1:" + std::to_string(s.port()) + std::string(target);
}

// A client plus everything its callbacks recorded.
struct recorder {
  std::mutex mu;
  std::vector<std::string> messages;
  std::vector<error_code> closes;
  std::atomic<int> opens{0};
  std::atomic<std::size_t> count{0};
  std::atomic<int> padding_errors{0};
  simdjson::dom::parser parser;  // used on the client strand only

  ws_handlers handlers(std::size_t keep = 1000, std::function<void()> on_open = {}) {
    ws_handlers h;
    h.on_open = [this, on_open] {
      ++opens;
      if (on_open) on_open();
    };
    h.on_message = [this, keep](std::string_view msg, std::int64_t) {
      // Parses in place through the padding the client promises (ASan would flag a short buffer).
      simdjson::dom::element doc;
      if (parser.parse(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size(), false).get(doc))
        ++padding_errors;
      std::lock_guard lock(mu);
      if (messages.size() < keep) messages.emplace_back(msg);
      ++count;
    };
    h.on_close = [this](const error_code& ec) {
      std::lock_guard lock(mu);
      closes.push_back(ec);
    };
    return h;
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mu);
    return messages;
  }
  std::size_t close_count() {
    std::lock_guard lock(mu);
    return closes.size();
  }
  bool saw(std::string_view needle) {
    std::lock_guard lock(mu);
    for (const auto& m : messages)
      if (m.find(needle) != std::string::npos) return true;
    return false;
  }
};

ws_client_config client_cfg(std::string url) {
  ws_client_config c;
  c.url = std::move(url);
  c.name = "t";
  c.backoff.initial = 50ms;
  c.backoff.max = 200ms;
  c.connect_timeout = 2000ms;
  return c;
}

void stop_client(const std::shared_ptr<ws_client>& c) {
  std::atomic<bool> done{false};
  c->stop([&] { done = true; });
  ASSERT_TRUE(wait_until([&] { return done.load(); }, 5s));
}

TEST(ws_client, receives_combined_stream_frames) {
  sim::binance_sim sim(sim_cfg(), quiet());
  sim.start();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  auto client = make_ws_client(io.executor(), client_cfg(ws_url(sim, "/stream?streams=btcusdt@trade/ethusdt@bookTicker")),
                               rec.handlers(), quiet(), metrics);
  EXPECT_FALSE(client->send("early"));  // not connected yet
  client->start();
  ASSERT_TRUE(wait_until([&] { return rec.count >= 20; }));
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(client->connects(), 1u);
  EXPECT_EQ(rec.padding_errors, 0);

  simdjson::dom::parser p;
  for (const auto& m : rec.snapshot()) {
    auto doc = p.parse(m).get_object().value();
    const std::string_view stream = doc["stream"].get_string().value();
    EXPECT_TRUE(stream == "btcusdt@trade" || stream == "ethusdt@bookTicker") << stream;
    EXPECT_TRUE(doc["data"].is_object());
  }
  EXPECT_EQ(metrics.value("mdfan_feed_connects_total", R"(feed="t")"), 1);
  EXPECT_GE(metrics.value("mdfan_feed_messages_total", R"(feed="t")"), 20);
  EXPECT_GT(metrics.value("mdfan_feed_bytes_total", R"(feed="t")"), 20 * 50);
  EXPECT_EQ(metrics.value("mdfan_feed_connected", R"(feed="t")"), 1);

  stop_client(client);
  EXPECT_FALSE(client->connected());
  EXPECT_FALSE(client->send("late"));
  EXPECT_EQ(metrics.value("mdfan_feed_connected", R"(feed="t")"), 0);
  EXPECT_EQ(rec.close_count(), 0u);  // stop() is not a failure
}

TEST(ws_client, live_subscribe_is_acknowledged) {
  sim::binance_sim sim(sim_cfg(), quiet());
  sim.start();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  std::shared_ptr<ws_client> client;
  auto h = rec.handlers(100000, [&] { client->send(R"({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":7})"); });
  client = make_ws_client(io.executor(), client_cfg(ws_url(sim, "/ws")), h, quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return rec.saw(R"({"result":null,"id":7})"); }));
  ASSERT_TRUE(wait_until([&] { return rec.saw(R"("e":"trade")"); }));
  EXPECT_FALSE(rec.saw(R"("stream":)"));  // raw connection: payloads are not wrapped

  ASSERT_TRUE(client->send(R"({"method":"LIST_SUBSCRIPTIONS","id":8})"));
  ASSERT_TRUE(wait_until([&] { return rec.saw(R"({"result":["btcusdt@trade"],"id":8})"); }));
  ASSERT_TRUE(client->send(R"({"method":"SUBSCRIBE","params":["btcusdt@nope"],"id":9})"));
  ASSERT_TRUE(wait_until([&] { return rec.saw(R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":9})"); }));
  EXPECT_GE(sim.stats().requests, 3u);
  stop_client(client);
}

TEST(ws_client, reconnects_after_the_server_goes_away) {
  auto first = std::make_unique<sim::binance_sim>(sim_cfg(), quiet());
  first->start();
  const auto port = first->port();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  auto client = make_ws_client(io.executor(), client_cfg(ws_url(*first, "/ws/btcusdt@trade")), rec.handlers(),
                               quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return rec.count > 0; }));
  EXPECT_EQ(client->connects(), 1u);

  first->stop();
  first.reset();
  ASSERT_TRUE(wait_until([&] { return rec.close_count() >= 1 && !client->connected(); }));
  EXPECT_EQ(metrics.value("mdfan_feed_disconnects_total", R"(feed="t")"), 1);
  std::this_thread::sleep_for(300ms);  // a few refused attempts while nothing listens

  auto cfg = sim_cfg();
  cfg.port = port;
  sim::binance_sim second(cfg, quiet());
  second.start();
  const auto before = rec.count.load();
  ASSERT_TRUE(wait_until([&] { return client->connects() == 2 && rec.count > before; }));
  EXPECT_EQ(rec.opens, 2);
  EXPECT_GE(rec.close_count(), 2u);  // the drop, then at least one refused attempt
  EXPECT_EQ(metrics.value("mdfan_feed_connects_total", R"(feed="t")"), 2);
  stop_client(client);
}

TEST(ws_client, reconnect_request_and_server_drop) {
  sim::binance_sim sim(sim_cfg(), quiet());
  sim.start();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  auto client =
      make_ws_client(io.executor(), client_cfg(ws_url(sim, "/ws/btcusdt@trade")), rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return client->connects() == 1; }));
  client->reconnect();
  ASSERT_TRUE(wait_until([&] { return client->connects() == 2; }));
  sim.drop_connections();
  ASSERT_TRUE(wait_until([&] { return client->connects() == 3; }));
  EXPECT_EQ(rec.close_count(), 2u);
  stop_client(client);
}

TEST(ws_client, idle_watchdog_reconnects_a_silent_connection) {
  auto cfg = sim_cfg();
  cfg.ping_interval = 0ms;  // nothing at all arrives on /ws without subscriptions
  sim::binance_sim sim(cfg, quiet());
  sim.start();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  auto ccfg = client_cfg(ws_url(sim, "/ws"));
  ccfg.idle_timeout = 300ms;
  auto client = make_ws_client(io.executor(), ccfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return rec.close_count() >= 1; }, 5s));
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.closes.front(), net::error::timed_out) << rec.closes.front().message();
  }
  ASSERT_TRUE(wait_until([&] { return client->connects() >= 2; }, 5s));
  stop_client(client);
}

TEST(ws_client, answers_server_pings_and_they_keep_it_alive) {
  auto cfg = sim_cfg(0);  // paused: pings are the only traffic
  cfg.ping_interval = 100ms;
  cfg.pong_timeout = 1000ms;
  sim::binance_sim sim(cfg, quiet());
  sim.start();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  auto ccfg = client_cfg(ws_url(sim, "/ws"));
  ccfg.idle_timeout = 400ms;
  auto client = make_ws_client(io.executor(), ccfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return sim.stats().pongs_received >= 8; }, 5s));
  EXPECT_GE(metrics.value("mdfan_feed_pings_received_total", R"(feed="t")"), 8);
  EXPECT_EQ(client->connects(), 1u);  // neither the idle watchdog nor the pong timeout fired
  EXPECT_EQ(rec.close_count(), 0u);
  stop_client(client);
}

TEST(ws_client, client_pings_keep_a_quiet_connection_alive) {
  auto cfg = sim_cfg(0);
  cfg.ping_interval = 0ms;
  sim::binance_sim sim(cfg, quiet());
  sim.start();
  metrics_registry metrics;  // outlives the io thread, which outlives the client
  recorder rec;
  test::io_thread io;
  auto ccfg = client_cfg(ws_url(sim, "/ws"));
  ccfg.idle_timeout = 400ms;
  ccfg.ping_interval = 100ms;  // the pongs count as activity
  auto client = make_ws_client(io.executor(), ccfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return client->connected(); }));
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(client->connects(), 1u);
  EXPECT_EQ(rec.close_count(), 0u);
  stop_client(client);
}

TEST(ws_client, connect_timeout_and_tls_failure_are_reported) {
  metrics_registry metrics;
  recorder rec, tls_rec;
  test::io_thread io;
  // A listener that never accepts: the TCP handshake completes (backlog) but nothing answers.
  net::io_context ctx;
  tcp::acceptor silent(ctx, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  auto ccfg = client_cfg("ws://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/ws");
  ccfg.connect_timeout = 300ms;
  auto client = make_ws_client(io.executor(), ccfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return rec.close_count() >= 1; }, 5s));
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.closes.front(), net::error::timed_out) << rec.closes.front().message();
  }
  stop_client(client);

  // wss:// to a plain server: the TLS handshake fails and is retried like any failure.
  sim::binance_sim sim(sim_cfg(), quiet());
  sim.start();
  auto tls = make_ws_client(io.executor(), client_cfg("wss://127.0.0.1:" + std::to_string(sim.port()) + "/ws"),
                            tls_rec.handlers(), quiet(), metrics);
  tls->start();
  ASSERT_TRUE(wait_until([&] { return tls_rec.close_count() >= 2; }, 5s));
  EXPECT_EQ(tls->connects(), 0u);
  stop_client(tls);

  EXPECT_THROW(make_ws_client(io.executor(), client_cfg("http://x/"), {}, quiet(), metrics), std::invalid_argument);
}

// A scripted WebSocket server on a blocking socket, one connection at a time: answers the upgrade
// (with the right accept key, or a wrong one), writes the bytes a test gives it — frames the client
// must cope with — and records what the client sends, unmasked.
class scripted_server {
 public:
  scripted_server() : acceptor_(ctx_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Accepts one connection and answers its upgrade; `after_101` goes out in the same write.
  bool accept(const std::string& after_101 = {}, bool good_key = true) {
    sock_.emplace(ctx_);
    error_code ec;
    acceptor_.accept(*sock_, ec);
    if (ec) return false;
    std::string req;
    while (req.find("\r\n\r\n") == std::string::npos) {
      char b[1024];
      const auto n = sock_->read_some(net::buffer(b), ec);
      if (ec) return false;
      req.append(b, n);
    }
    request_ = req;
    const auto k = req.find("Sec-WebSocket-Key: ");
    if (k == std::string::npos) return false;
    const auto key = req.substr(k + 19, req.find("\r\n", k) - k - 19);
    const auto accept = good_key ? ws::accept_key(key) : ws::accept_key("not-the-key");
    return write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " + accept + "\r\n\r\n" + after_101);
  }
  bool write(const std::string& bytes) {
    error_code ec;
    net::write(*sock_, net::buffer(bytes), ec);
    return !ec;
  }
  // Reads client frames until `pred` holds for what was received (bounded by `timeout`).
  bool read_until(const std::function<bool(const std::vector<std::pair<ws::frame_reader::kind, std::string>>&)>& pred,
                  std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    sock_->non_blocking(true);
    while (!pred(got_)) {
      if (std::chrono::steady_clock::now() >= end) return false;
      char b[4096];
      error_code ec;
      const auto n = sock_->read_some(net::buffer(b), ec);
      if (ec == net::error::would_block) {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      if (ec) return pred(got_);
      std::size_t off = 0;
      while (off < n) {
        std::size_t used = 0;
        const auto e = reader_.feed(b + off, n - off, used);
        off += used;
        if (e.what != ws::frame_reader::kind::none) got_.emplace_back(e.what, std::string(e.payload));
      }
    }
    return true;
  }
  const std::string& request() const { return request_; }
  const std::vector<std::pair<ws::frame_reader::kind, std::string>>& got() const { return got_; }
  void drop() {
    sock_.reset();
    reader_ = ws::frame_reader(0);
    got_.clear();
  }

 private:
  net::io_context ctx_;
  tcp::acceptor acceptor_;
  std::optional<tcp::socket> sock_;
  std::string request_;
  ws::frame_reader reader_{0};  // client frames: masked
  std::vector<std::pair<ws::frame_reader::kind, std::string>> got_;
};

std::string server_frame(ws::opcode op, std::string_view payload, bool fin = true) {
  std::uint8_t h[ws::max_header_bytes];
  const auto n = ws::write_header(h, op, payload.size());
  if (!fin) h[0] &= 0x7fU;
  return std::string(reinterpret_cast<const char*>(h), n) + std::string(payload);
}

// Frames that arrive with the 101, fragmented messages, pings between fragments, a burst of frames
// read at once: every message reaches on_message whole and in order, pings get masked pongs, and
// sent messages go out masked; stop() sends a close frame.
TEST(ws_client, frames_with_the_upgrade_fragments_pings_and_masked_sends) {
  scripted_server srv;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  auto client = make_ws_client(io.executor(), client_cfg("ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws?x=1"),
                               rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(srv.accept(server_frame(ws::opcode::text, R"({"n":0})")));
  EXPECT_NE(srv.request().find("GET /ws?x=1 HTTP/1.1"), std::string::npos);
  EXPECT_NE(srv.request().find("Sec-WebSocket-Version: 13"), std::string::npos);
  std::string burst;
  burst += server_frame(ws::opcode::text, R"({"n":)", false);
  burst += server_frame(ws::opcode::ping, "keep");
  burst += server_frame(ws::opcode::cont, R"(1})");
  for (int i = 2; i < 50; ++i) burst += server_frame(ws::opcode::text, "{\"n\":" + std::to_string(i) + "}");
  ASSERT_TRUE(srv.write(burst));
  ASSERT_TRUE(wait_until([&] { return rec.count == 50; }, 5s));
  const auto msgs = rec.snapshot();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(msgs[i], "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(rec.padding_errors, 0);
  EXPECT_EQ(metrics.value("mdfan_feed_pings_received_total", R"(feed="t")"), 1);

  ASSERT_TRUE(client->send(R"({"method":"SUBSCRIBE"})"));
  ASSERT_TRUE(srv.read_until([](const auto& got) {
    return got.size() >= 2;
  }));
  // The server-side reader refuses unmasked frames, so these were masked.
  ASSERT_GE(srv.got().size(), 2u);
  EXPECT_EQ(srv.got()[0].first, ws::frame_reader::kind::pong);
  EXPECT_EQ(srv.got()[0].second, "keep");
  EXPECT_EQ(srv.got()[1].first, ws::frame_reader::kind::message);
  EXPECT_EQ(srv.got()[1].second, R"({"method":"SUBSCRIBE"})");
  std::atomic<bool> stopped{false};
  client->stop([&] { stopped = true; });
  ASSERT_TRUE(srv.read_until([](const auto& got) {
    return !got.empty() && got.back().first == ws::frame_reader::kind::close;
  }));
  ASSERT_TRUE(srv.write(server_frame(ws::opcode::close, std::string("\x03\xe8", 2))));  // 1000
  ASSERT_TRUE(wait_until([&] { return stopped.load(); }, 5s));
  EXPECT_EQ(rec.close_count(), 0u);
}

// A burst of pings while a pong is still being written: unsent pongs are replaced by the newest, so
// the client's control queue stays bounded however fast a server pings; the last ping is answered.
TEST(ws_client, a_ping_flood_is_answered_with_the_latest_pong_only) {
  scripted_server srv;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  auto client = make_ws_client(io.executor(), client_cfg("ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws"),
                               rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(srv.accept());
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += server_frame(ws::opcode::ping, "p" + std::to_string(i));
  flood += server_frame(ws::opcode::text, R"({"after":1})");
  ASSERT_TRUE(srv.write(flood));
  ASSERT_TRUE(wait_until([&] { return rec.count == 1; }, 5s));
  ASSERT_TRUE(srv.read_until([](const auto& got) { return !got.empty() && got.back().second == "p999"; }));
  const auto& got = srv.got();
  EXPECT_LT(got.size(), 50u) << "one pong per ping was queued";
  EXPECT_EQ(got.front().second, "p0");
  for (const auto& [kind, payload] : got) EXPECT_EQ(kind, ws::frame_reader::kind::pong);
  EXPECT_EQ(metrics.value("mdfan_feed_pings_received_total", R"(feed="t")"), 1000);
  stop_client(client);
}

// The read gate: while it is closed the client reads nothing more (what the server sends waits in the
// socket), the idle watchdog does not take the pause for a silent exchange, and when it opens the
// waiting messages arrive in order on the same connection.
TEST(ws_client, a_closed_read_gate_pauses_reading_without_losing_or_reconnecting) {
  scripted_server srv;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  std::atomic<bool> open{false};
  std::atomic<int> asked{0};
  auto cfg = client_cfg("ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws");
  cfg.idle_timeout = 300ms;
  cfg.read_gate = [&] {
    ++asked;
    return open.load();
  };
  auto client = make_ws_client(io.executor(), cfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(srv.accept(server_frame(ws::opcode::text, R"({"n":0})")));  // read with the 101, then the gate
  ASSERT_TRUE(wait_until([&] { return rec.count == 1 && asked > 0; }, 5s));
  std::string later;
  for (int i = 1; i < 20; ++i) later += server_frame(ws::opcode::text, "{\"n\":" + std::to_string(i) + "}");
  ASSERT_TRUE(srv.write(later));
  std::this_thread::sleep_for(800ms);  // over twice the idle window
  EXPECT_EQ(rec.count, 1u) << "read while the gate was closed";
  EXPECT_EQ(rec.close_count(), 0u) << "the pause was taken for an idle exchange";
  EXPECT_EQ(metrics.value("mdfan_feed_read_paused", R"(feed="t")"), 1);
  EXPECT_GT(asked.load(), 10) << "the gate is asked again while closed";

  open = true;
  ASSERT_TRUE(wait_until([&] { return rec.count == 20; }, 5s));
  const auto msgs = rec.snapshot();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(msgs[i], "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(client->connects(), 1u);
  EXPECT_EQ(rec.close_count(), 0u);
  EXPECT_EQ(metrics.value("mdfan_feed_read_pauses_total", R"(feed="t")"), 1);
  EXPECT_EQ(metrics.value("mdfan_feed_read_paused", R"(feed="t")"), 0);

  // Reading again, the watchdog judges silence as before.
  ASSERT_TRUE(wait_until([&] { return rec.close_count() >= 1; }, 5s));
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.closes.front(), net::error::timed_out) << rec.closes.front().message();
  }
  stop_client(client);
}

// stop() while the read gate holds reading back: the closing handshake still reads the server's close,
// so the stop completes at once rather than after the close timeout.
TEST(ws_client, stop_while_the_read_gate_is_closed_completes_the_closing_handshake) {
  scripted_server srv;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  auto cfg = client_cfg("ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws");
  cfg.connect_timeout = 20s;  // the close timeout: far longer than the test may take
  cfg.read_gate = [] { return false; };
  auto client = make_ws_client(io.executor(), cfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(srv.accept(server_frame(ws::opcode::text, R"({"n":0})")));
  ASSERT_TRUE(wait_until([&] { return metrics.value("mdfan_feed_read_paused", R"(feed="t")") == 1; }, 5s));
  std::atomic<bool> stopped{false};
  const auto t0 = std::chrono::steady_clock::now();
  client->stop([&] { stopped = true; });
  ASSERT_TRUE(srv.read_until([](const auto& got) {
    return !got.empty() && got.back().first == ws::frame_reader::kind::close;
  }));
  ASSERT_TRUE(srv.write(server_frame(ws::opcode::close, std::string("\x03\xe8", 2))));  // 1000
  ASSERT_TRUE(wait_until([&] { return stopped.load(); }, 15s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << "the close was not read: the stop waited for its timeout";
  EXPECT_EQ(rec.count, 1u);
}

// What the client must not accept: a wrong accept key, a masked server frame, a message over
// max_message_bytes, a close from the server. Each ends the connection (on_close) and the client
// reconnects; the next connection works.
TEST(ws_client, bad_handshake_and_protocol_errors_reconnect) {
  scripted_server srv;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  auto cfg = client_cfg("ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws");
  cfg.max_message_bytes = 1000;
  auto client = make_ws_client(io.executor(), cfg, rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(srv.accept({}, false));  // wrong Sec-WebSocket-Accept
  ASSERT_TRUE(wait_until([&] { return rec.close_count() == 1; }, 5s));
  EXPECT_EQ(client->connects(), 0u);
  srv.drop();

  std::string masked;
  ws::append_client_frame(masked, ws::opcode::text, "{}", 0x01020304);
  const std::vector<std::string> bad{masked, server_frame(ws::opcode::text, std::string(1001, 'x')),
                                     server_frame(ws::opcode::close, std::string("\x03\xe9", 2) + "bye")};
  for (std::size_t i = 0; i < bad.size(); ++i) {
    ASSERT_TRUE(srv.accept(server_frame(ws::opcode::text, R"({"ok":1})"))) << i;
    ASSERT_TRUE(srv.write(bad[i]));
    ASSERT_TRUE(wait_until([&] { return rec.close_count() == 2 + i; }, 5s)) << i;
    EXPECT_EQ(client->connects(), 1 + i);
    EXPECT_EQ(rec.count, 1 + i);  // the good message before it was delivered
    srv.drop();
  }
  EXPECT_FALSE(rec.saw(std::string(1001, 'x')));
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.closes[2], boost::beast::websocket::error::message_too_big) << rec.closes[2].message();
    EXPECT_EQ(rec.closes[3], boost::beast::websocket::error::closed) << rec.closes[3].message();
  }
  ASSERT_TRUE(srv.accept());
  ASSERT_TRUE(wait_until([&] { return client->connected(); }, 5s));
  stop_client(client);
}

// A TLS server with a fresh self-signed certificate: handshakes until destroyed.
class self_signed_tls_server {
 public:
  self_signed_tls_server() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    SSL_CTX_use_certificate(ctx_.native_handle(), cert);
    SSL_CTX_use_PrivateKey(ctx_.native_handle(), key);
    X509_free(cert);
    EVP_PKEY_free(key);
    do_accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~self_signed_tls_server() {
    net::post(ioc_, [this] { acceptor_.close(); });
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void do_accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket s) {
      if (ec) return;
      auto stream = std::make_shared<net::ssl::stream<tcp::socket>>(std::move(s), ctx_);
      stream->async_handshake(net::ssl::stream_base::server, [stream](error_code) {});
      do_accept();
    });
  }
  net::io_context ioc_;
  net::ssl::context ctx_{net::ssl::context::tls_server};
  tcp::acceptor acceptor_{ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::thread thread_;
};

TEST(ws_client, tls_peer_verification_is_on) {
  self_signed_tls_server server;
  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  auto client = make_ws_client(io.executor(), client_cfg("wss://127.0.0.1:" + std::to_string(server.port()) + "/ws"),
                               rec.handlers(), quiet(), metrics);
  client->start();
  ASSERT_TRUE(wait_until([&] { return rec.close_count() >= 1; }, 5s));
  {
    std::lock_guard lock(rec.mu);
    EXPECT_EQ(rec.closes.front().category(), net::error::get_ssl_category()) << rec.closes.front().message();
    EXPECT_NE(rec.closes.front().message().find("certificate verify failed"), std::string::npos)
        << rec.closes.front().message();
  }
  EXPECT_EQ(client->connects(), 0u);
  stop_client(client);

  std::atomic<int> calls{0};
  error_code got;
  http_get(io.executor(), "https://127.0.0.1:" + std::to_string(server.port()) + "/api/v3/ping", 5s,
           [&](error_code ec, unsigned, std::string) {
             got = ec;
             ++calls;
           });
  ASSERT_TRUE(wait_until([&] { return calls > 0; }, 5s));
  EXPECT_NE(got.message().find("certificate verify failed"), std::string::npos) << got.message();
}

// wss:// all the way: a WebSocket server behind TLS with a certificate for 127.0.0.1 that the client
// is told to trust. The TLS handshake verifies, the upgrade and frames go through the TLS stream
// both ways, and stop() closes with a close handshake.
TEST(ws_client, wss_end_to_end_with_a_trusted_certificate) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mdfan test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* pem_data = nullptr;
  const long pem_size = BIO_get_mem_data(bio, &pem_data);
  const std::string pem(pem_data, static_cast<std::size_t>(pem_size));
  BIO_free(bio);
  client_tls_context().add_certificate_authority(net::buffer(pem));

  net::io_context sctx;
  net::ssl::context tls(net::ssl::context::tls_server);
  SSL_CTX_use_certificate(tls.native_handle(), cert);
  SSL_CTX_use_PrivateKey(tls.native_handle(), key);
  X509_free(cert);
  EVP_PKEY_free(key);
  tcp::acceptor acceptor(sctx, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();

  std::vector<std::string> server_got;  // written by the server thread, read after join()
  std::string server_error;
  std::thread server([&] {
    try {
      net::ssl::stream<tcp::socket> s(acceptor.accept(), tls);
      s.handshake(net::ssl::stream_base::server);
      std::string in;
      char b[4096];
      while (in.find("\r\n\r\n") == std::string::npos) in.append(b, s.read_some(net::buffer(b)));
      const auto k = in.find("Sec-WebSocket-Key: ");
      const auto key_text = in.substr(k + 19, in.find("\r\n", k) - k - 19);
      net::write(s, net::buffer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Accept: " + ws::accept_key(key_text) + "\r\n\r\n" +
                                server_frame(ws::opcode::text, R"({"n":0})")));
      ws::frame_reader r(0);
      bool closed = false;
      while (!closed) {
        const auto n = s.read_some(net::buffer(b));
        std::size_t off = 0;
        while (off < n) {
          std::size_t used = 0;
          const auto e = r.feed(b + off, n - off, used);
          off += used;
          if (e.what == ws::frame_reader::kind::message) {
            server_got.emplace_back(e.payload);
            net::write(s, net::buffer(server_frame(ws::opcode::text, "{\"echo\":\"" + std::string(e.payload) + "\"}")));
          } else if (e.what == ws::frame_reader::kind::close) {
            server_got.push_back("close " + std::to_string(e.code));
            net::write(s, net::buffer(server_frame(ws::opcode::close, std::string("\x03\xe8", 2))));
            closed = true;
          }
        }
      }
    } catch (const std::exception& e) {
      server_error = e.what();
    }
  });

  metrics_registry metrics;
  recorder rec;
  test::io_thread io;
  std::shared_ptr<ws_client> client;
  client = make_ws_client(io.executor(), client_cfg("wss://127.0.0.1:" + std::to_string(port) + "/ws"),
                          rec.handlers(1000, [&] { client->send("hello"); }), quiet(), metrics);
  client->start();
  EXPECT_TRUE(wait_until([&] { return rec.count == 2; }, 5s)) << rec.close_count();
  EXPECT_EQ(rec.snapshot(), (std::vector<std::string>{R"({"n":0})", R"({"echo":"hello"})"}));
  EXPECT_EQ(client->connects(), 1u);
  stop_client(client);
  ::shutdown(acceptor.native_handle(), SHUT_RDWR);  // wakes an accept() still waiting if it never connected
  server.join();
  EXPECT_EQ(server_error, "");
  EXPECT_EQ(server_got, (std::vector<std::string>{"hello", "close 1000"}));
  EXPECT_EQ(rec.close_count(), 0u);
}

// --- http_get

struct http_result {
  std::atomic<int> calls{0};
  error_code ec;
  unsigned status = 0;
  std::string body;
  http_get_handler handler() {
    return [this](error_code e, unsigned s, std::string b) {
      ec = e;
      status = s;
      body = std::move(b);
      ++calls;
    };
  }
};

TEST(http_get, fetches_the_depth_snapshot) {
  sim::binance_sim sim(sim_cfg(), quiet());
  sim.start();
  test::io_thread io;
  const auto base = "http://127.0.0.1:" + std::to_string(sim.port());
  http_result r;
  http_get(io.executor(), base + "/api/v3/depth?symbol=BTCUSDT&limit=5", 5s, r.handler());
  ASSERT_TRUE(wait_until([&] { return r.calls > 0; }));
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 200u);
  simdjson::dom::parser p;
  auto doc = p.parse(r.body).get_object().value();
  EXPECT_GT(doc["lastUpdateId"].get_uint64().value(), 0u);
  auto bids = doc["bids"].get_array().value();
  auto asks = doc["asks"].get_array().value();
  EXPECT_EQ(bids.size(), 5u);
  EXPECT_EQ(asks.size(), 5u);
  EXPECT_LT(test::units(bids.at(0).at(0).get_string().value()), test::units(asks.at(0).at(0).get_string().value()));

  http_result bad;
  http_get(io.executor(), base + "/api/v3/depth?symbol=NOPE", 5s, bad.handler());
  ASSERT_TRUE(wait_until([&] { return bad.calls > 0; }));
  EXPECT_FALSE(bad.ec);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("-1121"), std::string::npos);
  EXPECT_GE(sim.stats().http_requests, 2u);
}

TEST(http_get, reports_timeouts_and_errors_once) {
  test::io_thread io;
  net::io_context ctx;
  tcp::acceptor silent(ctx, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  http_result timeout;
  http_get(io.executor(), "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/", 200ms,
           timeout.handler());
  ASSERT_TRUE(wait_until([&] { return timeout.calls > 0; }, 5s));
  EXPECT_EQ(timeout.ec, net::error::timed_out);

  http_result bad_url;
  http_get(io.executor(), "ftp://nowhere/", 1s, bad_url.handler());
  ASSERT_TRUE(wait_until([&] { return bad_url.calls > 0; }, 5s));
  EXPECT_TRUE(bad_url.ec);

  const auto port = silent.local_endpoint().port();
  silent.close();  // now refused
  http_result refused;
  http_get(io.executor(), "http://127.0.0.1:" + std::to_string(port) + "/", 2s, refused.handler());
  ASSERT_TRUE(wait_until([&] { return refused.calls > 0; }, 5s));
  EXPECT_TRUE(refused.ec);

  std::this_thread::sleep_for(300ms);  // no second call after the deadline passes
  EXPECT_EQ(timeout.calls, 1);
  EXPECT_EQ(bad_url.calls, 1);
  EXPECT_EQ(refused.calls, 1);
}

}  // namespace
}  // namespace mdfan::feed
