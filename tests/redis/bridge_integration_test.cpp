// event_bridge against a real redis-server: two (or three) bridges in one process, each on its own
// io thread, exchanging events through Redis pub/sub.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <vector>
#include <thread>
#include <atomic>

#include "bridge/envelope.hpp"
#include "bridge/event_bridge.hpp"
#include "core/codec.hpp"
#include "test_util.hpp"

using namespace mdfan;
using mdfan::test::eventually;
using mdfan::test::numsub;
using namespace std::chrono_literals;

namespace {

const std::string btc_trades = "md:trade:binance:BTC-USDT";

bridge_config make_config(const test::redis_server& server, bool publish, bool subscribe) {
  bridge_config c;
  c.redis.host = "127.0.0.1";
  c.redis.port = server.port();
  c.redis.connect_timeout = 1000ms;
  c.redis.backoff = backoff_config{20ms, 200ms, 2.0};
  c.redis.health_check_interval = 1000ms;
  c.publish = publish;
  c.subscribe = subscribe;
  c.advertise_interval = 500ms;
  c.advertise_ttl = 3000ms;
  c.discover_interval = 200ms;
  c.flush_timeout = 2000ms;
  return c;
}

event_ptr make_event(event ev) {
  auto p = std::make_shared<published_event>();
  p->topic = topic_of(ev);
  p->json = encode_json(ev);
  p->ev = std::move(ev);
  return p;
}

event_ptr trade_event(const std::string& id, exchange_id ex = exchange_id::binance,
                      const std::string& instrument = "BTC-USDT") {
  trade t;
  t.exchange = ex;
  t.instrument = instrument;
  t.symbol = "SYM";
  t.receive_ts_ns = 1700000000000000000;
  t.trade_id = id;
  t.price = decimal::from("43012.10");
  t.size = decimal::from("0.00100");
  t.aggressor = side::sell;
  return make_event(t);
}

event_ptr ticker_event(exchange_id ex, const std::string& instrument, const char* bid) {
  ticker t;
  t.exchange = ex;
  t.instrument = instrument;
  t.symbol = "SYM";
  t.bid_price = decimal::from(bid);
  t.ask_price = decimal::from("9999.5");
  return make_event(t);
}

event_ptr book_event(exchange_id ex, const std::string& instrument) {
  book_update b;
  b.exchange = ex;
  b.instrument = instrument;
  b.symbol = "SYM";
  b.snapshot = true;
  b.bids.push_back({decimal::from("1.5"), decimal::from("2")});
  return make_event(b);
}

topic_pattern pat(const char* s) { return *topic_pattern::parse(s); }

// One bridge on its own io thread with its own metrics, recording what it receives.
struct node {
  metrics_registry metrics;  // outlives io (handlers reference it) and the bridge
  test::io_thread io;
  std::mutex mu;
  std::vector<std::string> data;    // data_json as received
  std::vector<std::string> topics;  // topic_of(decoded event)
  std::vector<std::string> reencoded;
  std::unique_ptr<event_bridge> bridge;

  node(bridge_config cfg, const std::string& name, std::function<std::size_t()> backlog = {}) {
    bridge = std::make_unique<event_bridge>(io.ioc.get_executor(), std::move(cfg), test::test_logger(name), metrics,
                                            [this](event&& ev, std::string json) {
                                              std::lock_guard lock(mu);
                                              topics.push_back(topic_of(ev));
                                              reencoded.push_back(encode_json(ev));
                                              data.push_back(std::move(json));
                                            });
    if (backlog) bridge->set_remote_backlog(std::move(backlog));
    bridge->start();
  }
  ~node() {
    stop();
    bridge.reset();
    io.join();
  }
  bool stop() {
    if (!bridge) return true;
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    bridge->stop([done] { done->set_value(); });
    return f.wait_for(5s) == std::future_status::ready;
  }
  std::size_t received() {
    std::lock_guard lock(mu);
    return data.size();
  }
  std::vector<std::string> data_copy() {
    std::lock_guard lock(mu);
    return data;
  }
  event_bridge::health_info health() const { return bridge->health(); }
  std::int64_t metric(const char* name, const char* labels = "") const { return metrics.value(name, labels); }
};

}  // namespace

TEST(bridge, publish_reaches_subscriber_with_byte_identical_data) {
  test::redis_server server;
  node host(make_config(server, true, false), "host");
  node exec(make_config(server, false, true), "exec");
  exec.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));
  EXPECT_EQ(exec.metric("mdfan_bridge_subscribed_channels"), 1);

  std::vector<event_ptr> sent{trade_event("1"), trade_event("2"), trade_event("3")};
  for (const auto& ev : sent) host.bridge->publish(ev);
  ASSERT_TRUE(eventually([&] { return exec.received() == 3; }));
  {
    std::lock_guard lock(exec.mu);
    for (std::size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(exec.data[i], sent[i]->json);  // verbatim, in order
      EXPECT_EQ(exec.reencoded[i], sent[i]->json);
      EXPECT_EQ(exec.topics[i], "trade:binance:BTC-USDT");
    }
  }
  ASSERT_TRUE(eventually([&] { return host.health().published == 3; }));
  const auto h = exec.health();
  EXPECT_TRUE(h.subscriber_connected);
  EXPECT_EQ(h.received, 3u);
  EXPECT_EQ(h.gaps, 0u);
  EXPECT_EQ(h.decode_errors, 0u);
  EXPECT_EQ(h.self_filtered, 0u);
  EXPECT_GT(h.last_lag_ns, 0);
  EXPECT_LT(h.last_lag_ns, 5'000'000'000);
  EXPECT_EQ(exec.metric("mdfan_bridge_received_total"), 3);
  EXPECT_EQ(host.metric("mdfan_bridge_published_total"), 3);
  EXPECT_EQ(host.metric("mdfan_bridge_connected", R"(conn="publisher")"), 1);
  EXPECT_EQ(host.health().pending, 0u);
  EXPECT_NE(host.bridge->instance_id(), exec.bridge->instance_id());
  EXPECT_EQ(host.bridge->instance_id().size(), 36u);

  // Unsubscribing stops delivery.
  exec.bridge->remove_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 0; }));
  EXPECT_EQ(exec.metric("mdfan_bridge_subscribed_channels"), 0);
}

TEST(bridge, self_filter_drops_own_events_and_delivers_others) {
  test::redis_server server;
  node hybrid(make_config(server, true, true), "hybrid");
  node other(make_config(server, true, false), "other");
  hybrid.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));

  for (int i = 0; i < 3; ++i) hybrid.bridge->publish(trade_event("own" + std::to_string(i)));
  ASSERT_TRUE(eventually([&] { return hybrid.health().self_filtered == 3; }));
  EXPECT_EQ(hybrid.received(), 0u);

  const auto theirs = trade_event("theirs");
  other.bridge->publish(theirs);
  other.bridge->publish(trade_event("theirs2"));
  ASSERT_TRUE(eventually([&] { return hybrid.received() == 2; }));
  EXPECT_EQ(hybrid.data_copy()[0], theirs->json);
  EXPECT_EQ(hybrid.health().self_filtered, 3u);
  EXPECT_EQ(hybrid.metric("mdfan_bridge_self_filtered_total"), 3);
  EXPECT_EQ(hybrid.health().gaps, 0u);
}

TEST(bridge, counts_gaps_and_decode_errors_from_injected_messages) {
  test::redis_server server;
  node exec(make_config(server, false, true), "exec");
  exec.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));

  const std::string data = trade_event("x")->json;
  auto inject = [&](const std::string& src, std::uint64_t seq) {
    std::string payload;
    encode_envelope(payload, "trade", src, seq, 1700000000000000000, data);
    ASSERT_EQ(server.cli("PUBLISH " + btc_trades + " '" + payload + "'"), "1");
  };
  inject("injector", 1);
  inject("injector", 2);
  inject("injector", 6);  // 3, 4, 5 missing
  inject("another", 10);  // first of its pair: records only
  inject("another", 12);  // 11 missing
  ASSERT_TRUE(eventually([&] { return exec.received() == 5; }));
  EXPECT_EQ(exec.health().gaps, 4u);
  EXPECT_EQ(exec.metric("mdfan_bridge_gaps_total"), 4);
  EXPECT_EQ(exec.data_copy()[0], data);

  // Our own id is filtered even when the envelope was not published by us.
  inject(exec.bridge->instance_id(), 1);
  // Malformed: not JSON, wrong version, bad event data, type mismatch. Counted, logged, survived.
  ASSERT_EQ(server.cli("PUBLISH " + btc_trades + " 'not json at all'"), "1");
  ASSERT_EQ(server.cli("PUBLISH " + btc_trades +
                       " '{\"v\":9,\"type\":\"trade\",\"src\":\"s\",\"seq\":1,\"ts\":1,\"data\":{}}'"),
            "1");
  ASSERT_EQ(
      server.cli("PUBLISH " + btc_trades +
                 " '{\"v\":1,\"type\":\"trade\",\"src\":\"s\",\"seq\":1,\"ts\":1,\"data\":{\"type\":\"trade\"}}'"),
      "1");
  std::string mismatch;
  encode_envelope(mismatch, "ticker", "s", 1, 1, data);
  ASSERT_EQ(server.cli("PUBLISH " + btc_trades + " '" + mismatch + "'"), "1");
  ASSERT_TRUE(eventually([&] { return exec.health().decode_errors == 4; }));
  EXPECT_EQ(exec.health().self_filtered, 1u);
  // Still working afterwards.
  inject("injector", 7);
  ASSERT_TRUE(eventually([&] { return exec.received() == 6; }));
  EXPECT_EQ(exec.health().gaps, 4u);
}

TEST(bridge, wildcard_interest_is_resolved_through_the_advertisement) {
  test::redis_server server;
  node host(make_config(server, true, false), "host");
  node exec(make_config(server, false, true), "exec");

  host.bridge->publish(trade_event("a"));
  host.bridge->publish(ticker_event(exchange_id::kraken, "ETH-USDT", "1.0"));
  ASSERT_TRUE(eventually([&] { return host.health().published == 2; }));
  const std::string members = server.cli("ZRANGE md:instruments 0 -1");
  EXPECT_NE(members.find("binance:BTC-USDT"), std::string::npos) << members;
  EXPECT_NE(members.find("kraken:ETH-USDT"), std::string::npos) << members;
  const int pttl = std::atoi(server.cli("PTTL md:instruments").c_str());
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 3000);

  // ticker on any exchange for ETH-USDT: resolves to the one advertised channel.
  exec.bridge->add_interest(pat("ticker:*:ETH-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, "md:ticker:kraken:ETH-USDT") == 1; }));
  EXPECT_EQ(exec.metric("mdfan_bridge_subscribed_channels"), 1);
  host.bridge->publish(trade_event("not-wanted"));
  const auto wanted = ticker_event(exchange_id::kraken, "ETH-USDT", "2.0");
  host.bridge->publish(wanted);
  ASSERT_TRUE(eventually([&] { return exec.received() == 1; }));
  EXPECT_EQ(exec.data_copy()[0], wanted->json);

  // Everything: 2 instruments x 4 types, sharing the ticker channel with the first pattern.
  exec.bridge->add_interest(pat("*:*:*"));
  ASSERT_TRUE(eventually([&] { return exec.metric("mdfan_bridge_subscribed_channels") == 8; }));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));
  host.bridge->publish(trade_event("wanted-now"));
  ASSERT_TRUE(eventually([&] { return exec.received() == 2; }));

  // A new instrument is advertised at once and picked up by the periodic discovery.
  host.bridge->publish(book_event(exchange_id::okx, "SOL-USDT"));
  ASSERT_TRUE(eventually([&] { return exec.metric("mdfan_bridge_subscribed_channels") == 12; }));
  ASSERT_TRUE(eventually([&] { return numsub(server, "md:book:okx:SOL-USDT") == 1; }));
  host.bridge->publish(book_event(exchange_id::okx, "SOL-USDT"));
  ASSERT_TRUE(eventually([&] { return exec.received() == 3; }));

  // Refcounts: dropping *:*:* keeps the ticker channel the first pattern still needs.
  exec.bridge->remove_interest(pat("*:*:*"));
  ASSERT_TRUE(eventually([&] { return exec.metric("mdfan_bridge_subscribed_channels") == 1; }));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 0; }));
  EXPECT_EQ(numsub(server, "md:ticker:kraken:ETH-USDT"), 1);
  exec.bridge->remove_interest(pat("ticker:*:ETH-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, "md:ticker:kraken:ETH-USDT") == 0; }));
  EXPECT_EQ(exec.metric("mdfan_bridge_subscribed_channels"), 0);
}

// Back-pressure: while the receiver reports a backlog over max_remote_backlog the subscriber stops
// reading (longer than a health-check interval, without being taken for a dead server); once the
// backlog falls it reads on, and nothing is lost or reordered.
TEST(bridge, pauses_reading_while_the_receiver_is_backlogged_and_loses_nothing) {
  test::redis_server server;
  std::atomic<bool> released{false};
  auto cfg = make_config(server, false, true);
  cfg.max_remote_backlog = 100;
  cfg.redis.health_check_interval = 300ms;
  node* exec_ptr = nullptr;
  // Until released, everything received counts as not yet handled.
  node exec(cfg, "exec", [&] { return released ? std::size_t{0} : exec_ptr->received(); });
  exec_ptr = &exec;
  node host(make_config(server, true, false), "host");
  exec.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));

  constexpr std::size_t total = 3000;
  std::vector<event_ptr> sent;
  for (std::size_t i = 0; i < total; ++i) sent.push_back(trade_event(std::to_string(i)));
  host.bridge->publish(sent);
  ASSERT_TRUE(eventually([&] { return host.health().published == total; }));
  ASSERT_TRUE(eventually([&] { return exec.metric("mdfan_bridge_read_paused") == 1; }));
  const auto paused_at = exec.received();
  EXPECT_GE(paused_at, 100u);
  std::this_thread::sleep_for(1s);  // > 3 health-check intervals
  EXPECT_EQ(exec.received(), paused_at) << "read on while paused";
  EXPECT_LT(paused_at, total);
  EXPECT_EQ(exec.health().read_pauses, 1u);
  EXPECT_EQ(exec.health().reconnects, 0u);
  EXPECT_TRUE(exec.health().subscriber_connected);

  released = true;
  ASSERT_TRUE(eventually([&] { return exec.received() == total; }));
  EXPECT_EQ(exec.metric("mdfan_bridge_read_paused"), 0);
  EXPECT_EQ(exec.metric("mdfan_bridge_read_pauses_total"), 1);
  const auto h = exec.health();
  EXPECT_EQ(h.gaps, 0u);
  EXPECT_EQ(h.reconnects, 0u);
  const auto got = exec.data_copy();
  for (std::size_t i = 0; i < total; ++i) ASSERT_EQ(got[i], sent[i]->json) << i;
}

TEST(bridge, host_role_opens_no_subscriber_connection) {
  test::redis_server server;
  node host(make_config(server, true, false), "host");
  ASSERT_TRUE(eventually([&] { return host.health().publisher_connected; }));
  host.bridge->add_interest(pat("trade:binance:BTC-USDT"));  // ignored: host role
  host.bridge->publish(trade_event("1"));
  ASSERT_TRUE(eventually([&] { return host.health().published == 1; }));
  EXPECT_EQ(test::client_count(server), 2);  // the publisher and the asking redis-cli
  EXPECT_EQ(numsub(server, btc_trades), 0);
  EXPECT_FALSE(host.health().subscriber_connected);
  EXPECT_EQ(host.health().received, 0u);
  EXPECT_EQ(host.metric("mdfan_bridge_connected", R"(conn="subscriber")"), 0);
}

TEST(bridge, reconnects_and_resubscribes_after_redis_restart) {
  test::redis_server server;
  node host(make_config(server, true, false), "host");
  node exec(make_config(server, false, true), "exec");
  exec.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));
  host.bridge->publish(trade_event("before"));
  ASSERT_TRUE(eventually([&] { return exec.received() == 1; }));

  server.kill();
  ASSERT_TRUE(eventually([&] { return !host.health().publisher_connected && !exec.health().subscriber_connected; }));
  EXPECT_EQ(exec.metric("mdfan_bridge_connected", R"(conn="subscriber")"), 0);
  server.restart();
  ASSERT_TRUE(eventually([&] { return host.health().publisher_connected && exec.health().subscriber_connected; }));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));  // resubscribed

  const auto after = trade_event("after");
  host.bridge->publish(after);
  ASSERT_TRUE(eventually([&] { return exec.received() == 2; }));
  EXPECT_EQ(exec.data_copy()[1], after->json);
  EXPECT_GE(host.metric("mdfan_bridge_reconnects_total", R"(conn="publisher")"), 1);
  EXPECT_GE(exec.metric("mdfan_bridge_reconnects_total", R"(conn="subscriber")"), 1);
  EXPECT_GE(exec.health().reconnects, 1u);
  EXPECT_EQ(exec.health().gaps, 0u);
  // The host advertised again into the fresh (empty) Redis.
  ASSERT_TRUE(eventually([&] { return server.cli("ZSCORE md:instruments binance:BTC-USDT") != ""; }));
}

TEST(bridge, buffers_while_redis_is_down_drops_oldest_and_flushes_after_reconnect) {
  test::redis_server server;
  auto host_cfg = make_config(server, true, false);
  host_cfg.max_pending = 10;
  // The host retries slowly (1.5-3 s) so the executor is resubscribed before the host's flush.
  host_cfg.redis.backoff = backoff_config{3000ms, 3000ms, 2.0};
  node host(host_cfg, "host");
  node exec(make_config(server, false, true), "exec");
  exec.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));
  host.bridge->publish(trade_event("first"));
  ASSERT_TRUE(eventually([&] { return exec.received() == 1; }));

  server.kill();
  ASSERT_TRUE(eventually([&] { return !host.health().publisher_connected; }));
  std::vector<event_ptr> sent;
  for (int i = 0; i < 15; ++i) {
    sent.push_back(trade_event("down" + std::to_string(i)));
    host.bridge->publish(sent.back());
  }
  ASSERT_TRUE(eventually([&] { return host.health().pending == 10; }));
  EXPECT_EQ(host.health().dropped, 5u);
  EXPECT_EQ(host.metric("mdfan_bridge_dropped_total"), 5);
  EXPECT_EQ(host.metric("mdfan_bridge_pending"), 10);

  server.restart();
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));
  EXPECT_FALSE(host.health().publisher_connected) << "host reconnected before the executor: test timing off";
  ASSERT_TRUE(eventually([&] { return exec.received() == 11; }, 8000ms));
  const auto got = exec.data_copy();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(got[1 + i], sent[5 + i]->json) << i;  // the newest ten, in order
  EXPECT_EQ(host.health().pending, 0u);
  EXPECT_EQ(host.metric("mdfan_bridge_pending"), 0);
  ASSERT_TRUE(eventually([&] { return host.health().published == 11; }));
  EXPECT_EQ(exec.health().gaps, 0u);  // sequence numbers are assigned when sent, not when dropped
}

TEST(bridge, stop_flushes_pending_publishes) {
  test::redis_server server;
  node host(make_config(server, true, false), "host");
  node exec(make_config(server, false, true), "exec");
  exec.bridge->add_interest(pat("trade:binance:BTC-USDT"));
  ASSERT_TRUE(eventually([&] { return numsub(server, btc_trades) == 1; }));
  ASSERT_TRUE(eventually([&] { return host.health().publisher_connected; }));

  constexpr int n = 2000;
  for (int i = 0; i < n; ++i) host.bridge->publish(trade_event(std::to_string(i)));
  ASSERT_TRUE(host.stop());
  EXPECT_EQ(host.health().published, static_cast<std::uint64_t>(n));
  EXPECT_EQ(host.health().dropped, 0u);
  EXPECT_FALSE(host.health().publisher_connected);
  ASSERT_TRUE(eventually([&] { return exec.received() == n; }));
  EXPECT_EQ(exec.health().gaps, 0u);
  // Publishing after stop is refused and counted.
  host.bridge->publish(trade_event("late"));
  EXPECT_EQ(host.health().dropped, 1u);
}

TEST(bridge, destruction_without_stop_closes_its_connections) {
  test::redis_server server;
  metrics_registry metrics;
  test::io_thread io;
  auto bridge = std::make_unique<event_bridge>(io.ioc.get_executor(), make_config(server, true, true),
                                               test::test_logger("hybrid"), metrics, nullptr);
  bridge->start();
  bridge->add_interest(pat("*:*:*"));
  ASSERT_TRUE(eventually([&] { return bridge->health().publisher_connected && bridge->health().subscriber_connected; }));
  EXPECT_EQ(test::client_count(server), 3);
  bridge->publish(trade_event("1"));
  bridge.reset();  // never blocks; the io thread closes everything
  ASSERT_TRUE(eventually([&] { return test::client_count(server) == 1; }));
}
