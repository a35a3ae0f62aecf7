// redis::connection against a real redis-server: pipelining, AUTH/SELECT, pub/sub pushes,
// reconnection after a restart, health checks and connect timeouts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "redis/connection.hpp"
#include "test_util.hpp"

using namespace mdfan;
using namespace mdfan::redis;
using mdfan::test::eventually;
using namespace std::chrono_literals;

namespace {

redis_config fast_config(std::uint16_t port) {
  redis_config c;
  c.host = "127.0.0.1";
  c.port = port;
  c.connect_timeout = 1000ms;
  c.backoff = backoff_config{20ms, 200ms, 2.0};
  c.health_check_interval = 1000ms;
  return c;
}

// A connection on its own io thread, recording its state changes and pushes.
struct client {
  test::io_thread io;
  std::shared_ptr<connection> conn;
  std::mutex mu;
  std::vector<connection::state> states;
  std::vector<std::string> pushes;
  std::atomic<int> ups{0}, downs{0};

  client(const redis_config& cfg, bool subscriber, std::function<void(connection&)> on_up = {}) {
    conn = std::make_shared<connection>(net::make_strand(io.ioc.get_executor()), cfg,
                                        connection::options{subscriber, subscriber ? "sub" : "cmd"},
                                        test::test_logger("redis-test"));
    conn->set_state_handler([this, on_up = std::move(on_up)](connection::state st) {
      {
        std::lock_guard lock(mu);
        states.push_back(st);
      }
      if (st == connection::state::connected) {
        if (on_up) on_up(*conn);
        ++ups;
      } else {
        ++downs;
      }
    });
    conn->set_push_handler([this](reply_view r) {
      std::string s;
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (i) s += '|';
        s += r[i].type() == reply_view::kind::integer ? std::to_string(r[i].integer()) : std::string(r[i].str());
      }
      std::lock_guard lock(mu);
      pushes.push_back(s);
    });
    conn->start();
  }
  ~client() {
    conn->stop();
    io.join();
  }

  std::vector<std::string> pushes_copy() {
    std::lock_guard lock(mu);
    return pushes;
  }
};

// Counts finished callbacks so a test can wait (bounded) until they have all run.
struct waiter {
  std::mutex mu;
  int done = 0;
  reply_fn wrap(std::function<void(error_code, reply_view)> fn) {
    return [this, fn = std::move(fn)](error_code ec, reply_view r) {
      fn(ec, r);
      std::lock_guard lock(mu);
      ++done;
    };
  }
  bool wait(int n) {
    return eventually([&] {
      std::lock_guard lock(mu);
      return done >= n;
    });
  }
};

}  // namespace

TEST(redis_connection, pipelined_commands_get_their_replies_in_order) {
  test::redis_server server;
  client c(fast_config(server.port()), false);
  ASSERT_TRUE(eventually([&] { return c.ups.load() == 1; }));

  constexpr int n = 2000;
  waiter w;
  std::vector<long long> values;
  std::mutex mu;
  // Several requests sent back to back from another thread; they coalesce behind the write in flight.
  for (int batch = 0; batch < 4; ++batch) {
    request req;
    for (int i = 0; i < n / 4; ++i) {
      if (i % 2) {
        req.push({"INCR", "counter"});  // reply discarded
        continue;
      }
      req.push({"INCR", "counter"}, w.wrap([&](error_code ec, reply_view r) {
        EXPECT_FALSE(ec);
        std::lock_guard lock(mu);
        values.push_back(r.integer());
      }));
    }
    c.conn->send(std::move(req));
  }
  ASSERT_TRUE(w.wait(n / 2));
  ASSERT_EQ(values.size(), static_cast<std::size_t>(n / 2));
  for (int i = 0; i < n / 2; ++i) EXPECT_EQ(values[i], 2 * i + 1);
  EXPECT_EQ(server.cli("GET counter"), std::to_string(n));

  // Error replies reach their own callback and do not disturb the stream.
  waiter w2;
  request req;
  std::string err_text;
  long long after = 0;
  req.push({"LPUSH", "counter", "x"}, w2.wrap([&](error_code ec, reply_view r) {
    EXPECT_EQ(ec, error::server_error);
    err_text = std::string(r.str());
  }));
  req.push({"INCR", "counter"}, w2.wrap([&](error_code ec, reply_view r) { after = r.integer(); }));
  c.conn->send(std::move(req));
  ASSERT_TRUE(w2.wait(2));
  EXPECT_NE(err_text.find("WRONGTYPE"), std::string::npos) << err_text;
  EXPECT_EQ(after, n + 1);
}

TEST(redis_connection, authenticates_and_selects_the_database) {
  test::redis_server server;
  ASSERT_EQ(server.cli("ACL SETUSER alice on '>pw1' '~*' '&*' '+@all'"), "OK");
  ASSERT_EQ(server.cli("CONFIG SET requirepass s3cret"), "OK");
  const std::string auth = "-a s3cret --no-auth-warning ";

  for (const std::string& url : {"redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/2",
                                 "redis://alice:pw1@127.0.0.1:" + std::to_string(server.port()) + "/3"}) {
    auto cfg = fast_config(0);
    std::string err;
    ASSERT_TRUE(parse_redis_url(url, cfg, &err)) << err;
    client c(cfg, false);
    ASSERT_TRUE(eventually([&] { return c.ups.load() == 1; })) << url;
    waiter w;
    request req;
    req.push({"SET", "k", url}, w.wrap([](error_code ec, reply_view) { EXPECT_FALSE(ec); }));
    c.conn->send(std::move(req));
    ASSERT_TRUE(w.wait(1));
    EXPECT_EQ(server.cli(auth + "-n " + std::to_string(cfg.db) + " GET k"), url);
  }

  // A wrong password never connects; commands fail fast with not_connected.
  auto cfg = fast_config(server.port());
  cfg.password = "wrong";
  client bad(cfg, false);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(bad.ups.load(), 0);
  waiter w;
  error_code got;
  request req;
  req.push({"PING"}, w.wrap([&](error_code ec, reply_view) { got = ec; }));
  bad.conn->send(std::move(req));
  ASSERT_TRUE(w.wait(1));
  EXPECT_EQ(got, error::not_connected);
}

TEST(redis_connection, subscriber_gets_pushes_and_ping_replies) {
  test::redis_server server;
  client c(fast_config(server.port()), true, [](connection& conn) {
    request req;
    req.push_unacknowledged({"SUBSCRIBE", "ch1", "ch2"});
    conn.send(std::move(req));
  });
  ASSERT_TRUE(eventually([&] { return c.pushes_copy().size() == 2; }));
  EXPECT_EQ(c.pushes_copy()[0], "subscribe|ch1|1");
  ASSERT_EQ(server.cli("PUBLISH ch2 hello"), "1");
  // PING inside the subscribe context answers with an array that is a reply, not a push.
  waiter w;
  std::string pong;
  request req;
  req.push({"PING"}, w.wrap([&](error_code ec, reply_view r) {
    EXPECT_FALSE(ec);
    pong = std::string(r[0].str());
  }));
  c.conn->send(std::move(req));
  ASSERT_TRUE(w.wait(1));
  EXPECT_EQ(pong, "pong");
  ASSERT_TRUE(eventually([&] { return c.pushes_copy().size() == 3; }));
  EXPECT_EQ(c.pushes_copy()[2], "message|ch2|hello");
}

TEST(redis_connection, reconnects_after_restart_and_reports_state) {
  test::redis_server server;
  client c(fast_config(server.port()), true, [](connection& conn) {
    request req;
    req.push_unacknowledged({"SUBSCRIBE", "news"});
    conn.send(std::move(req));
  });
  ASSERT_TRUE(eventually([&] { return test::numsub(server, "news") == 1; }));
  server.kill();
  ASSERT_TRUE(eventually([&] { return c.downs.load() == 1; }));
  server.restart();
  ASSERT_TRUE(eventually([&] { return c.ups.load() == 2; }));
  // The state handler resubscribed on the new connection.
  ASSERT_TRUE(eventually([&] { return test::numsub(server, "news") == 1; }));
  ASSERT_EQ(server.cli("PUBLISH news again"), "1");
  ASSERT_TRUE(eventually([&] {
    const auto p = c.pushes_copy();
    return !p.empty() && p.back() == "message|news|again";
  }));
  std::lock_guard lock(c.mu);
  EXPECT_EQ(c.states, (std::vector<connection::state>{connection::state::connected, connection::state::disconnected,
                                                      connection::state::connected}));
}

TEST(redis_connection, health_check_detects_an_unresponsive_server) {
  test::redis_server server;
  auto cfg = fast_config(server.port());
  cfg.health_check_interval = 100ms;
  cfg.health_check_timeout = 300ms;
  client c(cfg, false);
  ASSERT_TRUE(eventually([&] { return c.ups.load() == 1; }));
  // Idle PINGs keep a healthy connection up.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(c.downs.load(), 0);
  // The server stops answering (every client paused): the PING times out.
  ASSERT_EQ(server.cli("CLIENT PAUSE 1500 ALL"), "OK");
  ASSERT_TRUE(eventually([&] { return c.downs.load() >= 1; }, 1500ms));
  // After the pause it is healthy again.
  ASSERT_TRUE(eventually([&] { return c.ups.load() >= 2 && c.downs.load() < c.ups.load(); }, 5000ms));
}

TEST(redis_connection, connect_timeout_bounds_a_silent_handshake) {
  // A listener that never accepts: TCP connects (kernel backlog) but AUTH is never answered.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);

  auto cfg = fast_config(ntohs(addr.sin_port));
  cfg.password = "x";
  cfg.connect_timeout = 150ms;
  {
    client c(cfg, false);
    std::this_thread::sleep_for(1000ms);
    EXPECT_EQ(c.ups.load(), 0);
  }
  // Each timed-out attempt was abandoned and a new one made: several connections queued up.
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  int attempts = 0;
  for (int a; (a = ::accept(fd, nullptr, nullptr)) >= 0;) {
    ++attempts;
    ::close(a);
  }
  ::close(fd);
  EXPECT_GE(attempts, 3);
}
