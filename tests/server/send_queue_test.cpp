// The send queue's slow-consumer policies without sockets: conflation, drops and gap notices, book
// recovery through a snapshot, disconnects, and the bounds.
#include "server/send_queue.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/protocol.hpp"
#include "server/slow_consumer.hpp"

using namespace mdfan;
using namespace mdfan::server_detail;

namespace {

event_ptr tick(const char* instr, const char* bid) {
  ticker t;
  t.exchange = exchange_id::binance;
  t.instrument = instr;
  t.symbol = "SYM";
  t.bid_price = decimal::from(bid);
  t.bid_size = decimal::from("1");
  t.ask_price = decimal::from("99999");
  t.ask_size = decimal::from("2");
  return make_published(t);
}

event_ptr trd(const char* instr, int id) {
  trade t;
  t.exchange = exchange_id::binance;
  t.instrument = instr;
  t.symbol = "SYM";
  t.trade_id = std::to_string(id);
  t.price = decimal::from("100");
  t.size = decimal::from("1");
  return make_published(t);
}

event_ptr book(const char* instr, std::uint64_t seq, bool snapshot = false) {
  book_update b;
  b.exchange = exchange_id::binance;
  b.instrument = instr;
  b.snapshot = snapshot;
  b.first_sequence = seq;
  b.sequence = seq;
  b.bids = {{decimal::from("100"), decimal::from("1")}};
  return make_published(b);
}

event_ptr bar(const char* instr, std::int64_t open_time, const char* close, bool closed) {
  candle c;
  c.exchange = exchange_id::binance;
  c.instrument = instr;
  c.symbol = "SYM";
  c.interval = "1m";
  c.open_time_ns = open_time;
  c.close_time_ns = open_time + 60'000'000'000;
  c.open = c.high = c.low = decimal::from("1");
  c.close = decimal::from(close);
  c.closed = closed;
  return make_published(c);
}

outbound_frame frame(event_ptr ev) { return outbound_frame{std::move(ev), nullptr}; }
outbound_frame text(std::string s) {
  return outbound_frame{nullptr, std::make_shared<const std::string>(std::move(s))};
}

// What the client would read if the queue were written out now.
std::vector<std::string> drain(send_queue& q) {
  std::vector<std::string> out;
  while (!q.empty()) {
    out.emplace_back(q.front().bytes());
    q.pop_front();
  }
  return out;
}

std::size_t idx(event_type t) { return static_cast<std::size_t>(t); }

}  // namespace

TEST(send_queue, conflation_keeps_the_latest_ticker_per_topic_in_place) {
  send_queue q(0, 0);
  const auto a1 = tick("BTC-USDT", "1"), a2 = tick("BTC-USDT", "2"), a3 = tick("BTC-USDT", "3");
  const auto b1 = tick("ETH-USDT", "1");
  const auto t1 = trd("BTC-USDT", 1);
  EXPECT_EQ(q.push(frame(a1)), push_result::queued);
  EXPECT_EQ(q.push(frame(t1)), push_result::queued);
  EXPECT_EQ(q.push(frame(b1)), push_result::queued);
  EXPECT_EQ(q.push(frame(a2)), push_result::conflated);
  EXPECT_EQ(q.push(frame(a3)), push_result::conflated);
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(q.bytes(), a3->json.size() + t1->json.size() + b1->json.size());
  EXPECT_EQ(q.stats().conflated[idx(event_type::ticker)], 2U);
  EXPECT_EQ(drain(q), (std::vector<std::string>{a3->json, t1->json, b1->json}));
  // Once written, a topic's next value is queued again (and conflatable again).
  EXPECT_EQ(q.push(frame(a1)), push_result::queued);
  EXPECT_EQ(q.push(frame(a2)), push_result::conflated);
  EXPECT_EQ(drain(q), (std::vector<std::string>{a2->json}));
}

TEST(send_queue, the_frame_being_written_is_never_replaced) {
  send_queue q(0, 0);
  const auto a1 = tick("BTC-USDT", "1"), a2 = tick("BTC-USDT", "2"), a3 = tick("BTC-USDT", "3");
  q.push(frame(a1));
  q.begin_write();
  EXPECT_EQ(q.push(frame(a2)), push_result::queued);
  EXPECT_EQ(q.push(frame(a3)), push_result::conflated);  // replaces a2, not the a1 in flight
  EXPECT_EQ(drain(q), (std::vector<std::string>{a1->json, a3->json}));
}

TEST(send_queue, a_candle_replaces_only_its_own_bar) {
  send_queue q(0, 0);
  const auto m1a = bar("BTC-USDT", 0, "1", false), m1b = bar("BTC-USDT", 0, "2", true);
  const auto m2a = bar("BTC-USDT", 60'000'000'000, "3", false), m2b = bar("BTC-USDT", 60'000'000'000, "4", false);
  q.push(frame(m1a));
  EXPECT_EQ(q.push(frame(m1b)), push_result::conflated);
  EXPECT_EQ(q.push(frame(m2a)), push_result::queued);  // the closed bar keeps its final values
  EXPECT_EQ(q.push(frame(m2b)), push_result::conflated);
  EXPECT_EQ(drain(q), (std::vector<std::string>{m1b->json, m2b->json}));
}

TEST(send_queue, a_value_that_does_not_fit_is_held_and_sent_once_the_queue_drains) {
  send_queue q(4, 0);
  std::vector<event_ptr> trades;
  for (int i = 0; i < 4; ++i) {
    trades.push_back(trd("BTC-USDT", i));
    ASSERT_EQ(q.push(frame(trades.back())), push_result::queued);
  }
  const auto a1 = tick("BTC-USDT", "1"), a2 = tick("BTC-USDT", "2");
  EXPECT_EQ(q.push(frame(a1)), push_result::held);
  EXPECT_EQ(q.push(frame(a2)), push_result::conflated);
  EXPECT_EQ(q.size(), 4U);
  EXPECT_TRUE(q.recovering());
  std::vector<std::string> snaps;
  q.pop_front();
  q.recover(snaps);  // 3 queued: above half, nothing moves yet
  EXPECT_EQ(q.size(), 3U);
  q.pop_front();
  q.recover(snaps);
  EXPECT_FALSE(q.recovering());
  EXPECT_TRUE(snaps.empty());
  EXPECT_EQ(drain(q), (std::vector<std::string>{trades[2]->json, trades[3]->json, a2->json}));
  EXPECT_EQ(q.stats().conflated[idx(event_type::ticker)], 1U);
}

TEST(send_queue, trades_are_dropped_counted_and_reported_once_the_client_catches_up) {
  metrics_registry reg;
  overflow_counters c;
  c.dropped[idx(event_type::trade)] = &reg.get_counter("dropped", "", R"(type="trade")");
  c.lost = &reg.get_counter("lost", "");
  c.gap_notices = &reg.get_counter("gaps", "");
  send_queue q(4, 0, {}, c);
  std::vector<event_ptr> t;
  for (int i = 0; i < 12; ++i) t.push_back(trd("BTC-USDT", i));
  for (int i = 0; i < 4; ++i) ASSERT_EQ(q.push(frame(t[i])), push_result::queued);
  EXPECT_EQ(q.push(frame(t[4])), push_result::dropped);
  EXPECT_EQ(q.push(frame(t[5])), push_result::dropped);
  q.pop_front();  // 3 left: room for one, but the topic keeps dropping until the queue is at half
  EXPECT_EQ(q.push(frame(t[6])), push_result::dropped);
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(q.stats().dropped[idx(event_type::trade)], 3U);
  EXPECT_EQ(reg.value("dropped", R"(type="trade")"), 3);
  EXPECT_EQ(reg.value("lost"), 3);
  q.pop_front();
  std::vector<std::string> snaps;
  q.recover(snaps);  // at half: the notice is queued behind what the client has not read yet
  EXPECT_FALSE(q.recovering());
  EXPECT_EQ(q.push(frame(t[7])), push_result::queued);
  EXPECT_EQ(reg.value("gaps"), 1);
  EXPECT_EQ(drain(q),
            (std::vector<std::string>{t[2]->json, t[3]->json,
                                      R"({"type":"gap","topic":"trade:binance:BTC-USDT","dropped":3})", t[7]->json}));
}

TEST(send_queue, a_gap_notice_goes_right_before_the_next_trade_of_its_topic) {
  send_queue q(2, 0);
  const auto a = trd("BTC-USDT", 1), b = trd("BTC-USDT", 2), c = trd("BTC-USDT", 3), d = trd("BTC-USDT", 4);
  const auto other = trd("ETH-USDT", 9);
  q.push(frame(a));
  q.push(frame(b));
  EXPECT_EQ(q.push(frame(c)), push_result::dropped);
  EXPECT_EQ(q.push(frame(other)), push_result::dropped);
  q.pop_front();
  q.pop_front();
  // No recover() call: the next trade of the topic carries its notice in front of it.
  EXPECT_EQ(q.push(frame(d)), push_result::queued);
  EXPECT_EQ(drain(q), (std::vector<std::string>{server_protocol::make_gap("trade:binance:BTC-USDT", 1), d->json}));
  std::vector<std::string> snaps;
  q.recover(snaps);  // the other topic's notice, with nothing behind it
  EXPECT_EQ(drain(q), (std::vector<std::string>{server_protocol::make_gap("trade:binance:ETH-USDT", 1)}));
}

TEST(send_queue, a_book_update_that_does_not_fit_turns_into_a_gap_notice_and_a_fresh_snapshot) {
  send_queue q(5, 0);
  const auto d1 = book("BTC-USDT", 1), d2 = book("BTC-USDT", 2), d3 = book("BTC-USDT", 3), d4 = book("BTC-USDT", 4);
  const auto d5 = book("BTC-USDT", 5), d7 = book("BTC-USDT", 7);
  const auto eth = book("ETH-USDT", 1);
  const auto t1 = trd("BTC-USDT", 1), t2 = trd("BTC-USDT", 2);
  q.push(frame(d1));
  q.begin_write();  // d1 is on the wire: it stays
  q.push(frame(d2));
  q.push(frame(t1));
  q.push(frame(d3));
  q.push(frame(t2));
  EXPECT_EQ(q.push(frame(d4)), push_result::resync);
  EXPECT_EQ(q.size(), 3U);  // d1 (in flight), t1, t2
  EXPECT_EQ(q.stats().dropped[idx(event_type::book)], 3U);
  EXPECT_EQ(q.push(frame(eth)), push_result::queued);  // other topics are unaffected
  std::vector<std::string> snaps;
  q.recover(snaps);  // 4 queued of 5: above half, not yet
  EXPECT_TRUE(snaps.empty());
  q.pop_front();
  q.pop_front();
  q.recover(snaps);
  EXPECT_EQ(snaps, (std::vector<std::string>{"book:binance:BTC-USDT"}));
  snaps.clear();
  q.recover(snaps);
  EXPECT_TRUE(snaps.empty()) << "asked once";
  EXPECT_EQ(q.push(frame(d5)), push_result::dropped);  // cannot apply to the client's stale book
  const auto snap = book("BTC-USDT", 6, true);
  EXPECT_EQ(q.push(frame(snap)), push_result::queued);
  EXPECT_FALSE(q.recovering());
  EXPECT_EQ(q.push(frame(d7)), push_result::queued);
  EXPECT_EQ(q.stats().dropped[idx(event_type::book)], 4U);
  EXPECT_EQ(drain(q),
            (std::vector<std::string>{t2->json, eth->json, server_protocol::make_gap("book:binance:BTC-USDT", 4),
                                      snap->json, d7->json}));
}

TEST(send_queue, disconnect_policy_and_replies_that_do_not_fit) {
  slow_consumer_policy p;
  p.set(event_type::trade, slow_action::disconnect);
  send_queue q(1, 0, p);
  EXPECT_EQ(q.push(frame(trd("BTC-USDT", 1))), push_result::queued);
  EXPECT_EQ(q.push(frame(trd("BTC-USDT", 2))), push_result::disconnect);
  EXPECT_EQ(q.push(text(R"({"op":"pong"})")), push_result::disconnect);
  EXPECT_EQ(q.stats().dropped[idx(event_type::trade)], 1U);
  q.push(frame(tick("BTC-USDT", "1")));  // held
  EXPECT_EQ(q.discard(0, true), 1U);
  EXPECT_EQ(q.stats().dropped[idx(event_type::trade)], 2U);
  EXPECT_FALSE(q.recovering());
}

TEST(send_queue, forget_if_removes_held_values_and_book_recoveries) {
  send_queue q(1, 0);
  q.push(frame(trd("BTC-USDT", 1)));
  EXPECT_EQ(q.push(frame(tick("BTC-USDT", "1"))), push_result::held);
  EXPECT_EQ(q.push(frame(book("BTC-USDT", 1))), push_result::resync);
  EXPECT_EQ(q.push(frame(trd("BTC-USDT", 2))), push_result::dropped);
  q.forget_if([](const published_event& e) { return type_of(e.ev) != event_type::trade; });
  q.pop_front();
  std::vector<std::string> snaps;
  q.recover(snaps);
  EXPECT_TRUE(snaps.empty());
  EXPECT_EQ(drain(q), (std::vector<std::string>{server_protocol::make_gap("trade:binance:BTC-USDT", 1)}));
}

TEST(send_queue, bounds_hold_in_frames_and_bytes_under_any_mix) {
  constexpr std::size_t max_frames = 32;
  constexpr std::size_t max_bytes = 4096;
  send_queue q(max_frames, max_bytes);
  std::mt19937 rng(7);
  const char* instr[] = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
  std::vector<std::string> snaps;
  std::uint64_t seq = 1;
  for (int i = 0; i < 20000; ++i) {
    const auto* in = instr[rng() % 3];
    switch (rng() % 5) {
      case 0: q.push(frame(tick(in, "100.5"))); break;  // same length: in-place replacement keeps bytes
      case 1:
      case 2: q.push(frame(trd(in, static_cast<int>(rng() % 100000)))); break;
      case 3: q.push(frame(book(in, seq++, rng() % 20 == 0))); break;
      case 4:
        if (!q.empty() && rng() % 2 == 0) q.begin_write();
        break;
    }
    if (rng() % 3 == 0 && !q.empty()) {
      q.pop_front();
      snaps.clear();
      q.recover(snaps);
      for (const auto& t : snaps) q.push(frame(book(t.c_str() + sizeof("book:binance:") - 1, seq++, true)));
    }
    ASSERT_LE(q.size(), max_frames);
    ASSERT_LE(q.bytes(), max_bytes);
  }
  // The byte count is the sum of what is queued.
  std::size_t n = q.bytes();
  for (const auto& f : drain(q)) n -= f.size();
  EXPECT_EQ(n, 0U);
}

TEST(slow_consumer_policy, parses_lists_and_refuses_unsound_actions) {
  slow_consumer_policy p;
  EXPECT_EQ(to_string(p), "ticker=conflate,trade=drop,book=snapshot,candle=conflate");
  EXPECT_EQ(parse_slow_consumer_policy(" trade = disconnect , book=disconnect", p), "");
  EXPECT_EQ(p.for_type(event_type::trade), slow_action::disconnect);
  EXPECT_EQ(p.for_type(event_type::book), slow_action::disconnect);
  EXPECT_EQ(p.for_type(event_type::ticker), slow_action::conflate);
  const auto before = p;
  EXPECT_NE(parse_slow_consumer_policy("book=conflate", p), "");
  EXPECT_NE(parse_slow_consumer_policy("book=drop", p), "");
  EXPECT_NE(parse_slow_consumer_policy("trade=conflate", p), "");
  EXPECT_NE(parse_slow_consumer_policy("ticker=snapshot", p), "");
  EXPECT_NE(parse_slow_consumer_policy("quote=drop", p), "");
  EXPECT_NE(parse_slow_consumer_policy("trade=drop,trade=drop", p), "");
  EXPECT_NE(parse_slow_consumer_policy("trade", p), "");
  EXPECT_NE(parse_slow_consumer_policy("", p), "");
  EXPECT_EQ(p, before) << "a refused list changes nothing";
}

TEST(server_protocol_gap, gap_notice_encoding) {
  EXPECT_EQ(server_protocol::make_gap("trade:binance:BTC-USDT", 12),
            R"({"type":"gap","topic":"trade:binance:BTC-USDT","dropped":12})");
}

TEST(frame_ring, fifo_across_wrap_and_growth_and_released_on_request_when_empty) {
  frame_ring r;
  EXPECT_EQ(r.capacity(), 0U);  // nothing allocated until a frame comes
  auto text = [](int i) { return std::make_shared<const std::string>(std::to_string(i)); };
  int next_in = 0;
  int next_out = 0;
  // Interleave pushes and pops so the head wraps while the ring grows.
  for (int round = 0; round < 50; ++round) {
    for (int k = 0; k < 3; ++k) r.push_back(outbound_frame{nullptr, text(next_in++)});
    ASSERT_EQ(*r.front().text, std::to_string(next_out));
    r.pop_front();
    ++next_out;
  }
  ASSERT_EQ(r.size(), 100U);
  for (std::size_t i = 0; i < r.size(); ++i) ASSERT_EQ(*r[i].text, std::to_string(next_out + static_cast<int>(i)));
  EXPECT_EQ(*r.back().text, std::to_string(next_in - 1));
  r.resize(10);
  EXPECT_EQ(r.size(), 10U);
  EXPECT_EQ(*r.back().text, std::to_string(next_out + 9));
  r.release();
  EXPECT_GT(r.capacity(), 0U) << "not while frames are queued";
  while (!r.empty()) r.pop_front();
  EXPECT_GT(r.capacity(), 0U) << "kept while frames flow";
  r.release();
  EXPECT_EQ(r.capacity(), 0U);
  r.push_back(outbound_frame{nullptr, text(1)});
  EXPECT_EQ(*r.front().text, "1") << "usable again after release";
}

TEST(send_queue, release_memory_keeps_what_is_queued) {
  send_queue q(100, 1 << 20);
  for (int i = 0; i < 50; ++i) q.push(outbound_frame{trd("BTC-USDT", i), nullptr});
  q.release_memory();
  ASSERT_EQ(q.size(), 50U);
  EXPECT_TRUE(q[49].ev->json.find(R"("id":"49")") != std::string::npos) << q[49].ev->json;
  while (!q.empty()) q.pop_front();
  q.release_memory();
  EXPECT_EQ(q.bytes(), 0U);
  q.push(outbound_frame{trd("BTC-USDT", 7), nullptr});
  EXPECT_EQ(q.size(), 1U);
}
