#include "adapters/bybit/sim_venue.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/sim/json_out.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {
namespace {

// Topic kinds per (category, symbol), in topic-id order.
constexpr std::array<unsigned, 4> depths{1, 50, 200, 1000};
constexpr std::array<std::string_view, 11> kline_intervals{"1",   "3",   "5",   "15",  "30", "60",
                                                           "120", "240", "360", "720", "D"};
constexpr std::array<std::int64_t, 11> kline_minutes{1, 3, 5, 15, 30, 60, 120, 240, 360, 720, 1440};
constexpr std::uint32_t kind_ticker = 0, kind_trade = 1, kind_book0 = 2, kind_kline0 = kind_book0 + depths.size();
constexpr std::uint32_t kinds = kind_kline0 + kline_intervals.size();
constexpr std::size_t categories = 2;  // 0 spot, 1 linear
constexpr std::string_view paths[categories] = {"/v5/public/spot", "/v5/public/linear"};
constexpr std::string_view category_names[categories] = {"spot", "linear"};

constexpr std::int64_t ticker_period_ms = 100;
constexpr std::int64_t kline_period_ms = 1000;
constexpr std::size_t max_arg_chars = 21000;  // per connection
constexpr std::size_t spot_max_args = 10;     // per request
constexpr std::uint64_t first_update_id = 1000;

std::string native(std::string_view s) {
  std::string out;
  for (const char c : s)
    if (c != '-' && c != '/' && c != '_') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> natives(const std::vector<std::string>& symbols) {
  std::vector<std::string> out;
  for (const auto& s : symbols) out.push_back(native(s));
  if (out.empty()) out = {"BTCUSDT", "ETHUSDT"};
  return out;
}

std::int64_t quote_of(std::int64_t price, std::int64_t qty) {
  return static_cast<std::int64_t>(static_cast<__int128>(price) * qty / units_per_one);
}

struct bybit_conn final : venue_session {
  std::size_t category = 0;
  std::string conn_id;
  std::set<std::uint32_t> topics;
  std::size_t arg_chars = 0;
};

// The top `depth` levels of a topic as last published to its subscribers.
struct book_view {
  bool init = false;
  std::uint64_t u = 0;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
};

// Ticker fields, in 1e-8 units, in the order the linear snapshot lists them.
enum ticker_field : std::size_t {
  f_last,
  f_high,
  f_low,
  f_prev,
  f_volume,
  f_turnover,
  f_bid,
  f_bid_size,
  f_ask,
  f_ask_size,
  f_count
};
constexpr std::array<std::string_view, f_count> ticker_names{"lastPrice", "highPrice24h", "lowPrice24h", "prevPrice24h",
                                                             "volume24h", "turnover24h",  "bid1Price",   "bid1Size",
                                                             "ask1Price", "ask1Size"};
using ticker_values = std::array<std::int64_t, f_count>;

struct kline_bar {
  std::int64_t open_ms = 0;
  std::int64_t o = 0, h = 0, l = 0, c = 0, volume = 0, turnover = 0;
};

class bybit_venue final : public venue {
 public:
  explicit bybit_venue(const sim_config& cfg)
      : market_(natives(cfg.symbols), cfg.seed),
        rate_(cfg.rate > 0 ? cfg.rate : 1),
        start_ms_(cfg.start_time_ms ? cfg.start_time_ms : wall_ns() / 1'000'000) {
    const std::size_t n = market_.symbols().size();
    views_.resize(categories * n * depths.size());
    published_.resize(n);
    has_published_.assign(n, false);
    bars_.resize(n * kline_intervals.size());
    for (std::size_t s = 0; s < n; ++s) {
      const auto& sym = market_.symbols()[s];
      for (std::size_t k = 0; k < kline_intervals.size(); ++k) reset_bar(bar(s, k), k, start_ms_, sym.stats.last);
      const std::uint32_t base = static_cast<std::uint32_t>(s * kinds);
      index_.emplace("tickers." + sym.name, base + kind_ticker);
      index_.emplace("publicTrade." + sym.name, base + kind_trade);
      for (std::size_t d = 0; d < depths.size(); ++d)
        index_.emplace(fmt::format("orderbook.{}.{}", depths[d], sym.name), base + kind_book0 + d);
      for (std::size_t k = 0; k < kline_intervals.size(); ++k)
        index_.emplace(fmt::format("kline.{}.{}", kline_intervals[k], sym.name), base + kind_kline0 + k);
    }
    next_ticker_ = start_ms_ + ticker_period_ms;
    next_kline_ = start_ms_ + kline_period_ms;
  }

  std::string_view name() const noexcept override { return "bybit"; }
  std::uint32_t topic_count() const noexcept override {
    return static_cast<std::uint32_t>(categories * market_.symbols().size() * kinds);
  }
  std::string topic_name(std::uint32_t topic) const override {
    const std::size_t per_category = market_.symbols().size() * kinds;
    return fmt::format("{}/{}", category_names[topic / per_category], bybit_topic(topic % per_category));
  }
  std::uint64_t generated() const noexcept override { return steps_; }
  const market& mkt() const noexcept override { return market_; }

  // One market step per message slot: the clock is start + steps / rate.
  void generate(std::uint64_t n, message_sink& sink) override {
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::int64_t now = now_ms();
      if (now >= next_ticker_) {
        for (std::size_t s = 0; s < market_.symbols().size(); ++s) emit_tickers(s, now, sink);
        next_ticker_ = now + ticker_period_ms;
      }
      if (now >= next_kline_) {
        for (std::size_t s = 0; s < market_.symbols().size(); ++s) emit_klines(s, now, sink);
        next_kline_ = now + kline_period_ms;
      }
      const market_step& step = market_.step();
      ++steps_;
      on_step(step, now, sink);
    }
  }

  std::unique_ptr<venue_session> open(std::string_view target, venue_reply& reply, std::string& error) override {
    (void)reply;
    const std::string_view path = target.substr(0, target.find('?'));
    for (std::size_t c = 0; c < categories; ++c) {
      if (path == paths[c]) {
        auto s = std::make_unique<bybit_conn>();
        s->category = c;
        s->conn_id = fmt::format("sim-{}-{:08x}", category_names[c], ++connections_);
        return s;
      }
    }
    error = fmt::format("unknown path '{}' (bybit serves /v5/public/spot and /v5/public/linear)", path);
    return nullptr;
  }

  venue_reply on_message(venue_session& session, std::string_view text) override {
    auto& c = static_cast<bybit_conn&>(session);
    venue_reply out;
    std::string op, req_id;
    std::vector<std::string> args;
    if (!parse_request(text, op, req_id, args)) {
      out.frames.push_back(ack(c, false, "error:request not supported", req_id, op.empty() ? "unknown" : op));
      return out;
    }
    if (op == "ping") {
      // Spot's pong has no req_id; linear's echoes it.
      out.frames.push_back(
          c.category == 0
              ? fmt::format(R"({{"success":true,"ret_msg":"pong","conn_id":"{}","op":"ping"}})", c.conn_id)
              : fmt::format(R"({{"success":true,"ret_msg":"pong","conn_id":"{}","req_id":"{}","op":"ping"}})",
                            c.conn_id, req_id));
      return out;
    }
    if (op != "subscribe" && op != "unsubscribe") {
      out.frames.push_back(ack(c, false, "error:request not supported", req_id, op));
      return out;
    }
    if (c.category == 0 && args.size() > spot_max_args) {
      out.frames.push_back(ack(c, false, "error:args size >10", req_id, op));
      return out;
    }
    std::vector<std::uint32_t> ids;
    std::size_t chars = 0;
    for (const auto& a : args) {
      const auto it = index_.find(a);
      if (it == index_.end()) {
        out.frames.push_back(ack(c, false, "error:handler not found,topic:" + a, req_id, op));
        return out;
      }
      const std::uint32_t id = topic_id(c.category, it->second);
      if (op == "subscribe" && (c.topics.count(id) || std::count(ids.begin(), ids.end(), id))) {
        out.frames.push_back(ack(c, false, "error:already subscribed,topic:" + a, req_id, op));
        return out;
      }
      ids.push_back(id);
      chars += a.size();
    }
    if (op == "subscribe") {
      if (c.arg_chars + chars > max_arg_chars) {
        out.frames.push_back(ack(c, false, "error:args length exceeds 21000", req_id, op));
        return out;
      }
      out.frames.push_back(ack(c, true, c.category == 0 ? "subscribe" : "", req_id, op));
      for (const auto id : ids) {
        c.topics.insert(id);
        out.added.push_back(id);
        std::string first = initial_frame(id);
        if (!first.empty()) out.frames.push_back(std::move(first));
      }
      c.arg_chars += chars;
    } else {
      out.frames.push_back(ack(c, true, c.category == 0 ? "unsubscribe" : "", req_id, op));
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (c.topics.erase(ids[i])) {
          out.removed.push_back(ids[i]);
          c.arg_chars -= args[i].size();
        }
      }
    }
    return out;
  }

  std::string_view render(venue_session&, const sim_message& msg, std::string&) override { return *msg.text; }

  bool inject(fault_kind kind, std::string_view symbol, std::string& error) override {
    return faults_.add(
        kind, symbol, [&](std::string_view text) { return market_.find(native(text)); }, error);
  }

 private:
  std::int64_t now_ms() const noexcept {
    return start_ms_ + static_cast<std::int64_t>(static_cast<double>(steps_) * 1000.0 / rate_);
  }

  // --- topic ids: (category * symbols + symbol) * kinds + kind; `local` is symbol * kinds + kind.
  std::uint32_t topic_id(std::size_t category, std::uint32_t local) const {
    return static_cast<std::uint32_t>(category * market_.symbols().size() * kinds + local);
  }
  std::string bybit_topic(std::uint32_t local) const {
    const auto& name = market_.symbols()[local / kinds].name;
    const std::uint32_t kind = local % kinds;
    if (kind == kind_ticker) return "tickers." + name;
    if (kind == kind_trade) return "publicTrade." + name;
    if (kind < kind_kline0) return fmt::format("orderbook.{}.{}", depths[kind - kind_book0], name);
    return fmt::format("kline.{}.{}", kline_intervals[kind - kind_kline0], name);
  }
  book_view& view(std::size_t category, std::size_t symbol, std::size_t d) {
    return views_[(category * market_.symbols().size() + symbol) * depths.size() + d];
  }
  kline_bar& bar(std::size_t symbol, std::size_t k) { return bars_[symbol * kline_intervals.size() + k]; }

  void push(std::uint32_t topic, std::string text, message_sink& sink) {
    sink.push(sim_message{topic, std::make_shared<const std::string>(std::move(text)), 0});
  }

  std::string ack(const bybit_conn& c, bool success, std::string_view ret_msg, std::string_view req_id,
                  std::string_view op) const {
    std::string out = fmt::format(R"({{"success":{},"ret_msg":)", success ? "true" : "false");
    append_escaped(out, ret_msg);
    out += fmt::format(R"(,"conn_id":"{}","req_id":)", c.conn_id);
    append_escaped(out, req_id);
    out += R"(,"op":)";
    append_escaped(out, op);
    out += '}';
    return out;
  }

  static bool parse_request(std::string_view text, std::string& op, std::string& req_id,
                            std::vector<std::string>& args) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(text.data(), text.size()).get(doc)) return false;
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return false;
    std::string_view s;
    if (obj["op"].get_string().get(s)) return false;
    op.assign(s);
    if (!obj["req_id"].get_string().get(s)) req_id.assign(s);
    simdjson::dom::array arr;
    if (!obj["args"].get_array().get(arr)) {
      for (auto a : arr) {
        if (a.get_string().get(s)) return false;
        args.emplace_back(s);
      }
    }
    return true;
  }

  // --- books

  void load_view(book_view& v, const symbol_state& sym, std::size_t depth) {
    v.bids.clear();
    v.asks.clear();
    std::size_t n = 0;
    for (const auto& [p, q] : sym.bids) {
      if (n++ == depth) break;
      v.bids.emplace(p, q);
    }
    n = 0;
    for (const auto& [p, q] : sym.asks) {
      if (n++ == depth) break;
      v.asks.emplace(p, q);
    }
  }

  // Levels of `now` that differ from `before` (size 0 for levels gone), best first.
  template <class Map>
  static void diff(const Map& before, const Map& now, std::string& out) {
    out.push_back('[');
    bool first = true;
    auto level = [&](std::int64_t p, std::int64_t q) {
      if (!first) out.push_back(',');
      first = false;
      out.push_back('[');
      append_dec(out, p);
      out.push_back(',');
      append_dec(out, q);
      out.push_back(']');
    };
    auto a = before.begin();
    auto b = now.begin();
    const auto cmp = before.key_comp();
    while (a != before.end() || b != now.end()) {
      if (b == now.end() || (a != before.end() && cmp(a->first, b->first))) {
        level(a->first, 0);
        ++a;
      } else if (a == before.end() || cmp(b->first, a->first)) {
        level(b->first, b->second);
        ++b;
      } else {
        if (a->second != b->second) level(b->first, b->second);
        ++a, ++b;
      }
    }
    out.push_back(']');
  }

  template <class Map>
  static void levels(const Map& side, std::string& out) {
    out.push_back('[');
    bool first = true;
    for (const auto& [p, q] : side) {
      if (!first) out.push_back(',');
      first = false;
      out.push_back('[');
      append_dec(out, p);
      out.push_back(',');
      append_dec(out, q);
      out.push_back(']');
    }
    out.push_back(']');
  }

  // Spot puts "ts" before "type"; futures put it after (except level 1): both as Bybit does.
  std::string book_text(std::size_t category, std::size_t symbol, std::size_t d, bool snapshot, std::uint64_t u,
                        std::string_view bids, std::string_view asks, std::int64_t now) const {
    const auto& sym = market_.symbols()[symbol];
    const std::string_view type = snapshot ? "snapshot" : "delta";
    std::string out = fmt::format(R"({{"topic":"orderbook.{}.{}",)", depths[d], sym.name);
    if (category == 0 || depths[d] == 1)
      out += fmt::format(R"("ts":{},"type":"{}",)", now, type);
    else
      out += fmt::format(R"("type":"{}","ts":{},)", type, now);
    out += fmt::format(R"("data":{{"s":"{}","b":{},"a":{},"u":{},"seq":{}}},"cts":{}}})", sym.name, bids, asks, u,
                       sym.update_id, now);
    return out;
  }

  std::string book_snapshot(std::size_t category, std::size_t symbol, std::size_t d) {
    auto& v = view(category, symbol, d);
    if (!v.init) {
      load_view(v, market_.symbols()[symbol], depths[d]);
      v.u = first_update_id;
      v.init = true;
    }
    std::string b, a;
    levels(v.bids, b);
    levels(v.asks, a);
    return book_text(category, symbol, d, true, v.u, b, a, now_ms());
  }

  void emit_book(std::size_t category, std::size_t symbol, std::size_t d, std::int64_t now, message_sink& sink) {
    const std::uint32_t topic = topic_id(category, static_cast<std::uint32_t>(symbol * kinds + kind_book0 + d));
    if (!sink.wanted(topic)) return;
    auto& v = view(category, symbol, d);
    const auto& sym = market_.symbols()[symbol];
    book_view next;
    load_view(next, sym, depths[d]);
    if (!v.init) {  // not reached: a subscriber got a snapshot, which set the view
      v.bids = std::move(next.bids);
      v.asks = std::move(next.asks);
      v.u = first_update_id;
      v.init = true;
      return;
    }
    std::string b, a;
    const bool snapshot = depths[d] == 1;  // level 1 is snapshot-only
    if (snapshot) {
      if (next.bids == v.bids && next.asks == v.asks) return;
      levels(next.bids, b);
      levels(next.asks, a);
    } else {
      diff(v.bids, next.bids, b);
      diff(v.asks, next.asks, a);
      if (b == "[]" && a == "[]") return;
    }
    v.bids = std::move(next.bids);
    v.asks = std::move(next.asks);
    ++v.u;
    std::uint64_t u = v.u;
    if (!snapshot && !faults_.empty()) {
      if (const auto fault = faults_.take(symbol)) {
        const fault_kind kind = *fault;
        if (kind == fault_kind::skip_sequence) return;      // lost: the next delta skips a u
        if (kind == fault_kind::bad_checksum) u = v.u - 1;  // no checksum: a u that does not advance
        if (kind == fault_kind::malformed)
          push(topic,
               fmt::format(R"({{"topic":"orderbook.{}.{}","type":"delta","ts":{},"data":{{"s":"{}","b":[["oops)",
                           depths[d], sym.name, now, sym.name),
               sink);
      }
    }
    push(topic, book_text(category, symbol, d, snapshot, u, b, a, now), sink);
  }

  // --- tickers

  ticker_values current_ticker(std::size_t symbol) const {
    const auto& sym = market_.symbols()[symbol];
    ticker_values v{};
    v[f_last] = sym.stats.last;
    v[f_high] = sym.stats.high;
    v[f_low] = sym.stats.low;
    v[f_prev] = sym.stats.open;
    v[f_volume] = sym.stats.volume;
    v[f_turnover] = sym.stats.quote_volume;
    if (!sym.bids.empty()) v[f_bid] = sym.bids.begin()->first, v[f_bid_size] = sym.bids.begin()->second;
    if (!sym.asks.empty()) v[f_ask] = sym.asks.begin()->first, v[f_ask_size] = sym.asks.begin()->second;
    return v;
  }

  std::string ticker_text(std::size_t category, std::size_t symbol, const ticker_values& v, const ticker_values* before,
                          std::int64_t now) const {
    const auto& sym = market_.symbols()[symbol];
    std::string data = fmt::format(R"({{"symbol":"{}")", sym.name);
    const std::size_t fields = category == 0 ? f_bid : f_count;  // spot tickers have no best bid/ask
    for (std::size_t i = 0; i < fields; ++i) {
      if (before && (*before)[i] == v[i]) continue;
      data += fmt::format(R"(,"{}":)", ticker_names[i]);
      append_dec(data, v[i]);
    }
    data += '}';
    if (category == 0)
      return fmt::format(R"({{"topic":"tickers.{}","ts":{},"type":"snapshot","cs":{},"data":{}}})", sym.name, now,
                         sym.update_id, data);
    return fmt::format(R"({{"topic":"tickers.{}","type":"{}","data":{},"cs":{},"ts":{}}})", sym.name,
                       before ? "delta" : "snapshot", data, sym.update_id, now);
  }

  void emit_tickers(std::size_t symbol, std::int64_t now, message_sink& sink) {
    const std::uint32_t local = static_cast<std::uint32_t>(symbol * kinds + kind_ticker);
    const ticker_values v = current_ticker(symbol);
    if (sink.wanted(topic_id(0, local))) push(topic_id(0, local), ticker_text(0, symbol, v, nullptr, now), sink);
    if (sink.wanted(topic_id(1, local))) {
      // Linear: deltas against what subscribers hold (the last published state).
      if (has_published_[symbol] && published_[symbol] == v) return;
      push(topic_id(1, local), ticker_text(1, symbol, v, has_published_[symbol] ? &published_[symbol] : nullptr, now),
           sink);
      published_[symbol] = v;
      has_published_[symbol] = true;
    }
  }

  std::string ticker_snapshot(std::size_t category, std::size_t symbol) {
    if (category == 0) return ticker_text(0, symbol, current_ticker(symbol), nullptr, now_ms());
    if (!has_published_[symbol]) {
      published_[symbol] = current_ticker(symbol);
      has_published_[symbol] = true;
    }
    return ticker_text(1, symbol, published_[symbol], nullptr, now_ms());
  }

  // --- klines

  void reset_bar(kline_bar& b, std::size_t k, std::int64_t now, std::int64_t price) {
    const std::int64_t len = kline_minutes[k] * 60'000;
    b = kline_bar{};
    b.open_ms = now - now % len;
    b.o = b.h = b.l = b.c = price;
  }

  std::string kline_text(std::size_t symbol, std::size_t k, const kline_bar& b, bool confirm, std::int64_t now) const {
    const auto& sym = market_.symbols()[symbol];
    std::string d = fmt::format(R"([{{"start":{},"end":{},"interval":"{}","open":)", b.open_ms,
                                b.open_ms + kline_minutes[k] * 60'000 - 1, kline_intervals[k]);
    append_dec(d, b.o);
    d += R"(,"close":)";
    append_dec(d, b.c);
    d += R"(,"high":)";
    append_dec(d, b.h);
    d += R"(,"low":)";
    append_dec(d, b.l);
    d += R"(,"volume":)";
    append_dec(d, b.volume);
    d += R"(,"turnover":)";
    append_dec(d, b.turnover);
    d += fmt::format(R"(,"confirm":{},"timestamp":{}}}])", confirm ? "true" : "false", now);
    return fmt::format(R"({{"topic":"kline.{}.{}","data":{},"ts":{},"type":"snapshot"}})", kline_intervals[k], sym.name,
                       d, now);
  }

  void emit_kline(std::size_t symbol, std::size_t k, bool confirm, std::int64_t now, message_sink& sink) {
    const std::uint32_t local = static_cast<std::uint32_t>(symbol * kinds + kind_kline0 + k);
    std::string text;
    for (std::size_t c = 0; c < categories; ++c) {
      if (!sink.wanted(topic_id(c, local))) continue;
      if (text.empty()) text = kline_text(symbol, k, bar(symbol, k), confirm, now);
      push(topic_id(c, local), text, sink);
    }
  }

  // Closes bars whose interval has passed (sent once with confirm=true), then starts the next.
  void roll_bars(std::size_t symbol, std::int64_t now, message_sink& sink) {
    for (std::size_t k = 0; k < kline_intervals.size(); ++k) {
      auto& b = bar(symbol, k);
      if (now < b.open_ms + kline_minutes[k] * 60'000) continue;
      emit_kline(symbol, k, true, now, sink);
      reset_bar(b, k, now, b.c);
    }
  }

  void emit_klines(std::size_t symbol, std::int64_t now, message_sink& sink) {
    roll_bars(symbol, now, sink);
    for (std::size_t k = 0; k < kline_intervals.size(); ++k) emit_kline(symbol, k, false, now, sink);
  }

  // --- trades and steps

  void on_step(const market_step& step, std::int64_t now, message_sink& sink) {
    const std::size_t s = step.symbol;
    if (!step.changes.empty())
      for (std::size_t c = 0; c < categories; ++c)
        for (std::size_t d = 0; d < depths.size(); ++d) emit_book(c, s, d, now, sink);
    if (!step.traded) return;
    roll_bars(s, now, sink);
    for (std::size_t k = 0; k < kline_intervals.size(); ++k) {
      auto& b = bar(s, k);
      for (const auto& f : step.fills) {
        b.h = std::max(b.h, step.trade_price);
        b.l = std::min(b.l, step.trade_price);
        b.c = step.trade_price;
        b.volume += f.qty;
        b.turnover += quote_of(step.trade_price, f.qty);
      }
    }
    const auto& sym = market_.symbols()[s];
    for (std::size_t c = 0; c < categories; ++c) {
      const std::uint32_t topic = topic_id(c, static_cast<std::uint32_t>(s * kinds + kind_trade));
      if (!sink.wanted(topic)) continue;
      std::string out = fmt::format(R"({{"topic":"publicTrade.{}","type":"snapshot","ts":{},"data":[)", sym.name, now);
      bool first = true;
      for (const auto& f : step.fills) {
        if (!first) out.push_back(',');
        first = false;
        out += fmt::format(R"({{"T":{},"s":"{}","S":"{}","v":)", now, sym.name, step.taker_buy ? "Buy" : "Sell");
        append_dec(out, f.qty);
        out += R"(,"p":)";
        append_dec(out, step.trade_price);
        if (c == 1) out += step.taker_buy ? R"(,"L":"PlusTick")" : R"(,"L":"MinusTick")";  // spot has no "L"
        out += fmt::format(R"(,"i":"{}","BT":false,"seq":{}}})", f.trade_id, sym.update_id);
      }
      out += "]}";
      push(topic, std::move(out), sink);
    }
  }

  // What a new subscriber gets first: a book snapshot, or a ticker snapshot.
  std::string initial_frame(std::uint32_t id) {
    const std::size_t per_category = market_.symbols().size() * kinds;
    const std::size_t category = id / per_category;
    const std::uint32_t local = static_cast<std::uint32_t>(id % per_category);
    const std::size_t symbol = local / kinds;
    const std::uint32_t kind = local % kinds;
    if (kind == kind_ticker) return ticker_snapshot(category, symbol);
    if (kind >= kind_book0 && kind < kind_kline0) return book_snapshot(category, symbol, kind - kind_book0);
    return {};
  }

  market market_;
  double rate_;
  std::int64_t start_ms_;
  std::uint64_t steps_ = 0;
  std::uint64_t connections_ = 0;
  std::int64_t next_ticker_ = 0, next_kline_ = 0;
  std::unordered_map<std::string, std::uint32_t> index_;  // Bybit topic -> symbol * kinds + kind
  std::vector<book_view> views_;
  std::vector<ticker_values> published_;  // linear tickers as last published
  std::vector<bool> has_published_;
  std::vector<kline_bar> bars_;
  fault_queue faults_;
};

}  // namespace

std::unique_ptr<venue> make_bybit_venue(const sim_config& cfg) { return std::make_unique<bybit_venue>(cfg); }

}  // namespace mdfan::sim
