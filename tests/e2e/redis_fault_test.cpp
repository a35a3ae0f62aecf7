// Fault: Redis dies under a running host and executor (real processes) and comes back on the same port.
// While it is down the host's own clients keep receiving and both instances report unhealthy; after the
// restart the instances reconnect and resubscribe by themselves and the executor's client receives again.
#include <gtest/gtest.h>

#include <thread>

#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/ws_client.hpp"

using namespace std::chrono_literals;
namespace t = mdfan::test;

namespace {

struct instance {
  std::uint16_t port;
  t::child_process proc;
};

instance start_mdfan(const std::string& dir, const std::string& name, std::vector<std::string> args) {
  instance in{t::free_port(), {}};
  std::vector<std::string> argv{MDFAN_BINARY, "--listen", "127.0.0.1:" + std::to_string(in.port)};
  argv.insert(argv.end(), args.begin(), args.end());
  in.proc = t::child_process(argv, dir + "/" + name + ".log");
  EXPECT_TRUE(t::wait_for_port(in.port, 15s)) << t::read_file(dir + "/" + name + ".log");
  return in;
}

bool is_trade(std::string_view f) { return f.find(R"("type":"trade")") != std::string_view::npos; }

int health_status(std::uint16_t port) { return t::http_get(port, "/health").status; }

bool wait_health(std::uint16_t port, int status, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (health_status(port) == status) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace

TEST(fault, redis_restart_host_and_executor_recover_without_restart) {
  const std::string dir = t::make_temp_dir("fault");
  t::redis_server redis;
  const std::uint16_t sim_port = t::free_port();
  t::child_process sim({MDFAN_BINARY, "sim", "--listen", "127.0.0.1:" + std::to_string(sim_port), "--symbols",
                        "BTCUSDT", "--rate", "500", "--seed", "3"},
                       dir + "/sim.log");
  ASSERT_TRUE(t::wait_for_port(sim_port, 15s));
  auto host = start_mdfan(dir, "host",
                          {"--role", "host", "--redis-url", redis.url(), "--symbols", "BTCUSDT", "--exchange-ws-url",
                           "ws://127.0.0.1:" + std::to_string(sim_port), "--exchange-rest-url",
                           "http://127.0.0.1:" + std::to_string(sim_port)});
  auto exec = start_mdfan(dir, "exec", {"--role", "executor", "--redis-url", redis.url()});

  t::ws_client hc, ec;
  ASSERT_TRUE(hc.connect(host.port));
  ASSERT_TRUE(ec.connect(exec.port));
  const std::string sub = R"({"op":"subscribe","topics":["trade:binance:BTC-USDT"]})";
  ASSERT_TRUE(hc.send(sub));
  ASSERT_TRUE(ec.send(sub));
  ASSERT_TRUE(hc.read_until(is_trade, 15s)) << "host client got no trade";
  ASSERT_TRUE(ec.read_until(is_trade, 15s)) << "executor client got no trade";
  ASSERT_TRUE(wait_health(exec.port, 200, 10s));
  ASSERT_TRUE(wait_health(host.port, 200, 10s));

  redis.kill();
  // Both notice (health checks or a failed write) and turn unhealthy; the host keeps serving locally.
  EXPECT_TRUE(wait_health(exec.port, 503, 15s)) << t::http_get(exec.port, "/health").body;
  EXPECT_TRUE(wait_health(host.port, 503, 15s)) << t::http_get(host.port, "/health").body;
  ASSERT_TRUE(hc.read_until(is_trade, 5s)) << "host's local clients must keep receiving while Redis is down";

  // The executor receives nothing while Redis is down: drain what it had queued before the kill.
  for (int i = 0; i < 100000 && ec.read(300ms); ++i) {
  }
  ASSERT_TRUE(ec.is_open());

  redis.restart();
  ASSERT_TRUE(wait_health(exec.port, 200, 20s)) << t::http_get(exec.port, "/health").body;
  ASSERT_TRUE(wait_health(host.port, 200, 20s)) << t::http_get(host.port, "/health").body;
  // Every trade read now was published after the restart.
  std::size_t fresh = 0;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (fresh < 20 && std::chrono::steady_clock::now() < deadline) {
    auto f = ec.read(500ms);
    if (f && is_trade(*f)) ++fresh;
  }
  EXPECT_GE(fresh, 20u) << "executor did not resubscribe after the Redis restart";
  const auto m = t::http_get(exec.port, "/metrics").body;
  EXPECT_NE(m.find("mdfan_bridge_reconnects_total"), std::string::npos);

  EXPECT_EQ(exec.proc.stop(10s), 0);
  EXPECT_EQ(host.proc.stop(10s), 0);
  sim.stop(5s);
}
