// The simulator venue's frames as a client receives them (acks, snapshots, every channel's updates,
// each with the connection's sequence_num) read by the parser: the same output with the fast path on
// and off, and every data frame read on the fast path, as Coinbase's own frames are.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/coinbase/parser.hpp"
#include "adapters/coinbase/sim_venue.hpp"
#include "adapters/common/wire_shape.hpp"
#include "adapters/sim/simulator.hpp"

namespace mdfan::adapters {
namespace {

struct all_sink final : sim::message_sink {
  bool wanted(std::uint32_t) const override { return true; }
  void push(sim::sim_message&& m) override { messages.push_back(std::move(m)); }
  std::vector<sim::sim_message> messages;
};

// The parse's result as text: the output vectors' sizes and contents that differ between messages.
std::string summary(coinbase_parser& p, const std::string& frame, bool fast, bool& took) {
  fast_path_enabled() = fast;
  coinbase_message m;
  coinbase_parse_error err;
  const std::uint64_t before = fast_path_hits();
  const bool ok = p.parse(frame, 1, m, err);
  took = fast_path_hits() != before;
  fast_path_enabled() = true;
  if (!ok) return "error " + err.reason + " " + err.product_id;
  std::string s = std::string(to_string(m.channel)) + " " + std::to_string(m.sequence_num) + " " +
                  std::to_string(m.timestamp_ns) + " hb " + std::to_string(m.heartbeat_counter);
  for (const auto& b : m.books)
    s += " book " + b.product_id + std::to_string(b.snapshot) + std::to_string(b.event_time_ns) + "/" +
         std::to_string(b.bids.size()) + "/" + std::to_string(b.asks.size()) +
         (b.bids.empty() ? "" : std::string(b.bids.back().price.str()) + std::string(b.bids.back().size.str()));
  for (const auto& t : m.trades)
    s += " trade " + t.t.trade_id + std::string(t.t.price.str()) + std::string(t.t.size.str()) +
         std::to_string(static_cast<int>(t.t.aggressor)) + std::to_string(t.t.exchange_ts_ns);
  for (const auto& t : m.tickers)
    s += " ticker " + t.symbol + std::string(t.last_price.str()) + std::string(t.bid_price.str()) +
         std::string(t.ask_size.str()) + std::string(t.volume_24h.str()) + std::to_string(t.sequence);
  for (const auto& c : m.candles)
    s += " candle " + c.symbol + std::to_string(c.open_time_ns) + std::string(c.open.str()) +
         std::string(c.close.str()) + std::string(c.volume.str());
  return s;
}

TEST(CoinbaseFastPath, SimulatorFramesAreReadOnTheFastPath) {
  sim::sim_config cfg;
  cfg.exchange = "coinbase";
  cfg.symbols = {"BTC-USD", "ETH-USD"};
  cfg.seed = 7;
  cfg.rate = 1000;
  cfg.start_time_ms = 1700000000000;
  auto venue = sim::make_coinbase_venue(cfg);
  sim::venue_reply opened;
  std::string error;
  auto session = venue->open("/", opened, error);
  ASSERT_NE(session, nullptr) << error;

  std::vector<std::string> frames;
  for (const char* channel : {"level2", "market_trades", "ticker", "ticker_batch", "candles", "heartbeats"}) {
    const std::string sub =
        std::string(R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":")") + channel + R"("})";
    for (auto& f : venue->on_message(*session, sub).frames) frames.push_back(std::move(f));
  }
  ASSERT_TRUE(venue->inject(sim::fault_kind::malformed, "ETH-USD", error)) << error;
  all_sink sink;
  venue->generate(20000, sink);  // 20 s of simulated time: candles, ticker_batch and heartbeats too
  std::string scratch;
  for (const auto& m : sink.messages) frames.emplace_back(venue->render(*session, m, scratch));

  coinbase_parser fast, general;
  std::map<std::string, int> on_fast, on_general;
  for (const auto& f : frames) {
    bool took_fast = false, took_general = false;
    const std::string want = summary(general, f, false, took_general);
    EXPECT_EQ(summary(fast, f, true, took_fast), want) << f;
    const std::string channel = f.substr(0, f.find(',')).substr(std::min<std::size_t>(f.size(), 11));
    (took_fast ? on_fast : on_general)[channel]++;
  }
  // Every data channel on the fast path; only the acks and the one malformed frame went elsewhere.
  for (const char* ch :
       {R"("l2_data")", R"("market_trades")", R"("ticker")", R"("ticker_batch")", R"("candles")", R"("heartbeats")"})
    EXPECT_GT(on_fast[ch], 0) << ch;
  EXPECT_EQ(on_general[R"("l2_data")"], 1);  // the malformed one
  EXPECT_EQ(on_general[R"("subscriptions")"], 6);
  EXPECT_EQ(on_general.size(), 2u);
}

}  // namespace
}  // namespace mdfan::adapters
