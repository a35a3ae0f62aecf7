#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "manager/manager.hpp"

using namespace mdfan;

namespace {

struct recording_sink : event_sink {
  std::vector<event_ptr> got;
  void deliver(const event_ptr& ev) override { got.push_back(ev); }
};

trade make_trade(const char* instr, const char* id) {
  trade t;
  t.exchange = exchange_id::binance;
  t.instrument = instr;
  t.symbol = "X";
  t.trade_id = id;
  t.price = decimal::from("1.10");
  t.size = decimal::from("2");
  return t;
}

book_update make_book(bool snap, std::uint64_t first, std::uint64_t last, const char* bid) {
  book_update b;
  b.exchange = exchange_id::binance;
  b.instrument = "BTC-USDT";
  b.snapshot = snap;
  b.first_sequence = first;
  b.sequence = last;
  b.bids = {{decimal::from(bid), decimal::from("1")}};
  return b;
}

struct manager_fixture : ::testing::Test {
  boost::asio::io_context io;
  metrics_registry metrics;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  manager m{io.get_executor(), manager_config{}, log, metrics};
  void run() {
    io.restart();
    io.run();
  }
};

}  // namespace

TEST_F(manager_fixture, routes_by_pattern_and_encodes_once) {
  auto a = std::make_shared<recording_sink>();
  auto b = std::make_shared<recording_sink>();
  m.subscribe(a, {*topic_pattern::parse("trade:binance:BTC-USDT")}, false);
  m.subscribe(b, {*topic_pattern::parse("trade:*:*"), *topic_pattern::parse("*:binance:BTC-USDT")}, false);
  std::vector<event_ptr> bridged;
  m.set_bridge_batch([&](std::span<const event_ptr> evs) { bridged.insert(bridged.end(), evs.begin(), evs.end()); });
  run();
  m.ingest_local(make_trade("BTC-USDT", "1"));
  m.ingest_local(make_trade("ETH-USDT", "2"));
  run();
  ASSERT_EQ(a->got.size(), 1u);
  ASSERT_EQ(b->got.size(), 2u);  // two matching patterns, still delivered once
  EXPECT_EQ(a->got[0].get(), b->got[0].get());  // the same shared encoding
  EXPECT_EQ(bridged.size(), 2u);
  EXPECT_EQ(metrics.value("mdfan_events_out_total", R"(type="trade")"), 3);
}

TEST_F(manager_fixture, remote_events_are_not_bridged) {
  auto a = std::make_shared<recording_sink>();
  m.subscribe(a, {*topic_pattern::parse("trade:*:*")}, false);
  std::size_t bridged = 0;
  m.set_bridge_batch([&](std::span<const event_ptr> evs) { bridged += evs.size(); });
  run();
  m.ingest_remote(make_trade("BTC-USDT", "9"), R"({"raw":true})");
  run();
  ASSERT_EQ(a->got.size(), 1u);
  EXPECT_EQ(a->got[0]->json, R"({"raw":true})");  // forwarded as received, not re-encoded
  EXPECT_EQ(bridged, 0u);
}

TEST_F(manager_fixture, remote_events_arriving_together_take_one_post_and_keep_their_order) {
  auto a = std::make_shared<recording_sink>();
  m.subscribe(a, {*topic_pattern::parse("trade:*:*")}, false);
  run();
  for (int i = 0; i < 100; ++i) {
    const auto id = std::to_string(i);
    m.ingest_remote(make_trade("BTC-USDT", id.c_str()), "{\"n\":" + id + "}");
  }
  // One handler runs them all, in order.
  io.restart();
  EXPECT_EQ(io.run_one(), 1u);
  ASSERT_EQ(a->got.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a->got[i]->json, "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(io.poll(), 0u);
  // The next one posts again.
  m.ingest_remote(make_trade("BTC-USDT", "x"), "{}");
  run();
  EXPECT_EQ(a->got.size(), 101u);
  EXPECT_EQ(metrics.value("mdfan_events_in_total", R"(type="trade",source="remote")"), 101);
}

TEST_F(manager_fixture, a_local_batch_takes_one_post_and_reaches_the_bridge_in_order) {
  auto a = std::make_shared<recording_sink>();
  m.subscribe(a, {*topic_pattern::parse("trade:*:*")}, false);
  std::vector<std::vector<event_ptr>> batches;
  m.set_bridge_batch([&](std::span<const event_ptr> evs) { batches.emplace_back(evs.begin(), evs.end()); });
  run();
  std::vector<event> evs;
  for (int i = 0; i < 50; ++i) evs.push_back(make_trade("BTC-USDT", std::to_string(i).c_str()));
  m.ingest_local(evs);
  EXPECT_TRUE(evs.empty());
  m.ingest_remote(make_trade("BTC-USDT", "r"), "{}");
  m.ingest_local(make_trade("ETH-USDT", "50"));
  // One handler runs all of them, in arrival order; remote events are not bridged.
  io.restart();
  EXPECT_EQ(io.run_one(), 1u);
  ASSERT_EQ(a->got.size(), 52u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(std::get<trade>(a->got[i]->ev).trade_id, std::to_string(i));
  EXPECT_EQ(std::get<trade>(a->got[50]->ev).trade_id, "r");
  EXPECT_EQ(std::get<trade>(a->got[51]->ev).trade_id, "50");
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 51u);
  for (int i = 0; i < 51; ++i) {
    // The very events the sinks got (one shared encoding), the remote one ("r", a->got[50]) left out.
    EXPECT_EQ(batches[0][i].get(), a->got[i < 50 ? i : 51].get());
    EXPECT_EQ(std::get<trade>(batches[0][i]->ev).trade_id, std::to_string(i));
  }
  EXPECT_NE(batches[0][0]->json.find(R"("id":"0")"), std::string::npos);
  EXPECT_EQ(metrics.value("mdfan_events_in_total", R"(type="trade",source="local")"), 51);
  EXPECT_EQ(metrics.value("mdfan_events_in_total", R"(type="trade",source="remote")"), 1);
  EXPECT_EQ(io.poll(), 0u);
}

TEST_F(manager_fixture, unsubscribe_and_removed_sink_stop_delivery) {
  auto a = std::make_shared<recording_sink>();
  std::vector<std::pair<std::string, bool>> interest;
  m.set_interest_listener([&](const topic_pattern& p, bool added) { interest.emplace_back(p.str(), added); });
  const auto p = *topic_pattern::parse("trade:binance:BTC-USDT");
  m.subscribe(a, {p}, false);
  run();
  m.ingest_local(make_trade("BTC-USDT", "1"));
  run();
  m.unsubscribe(a, {p});
  run();
  m.ingest_local(make_trade("BTC-USDT", "2"));
  run();
  EXPECT_EQ(a->got.size(), 1u);
  ASSERT_EQ(interest.size(), 2u);
  EXPECT_EQ(interest[0], std::make_pair(std::string("trade:binance:BTC-USDT"), true));
  EXPECT_EQ(interest[1], std::make_pair(std::string("trade:binance:BTC-USDT"), false));
}

TEST_F(manager_fixture, snapshot_on_subscribe_and_book_continuity) {
  m.ingest_local(make_book(true, 10, 10, "100"));
  m.ingest_local(make_book(false, 11, 12, "101"));
  run();
  auto a = std::make_shared<recording_sink>();
  m.subscribe(a, {*topic_pattern::parse("book:binance:BTC-USDT")}, true);
  run();
  ASSERT_EQ(a->got.size(), 1u);
  const auto& snap = std::get<book_update>(a->got[0]->ev);
  EXPECT_TRUE(snap.snapshot);
  EXPECT_EQ(snap.sequence, 12u);
  ASSERT_EQ(snap.bids.size(), 2u);
  EXPECT_EQ(snap.bids[0].price.str(), "101");

  m.ingest_local(make_book(false, 20, 21, "102"));  // gap: 13..19 missing
  run();
  EXPECT_EQ(metrics.value("mdfan_manager_book_gaps_total"), 1);
  bool synced = true;
  m.post([&] { synced = m.book("book:binance:BTC-USDT") != nullptr; });
  run();
  EXPECT_FALSE(synced);
}

// A backlog larger than drain_chunk is routed a chunk per handler, in order, with whatever the sinks
// posted meanwhile running between the chunks; inbox_depth() and its gauge count what is left.
TEST(manager_chunks, a_large_backlog_is_routed_in_chunks_with_other_work_between) {
  boost::asio::io_context io;
  metrics_registry metrics;
  auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  manager m{io.get_executor(), manager_config{100, 64}, log, metrics};
  auto a = std::make_shared<recording_sink>();
  m.subscribe(a, {*topic_pattern::parse("trade:*:*")}, false);
  io.run();
  for (int i = 0; i < 200; ++i) {
    const auto id = std::to_string(i);
    m.ingest_remote(make_trade("BTC-USDT", id.c_str()), "{\"n\":" + id + "}");
  }
  EXPECT_EQ(m.inbox_depth(), 200u);
  std::vector<std::size_t> seen_between;  // a.got.size() when other strand work ran
  io.restart();
  EXPECT_EQ(io.run_one(), 1u);  // the first chunk
  EXPECT_EQ(a->got.size(), 64u);
  EXPECT_EQ(m.inbox_depth(), 136u);
  EXPECT_EQ(metrics.value("mdfan_manager_inbox_depth"), 200);  // as the drain found it
  m.post([&] { seen_between.push_back(a->got.size()); });       // queued behind the re-posted chunk
  m.ingest_remote(make_trade("BTC-USDT", "late"), "{}");       // arrives mid-chain: no extra post
  EXPECT_EQ(io.run_one(), 1u);
  EXPECT_EQ(a->got.size(), 128u);
  io.run();
  ASSERT_EQ(a->got.size(), 201u);
  ASSERT_EQ(seen_between.size(), 1u);
  EXPECT_EQ(seen_between[0], 128u);  // ran between the second and third chunk
  for (int i = 0; i < 200; ++i) EXPECT_EQ(a->got[i]->json, "{\"n\":" + std::to_string(i) + "}");
  EXPECT_EQ(std::get<trade>(a->got[200]->ev).trade_id, "late");
  EXPECT_EQ(m.inbox_depth(), 0u);
  EXPECT_EQ(metrics.value("mdfan_events_in_total", R"(type="trade",source="remote")"), 201);
  // Idle again: the next event posts afresh.
  m.ingest_remote(make_trade("BTC-USDT", "next"), "{}");
  io.restart();
  EXPECT_EQ(io.run_one(), 1u);
  EXPECT_EQ(a->got.size(), 202u);
}
