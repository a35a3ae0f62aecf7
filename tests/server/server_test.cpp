// The server in-process: a real manager, two io threads, loopback sockets and the sync test client.
#include "server/server.hpp"

#include <atomic>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "manager/manager.hpp"
#include "support/ws_client.hpp"

using namespace mdfan;
using namespace std::chrono_literals;
using mdfan::test::http_get;
using mdfan::test::ws_client;
using mdfan::test::ws_client_options;

namespace {

// Records what the manager publishes, to compare with what clients receive.
struct recording_sink : event_sink {
  std::mutex mu;
  std::vector<event_ptr> got;
  void deliver(const event_ptr& ev) override {
    std::lock_guard lock(mu);
    got.push_back(ev);
  }
  event_ptr last() {
    std::lock_guard lock(mu);
    return got.empty() ? nullptr : got.back();
  }
};

trade make_trade(const char* instr, std::string id, exchange_id ex = exchange_id::binance) {
  trade t;
  t.exchange = ex;
  t.instrument = instr;
  t.symbol = "SYM";
  t.trade_id = std::move(id);
  t.price = decimal::from("30000.10");
  t.size = decimal::from("0.00001234");
  t.aggressor = side::buy;
  t.receive_ts_ns = 1700000000000000000;
  return t;
}

ticker make_ticker(const char* instr, const char* bid, exchange_id ex = exchange_id::binance) {
  ticker t;
  t.exchange = ex;
  t.instrument = instr;
  t.symbol = "SYM";
  t.bid_price = decimal::from(bid);
  t.bid_size = decimal::from("1");
  t.ask_price = decimal::from("99999");
  t.ask_size = decimal::from("2");
  return t;
}

book_update make_book_snapshot(const char* instr, std::uint64_t seq) {
  book_update b;
  b.exchange = exchange_id::binance;
  b.instrument = instr;
  b.snapshot = true;
  b.first_sequence = seq;
  b.sequence = seq;
  b.bids = {{decimal::from("100"), decimal::from("1")}};
  b.asks = {{decimal::from("101"), decimal::from("2")}};
  return b;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// A bare WebSocket client on a blocking socket, for what the test client cannot do: bytes sent with
// the upgrade request, fragments, control frames, protocol errors, not answering pings.
class raw_ws {
 public:
  ~raw_ws() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Connects and sends the upgrade request followed by `extra`; reads the response head.
  bool connect(std::uint16_t port, const std::string& extra = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) return false;
    const std::string req =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!send_raw(req + extra)) return false;
    while (in_.find("\r\n\r\n") == std::string::npos) {
      if (!fill(5s)) return false;
    }
    const auto end = in_.find("\r\n\r\n");
    head_ = in_.substr(0, end);
    in_.erase(0, end + 4);
    return head_.rfind("HTTP/1.1 101", 0) == 0;
  }
  const std::string& head() const { return head_; }

  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // A client frame, masked unless told otherwise.
  static std::string frame(std::uint8_t first_byte, std::string_view payload, bool masked = true) {
    std::string f(1, static_cast<char>(first_byte));
    const char bit = masked ? '\x80' : '\0';
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(bit | static_cast<char>(payload.size())));
    } else {
      f.push_back(static_cast<char>(bit | 126));
      f.push_back(static_cast<char>(payload.size() >> 8));
      f.push_back(static_cast<char>(payload.size() & 0xff));
    }
    const char key[4] = {0x0a, 0x1b, 0x2c, 0x3d};
    if (masked) f.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
      f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
    return f;
  }

  struct server_frame {
    int opcode = -1;  // -1: none (timeout or end of stream)
    std::string payload;
  };
  // The next server frame (which must be unmasked and final).
  server_frame next(std::chrono::milliseconds timeout = 5s) {
    while (true) {
      if (in_.size() >= 2) {
        const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
        EXPECT_EQ(p[0] & 0xf0, 0x80) << "server frames are final, without reserved bits";
        EXPECT_EQ(p[1] & 0x80, 0) << "server frames are not masked";
        std::size_t len = p[1] & 0x7f;
        std::size_t head = 2;
        if (len == 126 && in_.size() >= 4) {
          len = (std::size_t{p[2]} << 8) | p[3];
          head = 4;
        } else if (len == 127 && in_.size() >= 10) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
          head = 10;
        }
        if ((len < 126 || head > 2) && in_.size() >= head + len) {
          server_frame f{p[0] & 0x0f, in_.substr(head, len)};
          in_.erase(0, head + len);
          return f;
        }
      }
      if (!fill(timeout)) return {};
    }
  }
  // The next text frame, skipping control frames.
  std::string next_text(std::chrono::milliseconds timeout = 5s) {
    for (auto f = next(timeout); f.opcode >= 0; f = next(timeout)) {
      if (f.opcode == 0x1) return f.payload;
    }
    return {};
  }
  // True once the server has closed the stream (EOF) within `timeout`.
  bool eof(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (!fill(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now())))
        return closed_;
    }
    return closed_;
  }

 private:
  bool fill(std::chrono::milliseconds timeout) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(std::max<std::int64_t>(timeout.count(), 1))) <= 0) return false;
    char buf[65536];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string in_;
  std::string head_;
  bool closed_ = false;
};

std::uint16_t close_code_of(const std::string& payload) {
  return payload.size() < 2 ? 0
                            : static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                         static_cast<unsigned char>(payload[1]));
}

struct server_fixture : ::testing::Test {
  boost::asio::io_context io;
  metrics_registry metrics;
  std::shared_ptr<spdlog::logger> log =
      std::getenv("MDFAN_TEST_LOG")
          ? spdlog::stderr_color_mt("server_test")
          : std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  manager mgr{io.get_executor(), manager_config{}, log, metrics};
  std::shared_ptr<recording_sink> recorder = std::make_shared<recording_sink>();
  std::atomic<bool> healthy{true};
  std::unique_ptr<server> srv;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;

  static server_config test_config() {
    server_config cfg;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.max_messages_per_second = 1000;
    return cfg;
  }

  void start(server_config cfg = test_config()) {
    if (std::getenv("MDFAN_TEST_LOG")) log->set_level(spdlog::level::debug);
    srv = std::make_unique<server>(io.get_executor(), cfg, mgr, metrics, log, [this] {
      health_report h;
      h.healthy = healthy.load();
      h.body = h.healthy ? R"({"status":"ok"})" : R"({"status":"degraded","reason":"redis down"})";
      return h;
    });
    srv->start();
    port = srv->local_port();
    mgr.subscribe(recorder, {*topic_pattern::parse("*:*:*")}, false);
    work.emplace(io.get_executor());
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
    sync_manager();
  }

  // Waits until everything posted to the manager so far has run.
  void sync_manager() {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    mgr.post([p] { p->set_value(); });
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  }

  // Publishes an event and returns the manager's shared encoding of it.
  std::string publish(event ev) {
    mgr.ingest_local(std::move(ev));
    sync_manager();
    auto last = recorder->last();
    return last ? last->json : std::string();
  }

  // Waits (bounded) for a metric to reach `at_least`: server-side counters move just after the
  // client has seen the effect.
  std::int64_t metric_at_least(const char* name, std::int64_t at_least, std::string_view labels = {}) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (metrics.value(name, labels) < at_least && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    return metrics.value(name, labels);
  }

  // A connected client that has subscribed to `topics` and seen the ack.
  std::unique_ptr<ws_client> subscriber(const std::string& topics, ws_client_options opts = {}) {
    auto c = std::make_unique<ws_client>(opts);
    EXPECT_TRUE(c->connect(port)) << c->error();
    EXPECT_TRUE(c->send(R"({"op":"subscribe","topics":[)" + topics + "]}"));
    auto ack = c->read(5s);
    EXPECT_TRUE(ack && contains(*ack, R"("op":"subscribed")")) << (ack ? *ack : c->error());
    return c;
  }

  void TearDown() override {
    if (srv) {
      auto p = std::make_shared<std::promise<void>>();
      auto f = p->get_future();
      srv->stop([p] { p->set_value(); });
      EXPECT_EQ(f.wait_for(10s), std::future_status::ready) << "server did not stop";
    }
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
    srv.reset();
  }
};

}  // namespace

TEST_F(server_fixture, subscribe_ack_then_events_byte_identical) {
  start();
  ws_client c;
  ASSERT_TRUE(c.connect(port)) << c.error();
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"],"id":1})"));
  EXPECT_EQ(c.read(5s).value_or(c.error()), R"({"op":"subscribed","topics":["trade:binance:BTC-USDT"],"id":1})");

  const auto j1 = publish(make_trade("BTC-USDT", "t1"));
  publish(make_trade("ETH-USDT", "t2"));  // not subscribed
  const auto j3 = publish(make_trade("BTC-USDT", "t3"));
  ASSERT_FALSE(j1.empty());
  EXPECT_EQ(c.read(5s).value_or(c.error()), j1);
  EXPECT_EQ(c.read(5s).value_or(c.error()), j3);
  EXPECT_TRUE(contains(j1, R"("size":"0.00001234")"));  // exact decimals on the wire
  EXPECT_GE(metric_at_least("mdfan_server_frames_out_total", 3), 3);
  EXPECT_EQ(metrics.value("mdfan_server_clients"), 1);
}

TEST_F(server_fixture, wildcard_subscription) {
  start();
  auto c = subscriber(R"("ticker:*:ETH-USDT")");
  const auto a = publish(make_ticker("ETH-USDT", "2000", exchange_id::binance));
  publish(make_ticker("BTC-USDT", "30000", exchange_id::binance));
  publish(make_trade("ETH-USDT", "x"));
  const auto b = publish(make_ticker("ETH-USDT", "2001", exchange_id::coinbase));
  EXPECT_EQ(c->read(5s).value_or(c->error()), a);
  EXPECT_EQ(c->read(5s).value_or(c->error()), b);
  ASSERT_TRUE(c->send(R"({"op":"ping"})"));
  EXPECT_TRUE(contains(c->read(5s).value_or(c->error()), R"("op":"pong")"));  // nothing else was queued
}

TEST_F(server_fixture, unsubscribe_stops_delivery) {
  start();
  auto c = subscriber(R"("trade:binance:BTC-USDT")");
  const auto j1 = publish(make_trade("BTC-USDT", "1"));
  EXPECT_EQ(c->read(5s).value_or(c->error()), j1);
  ASSERT_TRUE(c->send(R"({"op":"unsubscribe","topics":["trade:binance:BTC-USDT"],"id":"u"})"));
  EXPECT_EQ(c->read(5s).value_or(c->error()), R"({"op":"unsubscribed","topics":["trade:binance:BTC-USDT"],"id":"u"})");
  publish(make_trade("BTC-USDT", "2"));
  ASSERT_TRUE(c->send(R"({"op":"ping","id":2})"));
  const auto next = c->read(5s).value_or(c->error());
  EXPECT_TRUE(contains(next, R"("op":"pong")")) << next;
}

TEST_F(server_fixture, snapshot_on_subscribe_comes_before_the_ack) {
  start();
  const auto tick = publish(make_ticker("BTC-USDT", "30000"));
  publish(make_book_snapshot("BTC-USDT", 77));
  ws_client c;
  ASSERT_TRUE(c.connect(port)) << c.error();
  ASSERT_TRUE(c.send(
      R"({"op":"subscribe","topics":["ticker:binance:BTC-USDT","book:binance:BTC-USDT"],"snapshot":true,"id":3})"));
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) got.push_back(c.read(5s).value_or(c.error()));
  EXPECT_EQ(got[0], tick);
  EXPECT_TRUE(contains(got[1], R"("type":"book")") && contains(got[1], R"("snapshot":true)") &&
              contains(got[1], R"("seq":77)"))
      << got[1];
  EXPECT_EQ(got[2], R"({"op":"subscribed","topics":["ticker:binance:BTC-USDT","book:binance:BTC-USDT"],"id":3})");
  // Without "snapshot" there is none.
  ws_client d;
  ASSERT_TRUE(d.connect(port));
  ASSERT_TRUE(d.send(R"({"op":"subscribe","topics":["ticker:binance:BTC-USDT"]})"));
  EXPECT_TRUE(contains(d.read(5s).value_or(d.error()), R"("op":"subscribed")"));
}

TEST_F(server_fixture, ping_pong) {
  start();
  ws_client c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send(R"({"op":"ping","id":"p1"})"));
  const auto pong = c.read(5s).value_or(c.error());
  EXPECT_EQ(pong.rfind(R"({"op":"pong","ts":)", 0), 0u) << pong;
  EXPECT_TRUE(pong.ends_with(R"(,"id":"p1"})")) << pong;
}

TEST_F(server_fixture, handshake_answers_the_key_and_keeps_frames_sent_with_the_request) {
  start();
  raw_ws c;
  // The client's first message rides in the same write as the upgrade request.
  ASSERT_TRUE(c.connect(port, raw_ws::frame(0x81, R"({"op":"ping","id":7})"))) << c.head();
  EXPECT_NE(c.head().find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << c.head();
  EXPECT_TRUE(contains(c.next_text(), R"("op":"pong")"));
}

TEST_F(server_fixture, handshake_refuses_a_bad_version) {
  start();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  const std::string req =
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[4096];
  pollfd pfd{fd, POLLIN, 0};
  while (::poll(&pfd, 1, 5000) > 0) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.1 426", 0), 0U) << got;
  EXPECT_TRUE(contains(got, "Sec-WebSocket-Version: 13"));
  EXPECT_EQ(metrics.value("mdfan_server_clients"), 0);
}

TEST_F(server_fixture, ping_gets_a_pong_and_control_frames_may_come_between_fragments) {
  start();
  raw_ws c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send_raw(raw_ws::frame(0x01, R"({"op":)") + raw_ws::frame(0x89, "hi") +
                         raw_ws::frame(0x00, R"("ping",)") + raw_ws::frame(0x80, R"("id":"f"})")));
  const auto pong = c.next();
  EXPECT_EQ(pong.opcode, 0xA);
  EXPECT_EQ(pong.payload, "hi");
  // The three fragments are one request.
  const auto reply = c.next_text();
  EXPECT_TRUE(contains(reply, R"("op":"pong")")) << reply;
  EXPECT_TRUE(contains(reply, R"("id":"f")")) << reply;
}

TEST_F(server_fixture, protocol_errors_close_with_1002_and_count) {
  start();
  raw_ws c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send_raw(raw_ws::frame(0x81, R"({"op":"ping"})", false)));  // clients must mask
  const auto f = c.next();
  EXPECT_EQ(f.opcode, 0x8);
  EXPECT_EQ(close_code_of(f.payload), 1002);
  EXPECT_TRUE(c.eof(5s)) << "the server ends the connection after failing it";
  EXPECT_EQ(metric_at_least("mdfan_server_client_errors_total", 1), 1);
  for (int i = 0; i < 5000 && metrics.value("mdfan_server_clients") != 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(metrics.value("mdfan_server_clients"), 0) << "the session ended";
}

TEST_F(server_fixture, invalid_utf8_closes_with_1007) {
  start();
  raw_ws c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send_raw(raw_ws::frame(0x81, "{\"op\":\"\xff\xfe\"}")));
  const auto f = c.next();
  EXPECT_EQ(f.opcode, 0x8);
  EXPECT_EQ(close_code_of(f.payload), 1007);
  EXPECT_TRUE(c.eof(5s));
}

TEST_F(server_fixture, client_close_is_echoed_then_the_server_ends_the_stream) {
  start();
  raw_ws c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send_raw(raw_ws::frame(0x88, std::string("\x0f\xa0"
                                                         "bye",
                                                         5))));  // 4000
  const auto f = c.next();
  EXPECT_EQ(f.opcode, 0x8);
  EXPECT_EQ(close_code_of(f.payload), 4000);
  EXPECT_TRUE(c.eof(5s));
}

TEST_F(server_fixture, keep_alive_pings_keep_answering_clients_and_drop_silent_ones) {
  auto cfg = test_config();
  cfg.idle_timeout = 300ms;
  start(cfg);
  {
    raw_ws alive;
    ASSERT_TRUE(alive.connect(port));
    int pings = 0;
    const auto until = std::chrono::steady_clock::now() + 1200ms;
    while (std::chrono::steady_clock::now() < until) {
      const auto f = alive.next(100ms);
      if (f.opcode == 0x9) {
        ++pings;
        ASSERT_TRUE(alive.send_raw(raw_ws::frame(0x8A, f.payload)));
      }
    }
    EXPECT_GE(pings, 2);
    ASSERT_TRUE(alive.send_raw(raw_ws::frame(0x81, R"({"op":"ping"})")));
    EXPECT_TRUE(contains(alive.next_text(), R"("op":"pong")")) << "a client answering pings stays";
  }
  raw_ws silent;
  ASSERT_TRUE(silent.connect(port));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(silent.next(2s).opcode, 0x9);
  EXPECT_TRUE(silent.eof(3s)) << "a client that does not answer pings is dropped";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(server_fixture, a_burst_arrives_whole_and_in_order_through_partial_writes) {
  start();
  ws_client_options opts;
  opts.receive_buffer_bytes = 4096;  // the server's writes are cut short again and again
  auto c = subscriber(R"("trade:binance:BTC-USDT")", opts);
  std::vector<std::string> sent;
  for (int i = 0; i < 3000; ++i)
    mgr.ingest_local(make_trade("BTC-USDT", "b" + std::to_string(i) + std::string(100, 'x')));
  sync_manager();
  for (int i = 0; i < 3000; ++i) {
    const auto m = c->read(5s);
    ASSERT_TRUE(m) << i << " " << c->error();
    ASSERT_TRUE(contains(*m, "\"b" + std::to_string(i) + "x")) << i << ": " << *m;
  }
  EXPECT_EQ(metrics.value("mdfan_server_dropped_total", R"(type="trade")"), 0);
}

TEST_F(server_fixture, invalid_requests_get_errors_and_the_connection_stays_usable) {
  start();
  ws_client c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send("{this is not json"));
  EXPECT_EQ(c.read(5s).value_or(c.error()), R"({"op":"error","reason":"invalid JSON"})");
  ASSERT_TRUE(c.send(R"({"op":"dance","id":1})"));
  EXPECT_EQ(c.read(5s).value_or(c.error()), R"({"op":"error","reason":"unknown op 'dance'","id":1})");
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:nowhere:BTC-USDT"],"id":5})"));
  EXPECT_EQ(c.read(5s).value_or(c.error()),
            R"({"op":"error","reason":"bad topic 'trade:nowhere:BTC-USDT': unknown exchange 'nowhere'","id":5})");
  ASSERT_TRUE(c.send_binary(R"({"op":"ping"})"));
  EXPECT_EQ(c.read(5s).value_or(c.error()), R"({"op":"error","reason":"binary frames are not supported"})");
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"]})"));
  EXPECT_TRUE(contains(c.read(5s).value_or(c.error()), R"("op":"subscribed")"));
  const auto j = publish(make_trade("BTC-USDT", "ok"));
  EXPECT_EQ(c.read(5s).value_or(c.error()), j);
  EXPECT_EQ(metrics.value("mdfan_server_client_errors_total"), 4);
}

TEST_F(server_fixture, subscription_limit) {
  auto cfg = test_config();
  cfg.max_subscriptions = 2;
  start(cfg);
  ws_client c;
  ASSERT_TRUE(c.connect(port));
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:binance:BTC-USDT","trade:binance:ETH-USDT"]})"));
  EXPECT_TRUE(contains(c.read(5s).value_or(c.error()), R"("op":"subscribed")"));
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"]})"));  // already held: fine
  EXPECT_TRUE(contains(c.read(5s).value_or(c.error()), R"("op":"subscribed")"));
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:okx:BTC-USDT"],"id":8})"));
  const auto err = c.read(5s).value_or(c.error());
  EXPECT_TRUE(contains(err, R"("reason":"too many subscriptions)") && contains(err, R"("id":8)")) << err;
  ASSERT_TRUE(c.send(R"({"op":"unsubscribe","topics":["trade:binance:ETH-USDT"]})"));
  EXPECT_TRUE(contains(c.read(5s).value_or(c.error()), R"("op":"unsubscribed")"));
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:okx:BTC-USDT"]})"));
  EXPECT_TRUE(contains(c.read(5s).value_or(c.error()), R"("op":"subscribed")"));
}

TEST_F(server_fixture, oversized_frame_closes_only_that_client) {
  auto cfg = test_config();
  cfg.max_frame_bytes = 1024;
  start(cfg);
  auto big = subscriber(R"("trade:*:*")");
  auto other = subscriber(R"("trade:*:*")");
  // Small enough for the client to send in one write: the server closes as soon as it sees the
  // frame header, and a second write of ours could fail with a reset.
  ASSERT_TRUE(big->send(R"({"op":"ping","pad":")" + std::string(2000, 'x') + "\"}")) << big->error();
  ASSERT_TRUE(big->wait_closed(5s)) << "oversized message did not close the connection";
  EXPECT_EQ(big->close_code(), 1009);  // message too big
  const auto j = publish(make_trade("BTC-USDT", "after"));
  EXPECT_EQ(other->read(5s).value_or(other->error()), j);
  ASSERT_TRUE(other->send(R"({"op":"ping"})"));
  EXPECT_TRUE(contains(other->read(5s).value_or(other->error()), R"("op":"pong")"));
}

TEST_F(server_fixture, slow_consumer_is_disconnected_and_counted_while_a_healthy_client_gets_everything) {
  auto cfg = test_config();
  cfg.queue_max_messages = 64;
  cfg.queue_max_bytes = 256 * 1024;
  cfg.close_timeout = 500ms;
  cfg.slow_consumer.set(event_type::trade, slow_action::disconnect);
  start(cfg);
  ws_client_options slow_opts;
  slow_opts.receive_buffer_bytes = 4096;
  auto slow = subscriber(R"("trade:*:*")", slow_opts);  // never reads again
  auto healthy_client = subscriber(R"("trade:*:*")");

  const std::string pad(8 * 1024, 'p');  // ~8 KiB frames fill socket buffers quickly
  constexpr int batch = 16;
  int sent = 0;
  int received = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (metrics.value("mdfan_server_slow_disconnects_total") == 0 && sent < 20000 &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < batch; ++i) mgr.ingest_local(make_trade("BTC-USDT", pad + std::to_string(sent++)));
    for (int i = 0; i < batch; ++i) {
      const auto m = healthy_client->read(5s);
      ASSERT_TRUE(m) << "healthy client stalled after " << received << ": " << healthy_client->error();
      ASSERT_TRUE(contains(*m, pad + std::to_string(received) + "\"")) << "out of order at " << received;
      ++received;
    }
  }
  ASSERT_EQ(metrics.value("mdfan_server_slow_disconnects_total"), 1) << "after " << sent << " events";
  EXPECT_GT(metrics.value("mdfan_server_queue_drops_total"), 0);
  // Keep publishing: the healthy client still gets every event.
  for (int i = 0; i < batch; ++i) mgr.ingest_local(make_trade("BTC-USDT", pad + std::to_string(sent++)));
  for (; received < sent; ++received) {
    const auto m = healthy_client->read(5s);
    ASSERT_TRUE(m && contains(*m, pad + std::to_string(received) + "\"")) << received;
  }
  // The slow client, draining what its socket still held, ends up disconnected.
  std::size_t drained = 0;
  EXPECT_TRUE(slow->wait_closed(10s, &drained));
  EXPECT_LT(drained, static_cast<std::size_t>(sent));
  EXPECT_EQ(metrics.value("mdfan_server_slow_disconnects_total"), 1);
}

TEST_F(server_fixture, slow_trade_reader_gets_gap_notices_accounting_for_every_dropped_trade) {
  auto cfg = test_config();
  cfg.queue_max_messages = 64;
  cfg.queue_max_bytes = 256 * 1024;
  start(cfg);  // default policy: trade=drop
  ws_client_options slow_opts;
  slow_opts.receive_buffer_bytes = 4096;
  auto slow = subscriber(R"("trade:*:*")", slow_opts);  // does not read until the end
  auto healthy_client = subscriber(R"("trade:*:*")");

  const std::string pad(8 * 1024, 'p');
  constexpr int batch = 16;
  int sent = 0;
  int received = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  auto publish_batch = [&] {
    for (int i = 0; i < batch; ++i) mgr.ingest_local(make_trade("BTC-USDT", pad + std::to_string(sent++)));
    for (int i = 0; i < batch; ++i) {
      const auto m = healthy_client->read(5s);
      ASSERT_TRUE(m && contains(*m, pad + std::to_string(received) + "\"")) << "healthy client at " << received;
      ++received;
    }
  };
  while (metrics.value("mdfan_server_dropped_total", R"(type="trade")") < 100 && sent < 20000 &&
         std::chrono::steady_clock::now() < deadline) {
    publish_batch();
  }
  ASSERT_GE(metrics.value("mdfan_server_dropped_total", R"(type="trade")"), 100) << "after " << sent;
  EXPECT_EQ(metrics.value("mdfan_server_slow_disconnects_total"), 0);
  publish_batch();
  const auto dropped = metrics.value("mdfan_server_dropped_total", R"(type="trade")");

  // The slow client catches up: every trade is either received, in order, or counted in a gap
  // notice placed where the trades went missing.
  std::int64_t expected = 0;
  std::int64_t announced = 0;
  while (expected + 0 < sent) {
    const auto m = slow->read(5s);
    ASSERT_TRUE(m) << "slow client stalled at trade " << expected << ": " << slow->error();
    if (contains(*m, R"("type":"gap")")) {
      const auto at = m->find(R"("dropped":)");
      const auto n = std::stoll(m->substr(at + 10));
      EXPECT_TRUE(contains(*m, R"("topic":"trade:binance:BTC-USDT")")) << *m;
      expected += n;
      announced += n;
      continue;
    }
    ASSERT_TRUE(contains(*m, pad + std::to_string(expected) + "\"")) << "expected trade " << expected;
    ++expected;
  }
  EXPECT_EQ(expected, sent);
  EXPECT_EQ(announced, dropped) << "every dropped trade is announced, once";
  EXPECT_EQ(metric_at_least("mdfan_server_gap_notices_total", 1), metrics.value("mdfan_server_gap_notices_total"));
  EXPECT_TRUE(slow->is_open());
}

TEST_F(server_fixture, slow_book_reader_gets_a_gap_notice_then_a_snapshot_of_the_verified_book) {
  auto cfg = test_config();
  cfg.queue_max_messages = 16;
  start(cfg);
  publish(make_book_snapshot("BTC-USDT", 100));
  ws_client_options slow_opts;
  slow_opts.receive_buffer_bytes = 4096;
  auto slow = subscriber(R"("book:*:*")", slow_opts);
  // Deltas with a wide level list, so socket buffers fill quickly.
  std::uint64_t seq = 100;
  auto delta = [&] {
    book_update b = make_book_snapshot("BTC-USDT", ++seq);
    b.snapshot = false;
    b.bids.clear();
    for (int i = 0; i < 200; ++i)
      b.bids.push_back({decimal::from(std::to_string(50 + i) + ".5"), decimal::from(std::to_string(seq))});
    return b;
  };
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (metrics.value("mdfan_server_book_snapshots_total") == 0 && std::chrono::steady_clock::now() < deadline) {
    mgr.ingest_local(delta());
    sync_manager();
  }
  ASSERT_GT(metrics.value("mdfan_server_dropped_total", R"(type="book")"), 0);
  // Read everything: deltas continue without a hole until a gap notice, which a snapshot follows at
  // once; then deltas continue the snapshot.
  std::uint64_t last = 0;
  bool saw_gap = false;
  bool expect_snapshot = false;
  for (int i = 0; i < 10000; ++i) {
    const auto m = slow->read(500ms);
    if (!m) break;
    if (contains(*m, R"("type":"gap")")) {
      saw_gap = true;
      expect_snapshot = true;
      continue;
    }
    const auto at = m->find(R"("seq":)");
    ASSERT_NE(at, std::string::npos) << *m;
    const auto s = std::stoull(m->substr(at + 6));
    if (expect_snapshot) {
      ASSERT_TRUE(contains(*m, R"("snapshot":true)")) << "a gap notice must be followed by a snapshot: " << *m;
      expect_snapshot = false;
    } else if (last != 0) {
      ASSERT_EQ(s, last + 1) << "a delta that does not continue the client's book";
    }
    last = s;
  }
  EXPECT_TRUE(saw_gap);
  EXPECT_FALSE(expect_snapshot);
}

TEST_F(server_fixture, rate_limit_rejects_then_closes_abusers) {
  auto cfg = test_config();
  cfg.max_messages_per_second = 5;
  cfg.rate_limit_close_after = 10;
  start(cfg);
  ws_client c;
  ASSERT_TRUE(c.connect(port));
  for (int i = 0; i < 30; ++i) c.send(R"({"op":"ping"})");
  int pongs = 0;
  int limited = 0;
  while (auto m = c.read(5s)) {
    if (contains(*m, R"("op":"pong")")) ++pongs;
    if (*m == R"({"op":"error","reason":"rate limit"})") ++limited;
  }
  EXPECT_FALSE(c.is_open());
  EXPECT_EQ(c.close_code(), 1008);
  EXPECT_EQ(c.close_reason(), "rate limit");
  EXPECT_GE(pongs, 5);
  EXPECT_LE(pongs, 6);
  EXPECT_GE(limited, 1);  // replies still queued when the close starts are discarded
  EXPECT_LE(limited, 9);
  EXPECT_EQ(metrics.value("mdfan_server_client_errors_total"), 10);
}

TEST_F(server_fixture, health_reflects_the_provider) {
  start();
  auto r = http_get(port, "/health");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.content_type, "application/json");
  healthy = false;
  r = http_get(port, "/health");
  EXPECT_EQ(r.status, 503) << r.error;
  EXPECT_TRUE(contains(r.body, "redis down"));
}

TEST_F(server_fixture, metrics_index_and_not_found) {
  start();
  auto c = subscriber(R"("trade:*:*")");
  auto r = http_get(port, "/metrics");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  for (const char* name :
       {"mdfan_server_clients 1", "mdfan_server_connections_total", "mdfan_server_frames_out_total",
        "mdfan_server_bytes_out_total", "mdfan_server_queue_drops_total", "mdfan_server_slow_disconnects_total",
        "mdfan_server_client_errors_total", R"(mdfan_server_http_requests_total{path="metrics"} 1)",
        R"(mdfan_server_http_requests_total{path="ws"} 1)", "mdfan_manager_sinks"})
    EXPECT_TRUE(contains(r.body, name)) << name;
  r = http_get(port, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contains(r.body, "/ws"));
  r = http_get(port, "/nope");
  EXPECT_EQ(r.status, 404);
  r = http_get(port, "/ws");  // not an upgrade
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(metrics.value("mdfan_server_http_requests_total", R"(path="other")"), 2);
  // A WebSocket upgrade elsewhere than /ws is refused.
  ws_client wrong;
  EXPECT_FALSE(wrong.connect(port, "/elsewhere"));
}

TEST_F(server_fixture, stop_closes_clients_with_a_reason) {
  start();
  auto c = subscriber(R"("trade:*:*")");
  auto p = std::make_shared<std::promise<void>>();
  auto f = p->get_future();
  srv->stop([p] { p->set_value(); });
  EXPECT_TRUE(c->wait_closed(5s));
  EXPECT_EQ(c->close_code(), 1001);
  EXPECT_EQ(c->close_reason(), "server shutting down");
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(metrics.value("mdfan_server_clients"), 0);
  ws_client late;
  EXPECT_FALSE(late.connect(port, "/ws", 2s));
}

// On stop, a client that never answers our close frame is dropped after shutdown_close_timeout, not
// after the (longer) close_timeout used for closes while the server runs.
TEST_F(server_fixture, stop_does_not_wait_close_timeout_for_a_client_that_never_answers) {
  auto cfg = test_config();
  cfg.close_timeout = 20s;
  cfg.shutdown_close_timeout = 300ms;
  start(cfg);
  raw_ws mute;  // reads our close frame but never answers it
  ASSERT_TRUE(mute.connect(port));
  ASSERT_EQ(metric_at_least("mdfan_server_clients", 1), 1);
  auto p = std::make_shared<std::promise<void>>();
  auto f = p->get_future();
  srv->stop([p] { p->set_value(); });
  const auto close = mute.next(5s);
  EXPECT_EQ(close.opcode, 0x8);
  EXPECT_EQ(close_code_of(close.payload), 1001);
  // Done well inside close_timeout (20 s): the unanswered close was given up after 300 ms.
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(mute.eof(5s));
  srv.reset();
}

TEST_F(server_fixture, start_fails_clearly_when_the_port_is_taken) {
  start();
  auto cfg = test_config();
  cfg.port = port;
  server second(io.get_executor(), cfg, mgr, metrics, log);
  try {
    second.start();
    FAIL() << "expected a bind failure";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "127.0.0.1:" + std::to_string(port))) << e.what();
  }
}

TEST_F(server_fixture, connections_beyond_max_clients_are_refused) {
  auto cfg = test_config();
  cfg.max_clients = 1;
  start(cfg);
  auto first = subscriber(R"("trade:*:*")");
  ws_client second;
  EXPECT_FALSE(second.connect(port, "/ws", 2s));
  EXPECT_EQ(metrics.value("mdfan_server_rejected_connections_total"), 1);
  const auto j = publish(make_trade("BTC-USDT", "still"));
  EXPECT_EQ(first->read(5s).value_or(first->error()), j);
}

// A session whose thread does not run while the manager hands it more than a whole queue's worth of
// events (the CPU is saturated) refuses the rest and is closed with 1013 "server overloaded", every
// refused or waiting event counted; the manager and other work are not held up by it.
TEST(server_overload, a_session_left_a_whole_queue_behind_is_closed_with_1013) {
  boost::asio::io_context mgr_io, srv_io;
  metrics_registry metrics;
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  manager mgr{mgr_io.get_executor(), manager_config{}, log, metrics};
  auto cfg = server_fixture::test_config();
  cfg.queue_max_messages = 64;  // the inbox bound is then its floor, 4096
  cfg.close_timeout = 500ms;
  server srv(srv_io.get_executor(), cfg, mgr, metrics, log, [] { return health_report{}; });
  srv.start();
  auto mgr_work = boost::asio::make_work_guard(mgr_io);
  auto srv_work = boost::asio::make_work_guard(srv_io);
  std::thread mgr_thread([&] { mgr_io.run(); });
  std::thread srv_thread([&] { srv_io.run(); });
  auto sync_manager = [&] {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    mgr.post([p] { p->set_value(); });
    return f.wait_for(5s) == std::future_status::ready;
  };

  ws_client c;
  ASSERT_TRUE(c.connect(srv.local_port())) << c.error();
  ASSERT_TRUE(c.send(R"({"op":"subscribe","topics":["trade:*:*"]})"));
  auto ack = c.read(5s);
  ASSERT_TRUE(ack && contains(*ack, R"("op":"subscribed")"));

  // Stall the server's only thread, then route 5000 events to the session.
  std::promise<void> release;
  auto released = release.get_future().share();
  boost::asio::post(srv_io, [released] { released.wait(); });
  constexpr int total = 5000;
  for (int i = 0; i < total; ++i) mgr.ingest_local(make_trade("BTC-USDT", std::to_string(i)));
  // The manager routes everything although the session cannot run: it is not held up by it. (A
  // backlog drains in chunks that re-post themselves, so a single sync post may run between chunks.)
  for (int i = 0; i < 5000 && mgr.inbox_depth() != 0; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(mgr.inbox_depth(), 0u);
  ASSERT_TRUE(sync_manager());
  release.set_value();

  std::size_t drained = 0;
  EXPECT_TRUE(c.wait_closed(10s, &drained));
  EXPECT_EQ(c.close_code(), 1013);
  EXPECT_EQ(c.close_reason(), "server overloaded");
  EXPECT_EQ(drained, 0u);  // nothing of the refused backlog was sent
  EXPECT_EQ(metrics.value("mdfan_server_overload_disconnects_total"), 1);
  EXPECT_EQ(metrics.value("mdfan_server_queue_drops_total"), total);

  // The server still serves others.
  ws_client d;
  ASSERT_TRUE(d.connect(srv.local_port())) << d.error();
  ASSERT_TRUE(d.send(R"({"op":"subscribe","topics":["trade:*:*"]})"));
  ASSERT_TRUE(d.read(5s));
  mgr.ingest_local(make_trade("BTC-USDT", "after"));
  auto m = d.read(5s);
  ASSERT_TRUE(m && contains(*m, R"("after")")) << (m ? *m : d.error());

  auto p = std::make_shared<std::promise<void>>();
  auto f = p->get_future();
  srv.stop([p] { p->set_value(); });
  EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
  mgr_work.reset();
  srv_work.reset();
  mgr_io.stop();
  srv_io.stop();
  mgr_thread.join();
  srv_thread.join();
}
