// The simulator's Bybit venue writes its topic messages in Bybit's shapes: every book, ticker,
// trade and kline message it generates, on spot and linear, and every subscription ack, is read by
// the parser's fast path, and reads the same with the fast path off. In process, no sockets: the venue is driven directly.
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/bybit/parser.hpp"
#include "adapters/bybit/sim_venue.hpp"
#include "adapters/common/wire_shape.hpp"
#include "adapters/sim/simulator.hpp"
#include "bybit/fast_path_util.hpp"
#include "bybit/test_util.hpp"

namespace mdfan::test {
namespace {

using namespace mdfan::adapters;

// Collects the messages of the topics a connection subscribed.
class collect_sink final : public sim::message_sink {
 public:
  bool wanted(std::uint32_t stream) const override { return topics.count(stream) != 0; }
  void push(sim::sim_message&& msg) override { texts.push_back(*msg.text); }
  std::set<std::uint32_t> topics;
  std::vector<std::string> texts;
};

TEST(BybitSimFastPath, SimulatorTopicMessagesTakeTheFastPath) {
  sim::sim_config cfg;
  cfg.exchange = "bybit";
  cfg.symbols = {"BTCUSDT", "ETHUSDT"};
  cfg.seed = 7;
  cfg.rate = 1000;
  cfg.start_time_ms = 1'700'000'000'000;
  auto venue = sim::make_bybit_venue(cfg);
  collect_sink sink;
  std::vector<std::string> replies;  // acks and the snapshots sent on subscribe
  for (const char* path : {"/v5/public/spot", "/v5/public/linear"}) {
    sim::venue_reply opened;
    std::string error;
    auto session = venue->open(path, opened, error);
    ASSERT_NE(session, nullptr) << error;
    for (const char* sym : {"BTCUSDT", "ETHUSDT"}) {  // spot takes at most 10 args per request
      const std::string req = fmt::format(
          R"({{"req_id":"1","op":"subscribe","args":["tickers.{0}","publicTrade.{0}","orderbook.1.{0}","orderbook.50.{0}","orderbook.200.{0}","kline.1.{0}","kline.D.{0}"]}})",
          sym);
      sim::venue_reply r = venue->on_message(*session, req);
      ASSERT_FALSE(r.frames.empty());
      EXPECT_NE(r.frames.front().find(R"("success":true)"), std::string::npos) << r.frames.front();
      sink.topics.insert(r.added.begin(), r.added.end());
      replies.insert(replies.end(), r.frames.begin(), r.frames.end());
    }
  }
  venue->generate(3000, sink);  // 3 s of simulated time: tickers, klines, trades, book deltas
  ASSERT_GT(sink.texts.size(), 100u);

  bybit_parser fast, general;
  bybit_message fast_out, general_out;
  std::set<std::string> kinds_read_fast;
  std::size_t expected_hits = 0, hits = 0, replies_read_fast = 0;
  auto check = [&](const std::string& text) {
    bybit_parse_error fast_err, general_err;
    const padded msg(text);
    fast_path_enabled() = false;
    const bool general_ok = general.parse_padded(msg.view(), 1, general_out, general_err);
    fast_path_enabled() = true;
    const std::uint64_t before = fast_path_hits();
    const bool fast_ok = fast.parse_padded(msg.view(), 1, fast_out, fast_err);
    const bool hit = fast_path_hits() != before;
    EXPECT_EQ(outcome_text(fast_ok, fast_out, fast_err), outcome_text(general_ok, general_out, general_err)) << text;
    EXPECT_TRUE(general_ok) << text << ": " << general_err.reason;
    const bool topic = text.starts_with(R"({"topic":)"), reply = text.starts_with(R"({"success":)");
    EXPECT_EQ(hit, topic || reply) << text;
    if (topic || reply) ++expected_hits;
    if (hit) ++hits;
    if (hit && reply) ++replies_read_fast;
    if (hit && topic) {
      kinds_read_fast.insert(fast_out.topic.substr(0, fast_out.topic.find('.')) +
                             (fast_out.kind == bybit_kind::book && !fast_out.book.snapshot ? "-delta" : "") +
                             (fast_out.kind == bybit_kind::ticker && fast_out.ticker_delta ? "-delta" : ""));
    }
  };
  for (const auto& r : replies) check(r);
  for (const auto& t : sink.texts) check(t);
  EXPECT_EQ(hits, expected_hits);
  EXPECT_EQ(replies_read_fast, 4U);  // the subscription acks: two requests on each category
  EXPECT_EQ(kinds_read_fast, (std::set<std::string>{"orderbook", "orderbook-delta", "tickers", "tickers-delta",
                                                    "publicTrade", "kline"}));
}

}  // namespace
}  // namespace mdfan::test
