// The Coinbase Advanced Trade venue of the simulator: the market-data WebSocket at "/" (subscribe and
// unsubscribe per channel, a `subscriptions` ack listing everything, a level2 snapshot on subscribe,
// then l2_data updates, market_trades, ticker, ticker_batch, candles and heartbeats), over the seeded
// market. Messages are formatted once and shared; each connection's frame gets its own sequence_num
// (Coinbase counts per connection, across channels) in render().
//
// Faults (Coinbase has no checksum):
//   skip_sequence  the symbol's next level2 update is lost in transit: connections subscribed to it see
//                  their sequence_num skip one
//   bad_checksum   the symbol's next level2 update carries an extra bid at the best ask: the book it
//                  builds is crossed, which is how a client can tell a corrupt Coinbase book
//   malformed      an unparseable l2_data message naming the symbol, before its next real update
#include "adapters/coinbase/sim_venue.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/sim/json_out.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {
namespace {

// Topics: per symbol, in this order, then one heartbeats topic for the whole venue.
enum class cb_kind : std::uint32_t { level2, market_trades, ticker, ticker_batch, candles };
constexpr std::uint32_t cb_kinds = 5;
constexpr std::string_view cb_channel_names[cb_kinds] = {"level2", "market_trades", "ticker", "ticker_batch",
                                                         "candles"};
constexpr std::int64_t heartbeat_period_ms = 1000;
constexpr std::int64_t candle_period_ms = 1000;
constexpr std::int64_t ticker_batch_period_ms = 5000;
constexpr std::int64_t bucket_ms = 300'000;  // the candles channel: 5-minute bars

// "btc-usd" -> "BTC-USD".
std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> products_of(const std::vector<std::string>& symbols) {
  std::vector<std::string> out;
  for (const auto& s : symbols) out.push_back(upper(s));
  if (out.empty()) out = {"BTC-USD", "ETH-USD"};
  return out;
}

// Coinbase prints amounts without trailing zeros ("21921.3", "0.02", "15460").
void append_trimmed(std::string& out, std::int64_t units) {
  std::string tmp;
  append_fixed(tmp, units, 8);
  while (!tmp.empty() && tmp.back() == '0') tmp.pop_back();
  if (!tmp.empty() && tmp.back() == '.') tmp.pop_back();
  out.append(tmp);
}
void append_amount(std::string& out, std::int64_t units) {
  out.push_back('"');
  append_trimmed(out, units);
  out.push_back('"');
}

// ms since the epoch -> "2023-02-09T20:32:50.714000000Z" (Howard Hinnant's civil_from_days).
void append_time(std::string& out, std::int64_t ms) {
  const std::int64_t secs = ms / 1000;
  std::int64_t z = secs / 86400 + 719468;
  const std::int64_t sod = secs % 86400;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  fmt::format_to(std::back_inserter(out), "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}000000Z\"", y, m, d, sod / 3600,
                 sod / 60 % 60, sod % 60, ms % 1000);
}

// A connection: what it subscribed to and its own sequence_num.
struct cb_session final : venue_session {
  std::set<std::uint32_t> topics;
  std::uint64_t next_seq = 0;             // the next sequence_num this connection is sent
  std::vector<std::uint64_t> drops_seen;  // per symbol: level2 drops already accounted for
  std::uint64_t epoch_seen = 0;           // the venue's drop epoch at the last accounting
};

class coinbase_venue final : public venue {
 public:
  explicit coinbase_venue(const sim_config& cfg)
      : products_(products_of(cfg.symbols)),
        market_(products_, cfg.seed),
        rate_(cfg.rate > 0 ? cfg.rate : 1),
        start_ms_(cfg.start_time_ms ? cfg.start_time_ms : wall_ns() / 1'000'000),
        bars_(products_.size()),
        drops_(products_.size(), 0) {
    for (std::size_t i = 0; i < products_.size(); ++i) {
      const auto& s = market_.symbols()[i];
      bars_[i].reset(start_ms_ - start_ms_ % bucket_ms, s.stats.last);
    }
    next_heartbeat_ = start_ms_ + heartbeat_period_ms;
    next_candles_ = start_ms_ + candle_period_ms;
    next_batch_ = start_ms_ + ticker_batch_period_ms;
  }

  std::string_view name() const noexcept override { return "coinbase"; }
  std::uint32_t topic_count() const noexcept override {
    return static_cast<std::uint32_t>(products_.size() * cb_kinds + 1);
  }
  std::string topic_name(std::uint32_t topic) const override {
    if (topic == heartbeat_topic()) return "heartbeats";
    return fmt::format("{}:{}", cb_channel_names[topic % cb_kinds], products_[topic / cb_kinds]);
  }
  std::uint64_t generated() const noexcept override { return count_; }
  const market& mkt() const noexcept override { return market_; }

  void generate(std::uint64_t n, message_sink& sink) override {
    const std::uint64_t target = count_ + n;
    while (count_ < target) {
      const std::int64_t now = now_ms();
      run_periodic(now, sink);
      on_step(market_.step(), now, sink);
    }
  }

  std::unique_ptr<venue_session> open(std::string_view target, venue_reply&, std::string& error) override {
    // The market-data endpoint is the root; anything else is not Coinbase's.
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/" && !path.empty()) {
      error = fmt::format("no such endpoint '{}' (Coinbase market data is served at /)", path);
      return nullptr;
    }
    auto s = std::make_unique<cb_session>();
    s->drops_seen = drops_;
    s->epoch_seen = drop_epoch_;
    return s;
  }

  venue_reply on_message(venue_session& session, std::string_view text) override {
    auto& s = static_cast<cb_session&>(session);
    venue_reply out;
    request req;
    std::string error;
    if (!parse_request(text, req, error)) {
      out.frames.push_back(error_frame(error));
      return out;
    }
    std::vector<std::uint32_t> topics;
    if (req.channel == "heartbeats") {
      topics.push_back(heartbeat_topic());
    } else {
      const auto kind = std::find(std::begin(cb_channel_names), std::end(cb_channel_names), req.channel);
      if (kind == std::end(cb_channel_names)) {
        out.frames.push_back(error_frame(fmt::format("Failed to subscribe: unknown channel {}", req.channel)));
        return out;
      }
      const auto k = static_cast<std::uint32_t>(kind - std::begin(cb_channel_names));
      if (req.products.empty() && req.subscribe) {
        out.frames.push_back(error_frame("Failed to subscribe: product_ids required"));
        return out;
      }
      if (req.products.empty()) {  // unsubscribe from the whole channel
        for (std::uint32_t i = 0; i < products_.size(); ++i) topics.push_back(i * cb_kinds + k);
      }
      for (const auto& p : req.products) {
        const auto it = std::find(products_.begin(), products_.end(), upper(p));
        if (it == products_.end()) {
          out.frames.push_back(error_frame(fmt::format("Failed to subscribe: unknown product {}", p)));
          return out;
        }
        topics.push_back(static_cast<std::uint32_t>(it - products_.begin()) * cb_kinds + k);
      }
    }
    if (req.subscribe) {
      for (const auto t : topics) {
        if (t != heartbeat_topic() && t % cb_kinds == static_cast<std::uint32_t>(cb_kind::level2))
          s.drops_seen[t / cb_kinds] = drops_[t / cb_kinds];  // drops before the subscription are not its gaps
        s.topics.insert(t);
      }
      out.added = topics;
    } else {
      for (const auto t : topics) s.topics.erase(t);
      out.removed = topics;
    }
    out.frames.push_back(subscriptions_frame(s));
    if (req.subscribe)  // a subscribe answers with the current state of each product
      for (const auto t : topics)
        if (t != heartbeat_topic()) out.frames.push_back(snapshot_frame(t));
    for (auto& f : out.frames) f = numbered(s, f);
    return out;
  }

  std::string_view render(venue_session& session, const sim_message& msg, std::string& scratch) override {
    std::string_view payload = msg.payload();
    if (!payload.empty() && payload.back() == '\n') payload.remove_suffix(1);  // the shared text's extra byte
    scratch = numbered(static_cast<cb_session&>(session), payload);
    return scratch;
  }

  bool inject(fault_kind kind, std::string_view symbol, std::string& error) override {
    std::ptrdiff_t index = -1;
    if (!symbol.empty()) {
      const auto it = std::find(products_.begin(), products_.end(), upper(symbol));
      if (it == products_.end()) {
        error = fmt::format("unknown product '{}'", symbol);
        return false;
      }
      index = it - products_.begin();
    }
    pending_.push_back({kind, index});
    return true;
  }

 private:
  struct request {
    bool subscribe = true;
    std::string channel;
    std::vector<std::string> products;
  };
  struct pending_fault {
    fault_kind kind;
    std::ptrdiff_t symbol;  // -1: any
  };
  // The current 5-minute bar of a symbol, for the candles channel.
  struct bar {
    std::int64_t start_ms = 0;
    std::int64_t o = 0, h = 0, l = 0, c = 0, volume = 0;
    void reset(std::int64_t start, std::int64_t price) {
      *this = bar{};
      start_ms = start;
      o = h = l = c = price;
    }
  };

  std::uint32_t heartbeat_topic() const noexcept { return static_cast<std::uint32_t>(products_.size() * cb_kinds); }
  static std::uint32_t topic(std::size_t symbol, cb_kind k) noexcept {
    return static_cast<std::uint32_t>(symbol * cb_kinds + static_cast<std::uint32_t>(k));
  }
  std::int64_t now_ms() const noexcept {
    return start_ms_ + static_cast<std::int64_t>(static_cast<double>(count_) * 1000.0 / rate_);
  }

  // The frame as this connection receives it: its next sequence_num inserted before "events". Level2
  // updates the venue dropped while this connection was subscribed have used numbers too.
  std::string numbered(cb_session& s, std::string_view payload) {
    if (s.epoch_seen != drop_epoch_) {
      for (std::size_t i = 0; i < drops_.size(); ++i) {
        if (s.topics.count(topic(i, cb_kind::level2))) s.next_seq += drops_[i] - s.drops_seen[i];
        s.drops_seen[i] = drops_[i];
      }
      s.epoch_seen = drop_epoch_;
    }
    std::string out;
    out.reserve(payload.size() + 24);
    const auto at = payload.find(R"(,"events":)");
    if (at == std::string_view::npos) {  // an error reply: Coinbase numbers only channel messages
      out.assign(payload);
      return out;
    }
    out.append(payload.substr(0, at));
    out.append(R"(,"sequence_num":)");
    append_uint(out, s.next_seq++);
    out.append(payload.substr(at));
    return out;
  }

  bool parse_request(std::string_view text, request& req, std::string& error) {
    simdjson::dom::element doc;
    if (json_.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      error = "Failed to parse request: not a JSON object";
      return false;
    }
    std::string_view type, channel;
    if (doc["type"].get_string().get(type) != simdjson::SUCCESS || (type != "subscribe" && type != "unsubscribe")) {
      error = "Failed to parse request: type must be subscribe or unsubscribe";
      return false;
    }
    if (doc["channel"].get_string().get(channel) != simdjson::SUCCESS || channel.empty()) {
      error = "Failed to parse request: channel required";
      return false;
    }
    req.subscribe = type == "subscribe";
    req.channel.assign(channel);
    simdjson::dom::array ids;
    const auto ec = doc["product_ids"].get_array().get(ids);
    if (ec == simdjson::SUCCESS) {
      for (auto id : ids) {
        std::string_view p;
        if (id.get_string().get(p) != simdjson::SUCCESS) {
          error = "Failed to parse request: product_ids must be strings";
          return false;
        }
        req.products.emplace_back(p);
      }
    } else if (ec != simdjson::NO_SUCH_FIELD) {
      error = "Failed to parse request: product_ids must be an array";
      return false;
    }
    return true;
  }

  std::string error_frame(std::string_view message) const {
    std::string o = R"({"type":"error","message":)";
    append_escaped(o, message);
    o.push_back('}');
    return o;
  }

  // Envelope up to the events: {"channel":..,"client_id":"","timestamp":..  (sequence_num goes after).
  void envelope(std::string& o, std::string_view channel) const {
    o.append(R"({"channel":")").append(channel).append(R"(","client_id":"","timestamp":)");
    append_time(o, now_ms());
  }

  std::string subscriptions_frame(const cb_session& s) const {
    std::map<std::string_view, std::vector<std::string_view>> by_channel;
    for (const auto t : s.topics) {
      if (t == heartbeat_topic())
        by_channel["heartbeats"].push_back("heartbeats");
      else
        by_channel[cb_channel_names[t % cb_kinds]].push_back(products_[t / cb_kinds]);
    }
    std::string o;
    envelope(o, "subscriptions");
    o.append(R"(,"events":[{"subscriptions":{)");
    bool first = true;
    for (const auto& [ch, ids] : by_channel) {
      if (!first) o.push_back(',');
      first = false;
      append_str(o, ch);
      o.append(":[");
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) o.push_back(',');
        append_str(o, ids[i]);
      }
      o.push_back(']');
    }
    o.append("}}]}");
    return o;
  }

  std::string snapshot_frame(std::uint32_t t) const {
    const std::size_t si = t / cb_kinds;
    const auto kind = static_cast<cb_kind>(t % cb_kinds);
    const auto& s = market_.symbols()[si];
    std::string o;
    switch (kind) {
      case cb_kind::level2: {
        o.reserve(64 + 96 * (s.bids.size() + s.asks.size()));
        envelope(o, "l2_data");
        o.append(R"(,"events":[{"type":"snapshot","product_id":")").append(products_[si]).append(R"(","updates":[)");
        bool first = true;
        auto level = [&](const char* side, std::int64_t price, std::int64_t qty) {
          if (!first) o.push_back(',');
          first = false;
          o.append(R"({"side":")").append(side).append(R"(","event_time":"1970-01-01T00:00:00Z","price_level":)");
          append_amount(o, price);
          o.append(R"(,"new_quantity":)");
          append_amount(o, qty);
          o.push_back('}');
        };
        for (const auto& [p, q] : s.bids) level("bid", p, q);
        for (const auto& [p, q] : s.asks) level("offer", p, q);
        o.append("]}]}");
        break;
      }
      case cb_kind::market_trades:  // recent history: the simulator keeps none
        envelope(o, "market_trades");
        o.append(R"(,"events":[{"type":"snapshot","trades":[]}]})");
        break;
      case cb_kind::ticker:
      case cb_kind::ticker_batch:
        ticker_text(o, si, kind == cb_kind::ticker ? "ticker" : "ticker_batch", "snapshot");
        break;
      case cb_kind::candles: candles_text(o, si, "snapshot"); break;
    }
    return o;
  }

  void ticker_text(std::string& o, std::size_t si, std::string_view channel, std::string_view type) const {
    const auto& s = market_.symbols()[si];
    const auto& st = s.stats;
    envelope(o, channel);
    o.append(R"(,"events":[{"type":")").append(type).append(R"(","tickers":[{"type":"ticker","product_id":")");
    o.append(products_[si]).append(R"(","price":)");
    append_amount(o, st.last);
    o.append(R"(,"volume_24_h":)");
    append_amount(o, st.volume);
    o.append(R"(,"low_24_h":)");
    append_amount(o, st.low);
    o.append(R"(,"high_24_h":)");
    append_amount(o, st.high);
    o.append(R"(,"low_52_w":)");
    append_amount(o, st.low);
    o.append(R"(,"high_52_w":)");
    append_amount(o, st.high);
    o.append(R"(,"price_percent_chg_24_h":")");
    append_fixed(o, static_cast<std::int64_t>(static_cast<__int128>(st.last - st.open) * 100'000'000 / st.open), 8);
    o.push_back('"');
    if (channel == "ticker") {
      const auto& [bp, bq] = *s.bids.begin();
      const auto& [ap, aq] = *s.asks.begin();
      o.append(R"(,"best_bid":)");
      append_amount(o, bp);
      o.append(R"(,"best_bid_quantity":)");
      append_amount(o, bq);
      o.append(R"(,"best_ask":)");
      append_amount(o, ap);
      o.append(R"(,"best_ask_quantity":)");
      append_amount(o, aq);
    }
    o.append("}]}]}");
  }

  void candles_text(std::string& o, std::size_t si, std::string_view type) const {
    const auto& b = bars_[si];
    envelope(o, "candles");
    o.append(R"(,"events":[{"type":")").append(type).append(R"(","candles":[{"start":")");
    append_int(o, b.start_ms / 1000);
    o.append(R"(","high":)");
    append_amount(o, b.h);
    o.append(R"(,"low":)");
    append_amount(o, b.l);
    o.append(R"(,"open":)");
    append_amount(o, b.o);
    o.append(R"(,"close":)");
    append_amount(o, b.c);
    o.append(R"(,"volume":)");
    append_amount(o, b.volume);
    o.append(R"(,"product_id":")").append(products_[si]).append("\"}]}]}");
  }

  // Counts the message (the clock advances) and, when someone listens, formats and pushes it. The
  // shared text has no sequence_num (numbered() adds each connection's) and one extra trailing byte
  // (a newline), which render() leaves out: Coinbase's frames end with the closing brace.
  template <class Fill>
  void emit(std::uint32_t t, message_sink& sink, Fill&& fill) {
    ++count_;
    if (!sink.wanted(t)) return;
    auto text = std::make_shared<std::string>();
    text->reserve(384);
    fill(*text);
    text->push_back('\n');
    sink.push(sim_message{t, std::move(text), 0});
  }

  // The first pending fault for symbol `si`, removed; nullopt when none.
  std::optional<fault_kind> take_fault(std::size_t si) {
    const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const pending_fault& f) {
      return f.symbol < 0 || f.symbol == static_cast<std::ptrdiff_t>(si);
    });
    if (it == pending_.end()) return std::nullopt;
    const auto k = it->kind;
    pending_.erase(it);
    return k;
  }

  void on_step(const market_step& step, std::int64_t now, message_sink& sink) {
    const std::size_t si = step.symbol;
    const auto& s = market_.symbols()[si];
    if (!step.changes.empty()) {
      const auto t = topic(si, cb_kind::level2);
      std::optional<fault_kind> fault;
      if (!pending_.empty() && sink.wanted(t)) fault = take_fault(si);
      if (fault == fault_kind::skip_sequence) {
        // Lost in transit: its sequence_num was used on every connection that would have received it.
        ++count_;
        ++drops_[si];
        ++drop_epoch_;
      } else {
        if (fault == fault_kind::malformed) {
          emit(t, sink, [&](std::string& o) {
            envelope(o, "l2_data");
            o.append(R"(,"events":[{"type":"update","product_id":")").append(products_[si]);
            o.append(R"(","updates":[{"side":"bid","price_level":"1.0","new_quantity":"1"]}]})");
          });
        }
        emit(t, sink, [&](std::string& o) {
          envelope(o, "l2_data");
          o.append(R"(,"events":[{"type":"update","product_id":")").append(products_[si]).append(R"(","updates":[)");
          bool first = true;
          auto level = [&](bool bid, std::int64_t price, std::int64_t qty) {
            if (!first) o.push_back(',');
            first = false;
            o.append(bid ? R"({"side":"bid","event_time":)" : R"({"side":"offer","event_time":)");
            append_time(o, now);
            o.append(R"(,"price_level":)");
            append_amount(o, price);
            o.append(R"(,"new_quantity":)");
            append_amount(o, qty);
            o.push_back('}');
          };
          for (const auto& c : step.changes) level(c.side == book_side::bid, c.price, c.qty);
          // Corruption a client can see without a checksum: a bid at the best ask crosses the book.
          if (fault == fault_kind::bad_checksum && !s.asks.empty()) level(true, s.asks.begin()->first, s.qty_step);
          o.append("]}]}");
        });
      }
    }
    if (step.traded) {
      auto& b = bars_[si];
      for (const auto& f : step.fills) {
        b.c = step.trade_price;
        b.h = std::max(b.h, step.trade_price);
        b.l = std::min(b.l, step.trade_price);
        b.volume += f.qty;
      }
      emit(topic(si, cb_kind::market_trades), sink, [&](std::string& o) {
        envelope(o, "market_trades");
        o.append(R"(,"events":[{"type":"update","trades":[)");
        for (std::size_t i = 0; i < step.fills.size(); ++i) {
          if (i) o.push_back(',');
          o.append(R"({"trade_id":")");
          append_uint(o, step.fills[i].trade_id);
          o.append(R"(","product_id":")").append(products_[si]).append(R"(","price":)");
          append_amount(o, step.trade_price);
          o.append(R"(,"size":)");
          append_amount(o, step.fills[i].qty);
          // The maker's side: a buying taker lifted resting sell orders.
          o.append(step.taker_buy ? R"(,"side":"SELL","time":)" : R"(,"side":"BUY","time":)");
          append_time(o, now);
          o.push_back('}');
        }
        o.append("]}]}");
      });
      emit(topic(si, cb_kind::ticker), sink, [&](std::string& o) { ticker_text(o, si, "ticker", "update"); });
    }
  }

  void run_periodic(std::int64_t now, message_sink& sink) {
    if (now >= next_candles_) {
      for (std::size_t i = 0; i < products_.size(); ++i) {
        if (now >= bars_[i].start_ms + bucket_ms)
          bars_[i].reset(now - now % bucket_ms, market_.symbols()[i].stats.last);
        emit(topic(i, cb_kind::candles), sink, [&](std::string& o) { candles_text(o, i, "update"); });
      }
      next_candles_ = now - (now - next_candles_) % candle_period_ms + candle_period_ms;
    }
    if (now >= next_batch_) {
      for (std::size_t i = 0; i < products_.size(); ++i)
        emit(topic(i, cb_kind::ticker_batch), sink,
             [&](std::string& o) { ticker_text(o, i, "ticker_batch", "update"); });
      next_batch_ = now - (now - next_batch_) % ticker_batch_period_ms + ticker_batch_period_ms;
    }
    if (now >= next_heartbeat_) {
      const std::uint64_t counter = ++heartbeats_;
      emit(heartbeat_topic(), sink, [&](std::string& o) {
        envelope(o, "heartbeats");
        o.append(R"(,"events":[{"current_time":)");
        append_time(o, now);
        o.append(R"(,"heartbeat_counter":)");
        append_uint(o, counter);
        o.append("}]}");
      });
      next_heartbeat_ = now - (now - next_heartbeat_) % heartbeat_period_ms + heartbeat_period_ms;
    }
  }

  std::vector<std::string> products_;
  market market_;
  double rate_;
  std::int64_t start_ms_;
  std::uint64_t count_ = 0;
  std::vector<bar> bars_;
  std::int64_t next_heartbeat_ = 0, next_candles_ = 0, next_batch_ = 0;
  std::uint64_t heartbeats_ = 0;
  std::vector<std::uint64_t> drops_;  // per symbol: level2 updates lost in transit (skip_sequence)
  std::uint64_t drop_epoch_ = 0;      // bumped on every drop, so render() rarely looks at drops_
  std::vector<pending_fault> pending_;
  simdjson::dom::parser json_;
};

}  // namespace

std::unique_ptr<venue> make_coinbase_venue(const sim_config& cfg) { return std::make_unique<coinbase_venue>(cfg); }

}  // namespace mdfan::sim
