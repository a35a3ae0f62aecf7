// The simulated market and its Binance formatting, without sockets.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "adapters/sim/binance_feed.hpp"
#include "feed_test_util.hpp"

namespace mdfan::sim {
namespace {

constexpr std::int64_t start_ms = 1'700'000'000'000;

// Collects the messages of the wanted streams (all when `only` is empty).
struct collecting_sink final : message_sink {
  std::set<std::uint32_t> only;
  std::vector<sim_message> out;
  std::function<void(const sim_message&)> on_push;
  bool wanted(std::uint32_t stream) const override { return only.empty() || only.count(stream) != 0; }
  void push(sim_message&& m) override {
    if (on_push) on_push(m);
    out.push_back(std::move(m));
  }
};

std::vector<std::string> texts(const std::vector<sim_message>& v) {
  std::vector<std::string> t;
  for (const auto& m : v) t.emplace_back(m.combined());
  return t;
}

TEST(sim_feed, same_seed_same_messages) {
  binance_feed a({"BTCUSDT", "ETHUSDT"}, 42, 1000, start_ms), b({"BTCUSDT", "ETHUSDT"}, 42, 1000, start_ms);
  collecting_sink sa, sb;
  a.generate(20000, sa);
  for (int i = 0; i < 20; ++i) b.generate(1000, sb);  // chunking must not matter
  ASSERT_GE(sa.out.size(), 20000u);
  const auto ta = texts(sa.out), tb = texts(sb.out);
  const auto n = std::min(ta.size(), tb.size());
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(ta[i], tb[i]) << "message " << i;

  binance_feed c({"BTCUSDT", "ETHUSDT"}, 43, 1000, start_ms);
  collecting_sink sc;
  c.generate(1000, sc);
  EXPECT_NE(texts(sc.out), std::vector<std::string>(ta.begin(), ta.begin() + static_cast<std::ptrdiff_t>(sc.out.size())));
}

TEST(sim_feed, subscriptions_do_not_change_the_sequence) {
  binance_feed all({"BTCUSDT", "ETHUSDT"}, 7, 5000, start_ms), some({"BTCUSDT", "ETHUSDT"}, 7, 5000, start_ms);
  collecting_sink s_all, s_some;
  const auto depth = stream_catalog::id(0, stream_kind::depth_100ms);
  const auto trade = stream_catalog::id(1, stream_kind::trade);
  s_some.only = {depth, trade};
  all.generate(20000, s_all);
  some.generate(20000, s_some);
  std::vector<std::string> filtered;
  for (const auto& m : s_all.out)
    if (m.stream == depth || m.stream == trade) filtered.emplace_back(m.combined());
  EXPECT_EQ(filtered, texts(s_some.out));
  EXPECT_EQ(all.generated(), some.generated());
}

TEST(sim_feed, combined_and_raw_views) {
  binance_feed f({"BTCUSDT"}, 1, 1000, start_ms);
  collecting_sink s;
  f.generate(3000, s);
  simdjson::dom::parser p;
  std::set<std::string> seen;
  for (const auto& m : s.out) {
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(std::string(m.combined())).get(doc), simdjson::SUCCESS) << m.combined();
    EXPECT_EQ(std::string(doc["stream"].get_string().value()), f.catalog().name(m.stream));
    simdjson::dom::element raw;
    ASSERT_EQ(p.parse(std::string(m.payload())).get(raw), simdjson::SUCCESS) << m.payload();
    EXPECT_TRUE(raw.is_object());
    seen.insert(f.catalog().name(m.stream));
  }
  // Three simulated seconds cover every stream kind (klines come every 2 s).
  EXPECT_EQ(seen, (std::set<std::string>{"btcusdt@trade", "btcusdt@aggTrade", "btcusdt@ticker", "btcusdt@bookTicker",
                                         "btcusdt@depth", "btcusdt@depth@100ms", "btcusdt@kline_1m"}));
}

// Key names and JSON types of an object, recursively for nested objects ("k" of a kline).
void shape_of(simdjson::dom::object o, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (auto [key, value] : o) {
    const std::string k = prefix + std::string(key);
    switch (value.type()) {
      case simdjson::dom::element_type::OBJECT:
        shape_of(value.get_object().value(), k + ".", out);
        break;
      case simdjson::dom::element_type::ARRAY:
        out[k] = "array";
        break;
      case simdjson::dom::element_type::STRING:
        out[k] = "string";
        break;
      case simdjson::dom::element_type::BOOL:
        out[k] = "bool";
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        out[k] = "null";
        break;
      default:
        out[k] = "number";
    }
  }
}

TEST(sim_feed, payloads_have_binance_field_names_and_types) {
  const std::filesystem::path dir = std::filesystem::path(MDFAN_SHARED_FIXTURES) / "binance";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no fixtures at " << dir;
  binance_feed f({"BTCUSDT"}, 3, 1000, start_ms);
  collecting_sink s;
  f.generate(3000, s);
  const std::pair<stream_kind, const char*> cases[] = {
      {stream_kind::trade, "trade.json"},           {stream_kind::agg_trade, "aggTrade.json"},
      {stream_kind::ticker, "ticker_24hr.json"},    {stream_kind::book_ticker, "bookTicker.json"},
      {stream_kind::depth, "depth_diff_update.json"}, {stream_kind::depth_100ms, "depth_diff_update.json"},
      {stream_kind::kline_1m, "kline_1m.json"},
  };
  simdjson::dom::parser p;
  for (const auto& [kind, file] : cases) {
    std::ifstream in(dir / file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::map<std::string, std::string> want, got;
    shape_of(p.parse(ss.str()).get_object().value(), "", want);
    const auto id = stream_catalog::id(0, kind);
    const auto it = std::find_if(s.out.begin(), s.out.end(), [&](const sim_message& m) { return m.stream == id; });
    ASSERT_NE(it, s.out.end()) << file;
    shape_of(p.parse(std::string(it->payload())).get_object().value(), "", got);
    EXPECT_EQ(got, want) << file << ": " << it->payload();
  }
}

TEST(sim_feed, trades_have_increasing_ids_and_fixed_decimals) {
  binance_feed f({"BTCUSDT", "ETHUSDT"}, 5, 1000, start_ms);
  collecting_sink s;
  s.only = {stream_catalog::id(0, stream_kind::trade), stream_catalog::id(0, stream_kind::agg_trade)};
  f.generate(5000, s);
  simdjson::dom::parser p;
  std::uint64_t next_trade = 1, next_agg = 1;
  for (const auto& m : s.out) {
    auto doc = p.parse(std::string(m.payload())).get_object().value();
    const std::string_view price = doc["p"].get_string().value();
    ASSERT_EQ(price.size() - price.find('.'), 9u) << price;  // 8 decimals
    EXPECT_GT(test::units(price), 0);
    if (m.stream == stream_catalog::id(0, stream_kind::trade)) {
      EXPECT_EQ(doc["t"].get_uint64().value(), next_trade++);
      EXPECT_EQ(doc["E"].get_int64().value(), doc["T"].get_int64().value());
      EXPECT_GE(doc["E"].get_int64().value(), start_ms);
    } else {
      EXPECT_EQ(doc["a"].get_uint64().value(), next_agg++);
      EXPECT_LE(doc["f"].get_uint64().value(), doc["l"].get_uint64().value());
      EXPECT_LT(doc["l"].get_uint64().value(), next_trade);  // its trades came first
    }
  }
  EXPECT_GT(next_trade, 100u);
}

TEST(sim_feed, book_ticker_is_never_crossed) {
  binance_feed f({"BTCUSDT", "ETHUSDT", "FOOBAR"}, 9, 1000, start_ms);
  collecting_sink s;
  s.only = {stream_catalog::id(0, stream_kind::book_ticker), stream_catalog::id(1, stream_kind::book_ticker),
            stream_catalog::id(2, stream_kind::book_ticker)};
  f.generate(50000, s);
  simdjson::dom::parser p;
  ASSERT_GT(s.out.size(), 1000u);
  for (const auto& m : s.out) {
    auto doc = p.parse(std::string(m.payload())).get_object().value();
    ASSERT_LT(test::units(doc["b"].get_string().value()), test::units(doc["a"].get_string().value())) << m.payload();
    ASSERT_GT(test::units(doc["B"].get_string().value()), 0);
  }
}

// Binance's sync algorithm from a snapshot taken mid-stream: after every diff, the local book must
// equal the simulator's own book at the moment that diff was sent.
TEST(sim_feed, depth_diffs_are_continuous_and_match_the_snapshot) {
  for (const auto kind : {stream_kind::depth_100ms, stream_kind::depth}) {
    binance_feed f({"BTCUSDT", "ETHUSDT"}, 11, 2000, start_ms);
    const auto stream = stream_catalog::id(0, kind);
    std::vector<std::string> truth;  // the REST snapshot at each diff's emission
    collecting_sink s;
    s.only = {stream};
    s.on_push = [&](const sim_message&) { truth.push_back(f.depth_snapshot(0, 100000)); };
    f.generate(3000, s);
    const std::size_t first_after_snapshot = s.out.size();
    const std::string snapshot = f.depth_snapshot(0, 100000);
    f.generate(60000, s);
    ASSERT_GT(s.out.size(), first_after_snapshot + 10);

    simdjson::dom::parser p, p2;
    std::uint64_t prev_u = 0;
    for (const auto& m : s.out) {  // continuity over the whole run
      auto d = p.parse(std::string(m.payload())).get_object().value();
      const auto U = d["U"].get_uint64().value(), u = d["u"].get_uint64().value();
      ASSERT_LE(U, u);
      if (prev_u) {
        ASSERT_EQ(U, prev_u + 1);
      }
      prev_u = u;
    }

    test::local_book book;
    book.load(p.parse(snapshot).value());
    bool synced = false;
    for (std::size_t i = first_after_snapshot; i < s.out.size(); ++i) {
      auto d = p.parse(std::string(s.out[i].payload())).get_object().value();
      const auto U = d["U"].get_uint64().value(), u = d["u"].get_uint64().value();
      if (u <= book.id) continue;  // already in the snapshot
      if (synced) {
        ASSERT_EQ(U, book.id + 1);
      } else {
        ASSERT_LE(U, book.id + 1) << "the first diff must straddle lastUpdateId";
      }
      test::local_book::apply_levels(book.bids, d["b"].get_array().value());
      test::local_book::apply_levels(book.asks, d["a"].get_array().value());
      book.id = u;
      synced = true;
      test::local_book expect;
      expect.load(p2.parse(truth[i]).value());
      ASSERT_EQ(book, expect) << "after diff " << i;
      ASSERT_FALSE(book.crossed());
    }
    EXPECT_TRUE(synced);
  }
}

TEST(sim_feed, snapshot_limit_and_order) {
  binance_feed f({"BTCUSDT"}, 1, 1000, start_ms);
  collecting_sink s;
  s.only = {0};
  f.generate(500, s);
  simdjson::dom::parser p;
  auto snap = p.parse(f.depth_snapshot(0, 5)).get_object().value();
  auto bids = snap["bids"].get_array().value();
  auto asks = snap["asks"].get_array().value();
  ASSERT_EQ(bids.size(), 5u);
  ASSERT_EQ(asks.size(), 5u);
  std::int64_t prev = INT64_MAX;
  for (auto lv : bids) {
    const auto px = test::units(lv.at(0).get_string().value());
    EXPECT_LT(px, prev);
    prev = px;
  }
  EXPECT_LT(test::units(bids.at(0).at(0).get_string().value()), test::units(asks.at(0).at(0).get_string().value()));
  EXPECT_EQ(snap["lastUpdateId"].get_uint64().value(), f.mkt().symbols()[0].update_id);
}

}  // namespace
}  // namespace mdfan::sim
