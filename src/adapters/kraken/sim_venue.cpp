#include "adapters/kraken/sim_venue.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/kraken/checksum.hpp"
#include "adapters/kraken/symbols.hpp"
#include "adapters/sim/json_out.hpp"
#include "adapters/sim/market.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {
namespace {

constexpr std::array<unsigned, 5> book_depths{10, 25, 100, 500, 1000};
constexpr std::array<std::uint64_t, 9> ohlc_minutes{1, 5, 15, 30, 60, 240, 1440, 10080, 21600};
// Topics per symbol: book at each depth, ticker, trade, ohlc at each interval. One more, last: heartbeat.
constexpr std::uint32_t slot_ticker = book_depths.size();
constexpr std::uint32_t slot_trade = slot_ticker + 1;
constexpr std::uint32_t slot_ohlc = slot_trade + 1;
constexpr std::uint32_t per_symbol = slot_ohlc + ohlc_minutes.size();
constexpr int qty_precision = 8;
constexpr std::int64_t heartbeat_ms = 1000;

// A number as Kraken's JSON has it: shortest form, at least one decimal ("740.0", "0.566"), and
// exponent notation below 1e-4 ("1.5e-05"), as a float printer writes it. Amounts in 1e-8 units.
void append_num(std::string& out, std::int64_t units) {
  if (units < 0) {
    out.push_back('-');
    units = -units;
  }
  if (units > 0 && units < 10'000) {
    std::string digits = std::to_string(units);
    const int exp = static_cast<int>(digits.size()) - 1 - 8;
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    out.push_back(digits[0]);
    if (digits.size() > 1) out.append(".").append(digits, 1, std::string::npos);
    out.append(fmt::format("e-{:02}", -exp));
    return;
  }
  std::string s;
  append_fixed(s, units, 8);
  while (s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  out += s;
}

// "2023-10-06T17:35:55.440000Z" from ms since the epoch.
void append_time(std::string& out, std::int64_t ms) {
  const std::int64_t days = ms / 86'400'000;
  std::int64_t rem = ms % 86'400'000;
  // civil_from_days (Howard Hinnant)
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  const std::int64_t h = rem / 3'600'000;
  rem %= 3'600'000;
  const std::int64_t mi = rem / 60'000;
  rem %= 60'000;
  out.append(fmt::format(R"("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}000Z")", y, m, d, h, mi, rem / 1000, rem % 1000));
}

int decimals_of(std::int64_t step) {
  int dp = 8;
  while (step >= 10 && step % 10 == 0 && dp > 0) {
    step /= 10;
    --dp;
  }
  return dp;
}

struct kraken_venue_session final : venue_session {
  std::set<std::uint32_t> topics;
};

class kraken_venue final : public venue {
 public:
  explicit kraken_venue(const sim_config& cfg)
      : natives_(natives(cfg.symbols)),
        market_(market_names(natives_), cfg.seed),
        rate_(cfg.rate > 0 ? cfg.rate : 1),
        start_ms_(cfg.start_time_ms ? cfg.start_time_ms : wall_ns() / 1'000'000),
        state_(natives_.size()) {
    next_heartbeat_ = start_ms_ + heartbeat_ms;
    for (std::size_t i = 0; i < natives_.size(); ++i)
      state_[i].price_precision = decimals_of(market_.symbols()[i].tick);
  }

  std::string_view name() const noexcept override { return "kraken"; }
  std::uint32_t topic_count() const noexcept override {
    return static_cast<std::uint32_t>(natives_.size()) * per_symbol + 1;
  }
  std::string topic_name(std::uint32_t topic) const override {
    if (topic == heartbeat_topic()) return "heartbeat";
    const auto& sym = natives_[topic / per_symbol];
    const auto slot = topic % per_symbol;
    if (slot < slot_ticker) return fmt::format("book{}:{}", book_depths[slot], sym);
    if (slot == slot_ticker) return "ticker:" + sym;
    if (slot == slot_trade) return "trade:" + sym;
    return fmt::format("ohlc{}:{}", ohlc_minutes[slot - slot_ohlc], sym);
  }
  std::uint64_t generated() const noexcept override { return count_; }
  const market& mkt() const noexcept override { return market_; }

  void generate(std::uint64_t n, message_sink& sink) override {
    const std::uint64_t target = count_ + n;
    while (count_ < target) {
      const std::int64_t now = now_ms();
      if (now >= next_heartbeat_) {
        ++count_;
        if (sink.wanted(heartbeat_topic())) push(heartbeat_topic(), R"({"channel":"heartbeat"})", sink);
        next_heartbeat_ = now - (now - next_heartbeat_) % heartbeat_ms + heartbeat_ms;
      }
      on_step(market_.step(), now, sink);
    }
  }

  std::unique_ptr<venue_session> open(std::string_view target, venue_reply& reply, std::string& error) override {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/v2") {
      error = fmt::format("no WebSocket endpoint at '{}' (use /v2)", path);
      return nullptr;
    }
    ++connection_id_;
    reply.frames.push_back(fmt::format(
        R"({{"channel":"status","data":[{{"api_version":"v2","connection_id":{},"system":"online","version":"2.0.0"}}],"type":"update"}})",
        13834774380200032777ull + connection_id_));
    return std::make_unique<kraken_venue_session>();
  }

  venue_reply on_message(venue_session& session, std::string_view text) override {
    auto& s = static_cast<kraken_venue_session&>(session);
    venue_reply r;
    simdjson::dom::element doc;
    std::string_view method;
    if (dom_.parse(text.data(), text.size()).get(doc) || doc["method"].get(method)) {
      r.frames.push_back(error_reply("", "", "Malformed request", nullptr));
      return r;
    }
    std::int64_t req_id_value = 0;
    const bool has_req = !doc["req_id"].get(req_id_value);
    const std::int64_t* req_id = has_req ? &req_id_value : nullptr;
    if (method == "ping") {
      std::string o = R"({"method":"pong")";
      if (req_id) o += R"(,"req_id":)" + std::to_string(*req_id);
      o += R"(,"time_in":)";
      append_time(o, now_ms());
      o += R"(,"time_out":)";
      append_time(o, now_ms());
      o += "}";
      r.frames.push_back(std::move(o));
      return r;
    }
    if (method != "subscribe" && method != "unsubscribe") {
      r.frames.push_back(error_reply(method, "", "Method not found", req_id));
      return r;
    }
    const bool sub = method == "subscribe";
    simdjson::dom::object params;
    std::string_view channel;
    if (doc["params"].get(params) || params["channel"].get(channel)) {
      r.frames.push_back(error_reply(method, "", "Missing channel", req_id));
      return r;
    }
    if (channel == "instrument") {
      if (sub) {
        r.frames.push_back(ack(method, R"("channel":"instrument","snapshot":true)", "", req_id));
        r.frames.push_back(instrument_snapshot());
      } else {
        r.frames.push_back(ack(method, R"("channel":"instrument")", "", req_id));
      }
      return r;
    }
    std::uint32_t slot = 0;
    std::string result_extra;
    std::uint64_t depth = 10, interval = 1;
    bool snapshot = channel != "trade";
    if (bool b = false; !params["snapshot"].get(b)) snapshot = b;
    if (channel == "book") {
      if (std::uint64_t d = 0; !params["depth"].get(d)) depth = d;
      const auto it = std::find(book_depths.begin(), book_depths.end(), depth);
      if (it == book_depths.end()) {
        r.frames.push_back(error_reply(method, "", "Invalid depth", req_id));
        return r;
      }
      slot = static_cast<std::uint32_t>(it - book_depths.begin());
      result_extra = fmt::format(R"("channel":"book","depth":{})", depth);
    } else if (channel == "ticker") {
      slot = slot_ticker;
      result_extra = R"("channel":"ticker")";
    } else if (channel == "trade") {
      slot = slot_trade;
      result_extra = R"("channel":"trade")";
    } else if (channel == "ohlc") {
      if (std::uint64_t m = 0; !params["interval"].get(m)) interval = m;
      const auto it = std::find(ohlc_minutes.begin(), ohlc_minutes.end(), interval);
      if (it == ohlc_minutes.end()) {
        r.frames.push_back(error_reply(method, "", "Invalid interval", req_id));
        return r;
      }
      slot = slot_ohlc + static_cast<std::uint32_t>(it - ohlc_minutes.begin());
      result_extra = fmt::format(R"("channel":"ohlc","interval":{})", interval);
    } else {
      r.frames.push_back(error_reply(method, "", "Channel not found", req_id));
      return r;
    }
    if (sub) result_extra += snapshot ? R"(,"snapshot":true)" : R"(,"snapshot":false)";
    simdjson::dom::array symbols;
    if (params["symbol"].get(symbols)) {
      r.frames.push_back(error_reply(method, "", "Missing symbol", req_id));
      return r;
    }
    for (auto el : symbols) {
      std::string_view sym;
      if (el.get(sym)) continue;
      const auto it = std::find(natives_.begin(), natives_.end(), sym);
      if (it == natives_.end()) {
        r.frames.push_back(error_reply(method, sym, fmt::format("Currency pair not supported {}", sym), req_id));
        continue;
      }
      const auto si = static_cast<std::size_t>(it - natives_.begin());
      const std::uint32_t topic = static_cast<std::uint32_t>(si) * per_symbol + slot;
      if (sub) {
        if (!s.topics.insert(topic).second) {
          r.frames.push_back(error_reply(method, sym, "Already subscribed", req_id));
          continue;
        }
        r.frames.push_back(ack(method, result_extra, sym, req_id));
        if (snapshot) {
          std::string snap = snapshot_of(si, slot);
          if (!snap.empty()) r.frames.push_back(std::move(snap));
        }
        r.added.push_back(topic);
        if (s.topics.size() == 1) r.added.push_back(heartbeat_topic());  // heartbeats once subscribed
      } else {
        if (s.topics.erase(topic) == 0) {
          r.frames.push_back(error_reply(method, sym, "Subscription Not Found", req_id));
          continue;
        }
        r.frames.push_back(ack(method, result_extra, sym, req_id));
        r.removed.push_back(topic);
      }
    }
    return r;
  }

  std::string_view render(venue_session&, const sim_message& msg, std::string&) override { return *msg.text; }

  bool inject(fault_kind kind, std::string_view symbol, std::string& error) override {
    return faults_.add(
        kind, symbol,
        [&](std::string_view text) -> std::ptrdiff_t {
          const auto native = adapters::kraken_native(text);
          const auto it = native ? std::find(natives_.begin(), natives_.end(), *native) : natives_.end();
          return it == natives_.end() ? -1 : it - natives_.begin();
        },
        error);
  }

 private:
  using level_list = std::vector<std::pair<std::int64_t, std::int64_t>>;  // price, qty; best first
  struct visible_book {
    level_list bids, asks;
  };
  struct bar {
    std::int64_t open_ms = -1;
    std::int64_t o = 0, h = 0, l = 0, c = 0, volume = 0, quote = 0;
    std::uint64_t trades = 0;
  };
  // What a client that lost an update holds (price -> qty per side, best first).
  struct shadow_book {
    bool active = false;
    std::map<std::int64_t, std::int64_t, std::greater<>> bids;
    std::map<std::int64_t, std::int64_t> asks;
  };
  struct symbol_feed {
    int price_precision = 8;
    std::array<shadow_book, book_depths.size()> shadows;
    std::array<visible_book, book_depths.size()> books;  // what subscribers of each depth hold
    std::array<bar, ohlc_minutes.size()> bars;
  };

  static std::vector<std::string> natives(const std::vector<std::string>& symbols) {
    std::vector<std::string> out;
    for (const auto& s : symbols) {
      auto n = adapters::kraken_native(s);
      out.push_back(n ? *n : s);
    }
    if (out.empty()) out = {"BTC/USD", "ETH/USD"};
    return out;
  }
  static std::vector<std::string> market_names(const std::vector<std::string>& natives) {
    std::vector<std::string> out;
    for (auto s : natives) {
      s.erase(std::remove(s.begin(), s.end(), '/'), s.end());
      out.push_back(std::move(s));
    }
    return out;
  }

  std::uint32_t heartbeat_topic() const noexcept { return static_cast<std::uint32_t>(natives_.size()) * per_symbol; }
  std::int64_t now_ms() const noexcept {
    return start_ms_ + static_cast<std::int64_t>(static_cast<double>(count_) * 1000.0 / rate_);
  }

  void push(std::uint32_t topic, std::string text, message_sink& sink) {
    sink.push(sim_message{topic, std::make_shared<const std::string>(std::move(text)), 0});
  }

  std::string ack(std::string_view method, std::string_view result, std::string_view symbol,
                  const std::int64_t* req_id) const {
    std::string o = R"({"method":")" + std::string(method) + R"(","result":{)" + std::string(result);
    if (!symbol.empty()) o += R"(,"symbol":)" + quoted(symbol);
    o += R"(},"success":true,"time_in":)";
    append_time(o, now_ms());
    o += R"(,"time_out":)";
    append_time(o, now_ms());
    if (req_id) o += R"(,"req_id":)" + std::to_string(*req_id);
    return o + "}";
  }
  std::string error_reply(std::string_view method, std::string_view symbol, std::string_view message,
                          const std::int64_t* req_id) const {
    std::string o = R"({"error":)" + quoted(message);
    if (!method.empty()) o += R"(,"method":)" + quoted(method);
    if (req_id) o += R"(,"req_id":)" + std::to_string(*req_id);
    o += R"(,"success":false)";
    if (!symbol.empty()) o += R"(,"symbol":)" + quoted(symbol);
    o += R"(,"time_in":)";
    append_time(o, now_ms());
    o += R"(,"time_out":)";
    append_time(o, now_ms());
    return o + "}";
  }
  static std::string quoted(std::string_view s) {
    std::string o;
    append_escaped(o, s);
    return o;
  }

  std::string instrument_snapshot() const {
    std::string o = R"({"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[)";
    for (std::size_t i = 0; i < natives_.size(); ++i) {
      const auto& sym = natives_[i];
      const auto& ms = market_.symbols()[i];
      const auto slash = sym.find('/');
      if (i) o += ",";
      o += fmt::format(
          R"({{"symbol":"{}","base":"{}","quote":"{}","status":"online","qty_precision":{},"qty_increment":)", sym,
          sym.substr(0, slash), slash == std::string::npos ? "" : sym.substr(slash + 1), qty_precision);
      append_num(o, 1);
      o += fmt::format(R"(,"price_precision":{},"price_increment":)", state_[i].price_precision);
      append_num(o, ms.tick);
      o += R"(,"qty_min":)";
      append_num(o, ms.qty_step);
      o += R"(,"marginable":false,"has_index":true})";
    }
    return o + "]}}";
  }

  template <class Map>
  static level_list top(const Map& side, std::size_t depth) {
    level_list out;
    out.reserve(std::min(depth, side.size()));
    for (const auto& [p, q] : side) {
      if (out.size() == depth) break;
      out.emplace_back(p, q);
    }
    return out;
  }

  static void append_levels(std::string& o, const level_list& l) {
    o += "[";
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (i) o += ",";
      o += R"({"price":)";
      append_num(o, l[i].first);
      o += R"(,"qty":)";
      append_num(o, l[i].second);
      o += "}";
    }
    o += "]";
  }

  // The checksum of a visible book as a subscriber computes it from the numbers it received.
  std::uint32_t checksum(std::size_t si, const visible_book& b) const {
    auto side = [](const level_list& l) {
      std::vector<price_level> out;
      for (std::size_t i = 0; i < l.size() && i < adapters::kraken_checksum_depth; ++i) {
        std::string p, q;
        append_num(p, l[i].first);
        append_num(q, l[i].second);
        decimal dp, dq;
        // The exponent form only occurs for quantities below 1e-4; the checksum wants plain digits.
        if (!decimal::parse(p, dp)) {
          p.clear();
          append_fixed(p, l[i].first);
          (void)decimal::parse(p, dp);
        }
        if (!decimal::parse(q, dq)) {
          q.clear();
          append_fixed(q, l[i].second);
          (void)decimal::parse(q, dq);
        }
        out.push_back({dp, dq});
      }
      return out;
    };
    return adapters::kraken_checksum(side(b.bids), side(b.asks), {state_[si].price_precision, qty_precision});
  }

  // Applies an update to a shadow book as a client would (levels, then truncation) and checksums it.
  std::uint32_t client_checksum(std::size_t si, shadow_book& sh, const level_list& bids, const level_list& asks,
                                std::size_t depth) const {
    auto apply = [depth](auto& side, const level_list& levels) {
      for (const auto& [p, q] : levels) {
        if (q == 0)
          side.erase(p);
        else
          side[p] = q;
      }
      while (side.size() > depth) side.erase(std::prev(side.end()));
    };
    apply(sh.bids, bids);
    apply(sh.asks, asks);
    return checksum(si, visible_book{top(sh.bids, depth), top(sh.asks, depth)});
  }

  std::string book_text(std::size_t si, bool snapshot, const level_list& bids, const level_list& asks,
                        std::uint32_t crc) const {
    std::string o = R"({"channel":"book","type":")";
    o += snapshot ? "snapshot" : "update";
    o += R"(","data":[{"symbol":")" + natives_[si] + R"(","bids":)";
    append_levels(o, bids);
    o += R"(,"asks":)";
    append_levels(o, asks);
    o += R"(,"checksum":)" + std::to_string(crc) + R"(,"timestamp":)";
    append_time(o, now_ms());
    return o + "}]}";
  }

  std::string snapshot_of(std::size_t si, std::uint32_t slot) {
    const auto& ms = market_.symbols()[si];
    auto& f = state_[si];
    if (slot < slot_ticker) {
      auto& b = f.books[slot];
      b.bids = top(ms.bids, book_depths[slot]);
      b.asks = top(ms.asks, book_depths[slot]);
      return book_text(si, true, b.bids, b.asks, checksum(si, b));
    }
    if (slot == slot_ticker) return ticker_text(si, true);
    if (slot == slot_trade) return {};  // trade snapshots: none kept
    const auto i = slot - slot_ohlc;
    std::string o = R"({"channel":"ohlc","type":"snapshot","timestamp":)";
    append_time(o, now_ms());
    o += R"(,"data":[)";
    if (f.bars[i].open_ms >= 0) append_bar(o, si, i);
    return o + "]}";
  }

  std::string ticker_text(std::size_t si, bool snapshot) const {
    const auto& ms = market_.symbols()[si];
    const auto& st = ms.stats;
    std::string o = R"({"channel":"ticker","type":")";
    o += snapshot ? "snapshot" : "update";
    o += R"(","data":[{"symbol":")" + natives_[si] + R"(","bid":)";
    append_num(o, ms.bids.begin()->first);
    o += R"(,"bid_qty":)";
    append_num(o, ms.bids.begin()->second);
    o += R"(,"ask":)";
    append_num(o, ms.asks.begin()->first);
    o += R"(,"ask_qty":)";
    append_num(o, ms.asks.begin()->second);
    o += R"(,"last":)";
    append_num(o, st.last);
    o += R"(,"volume":)";
    append_num(o, st.volume);
    o += R"(,"vwap":)";
    append_num(o, st.volume > 0
                      ? static_cast<std::int64_t>(static_cast<__int128>(st.quote_volume) * units_per_one / st.volume)
                      : st.last);
    o += R"(,"low":)";
    append_num(o, st.low);
    o += R"(,"high":)";
    append_num(o, st.high);
    o += R"(,"change":)";
    append_num(o, st.last - st.open);
    o += R"(,"change_pct":)";
    std::string pct;
    append_fixed(pct, st.open > 0 ? (st.last - st.open) * 100 * 100 / st.open : 0, 2);
    o += pct;
    o += R"(,"timestamp":)";
    append_time(o, now_ms());
    return o + "}]}";
  }

  void append_bar(std::string& o, std::size_t si, std::size_t i) const {
    const auto& b = state_[si].bars[i];
    o += R"({"symbol":")" + natives_[si] + R"(","open":)";
    append_num(o, b.o);
    o += R"(,"high":)";
    append_num(o, b.h);
    o += R"(,"low":)";
    append_num(o, b.l);
    o += R"(,"close":)";
    append_num(o, b.c);
    o += R"(,"trades":)" + std::to_string(b.trades) + R"(,"volume":)";
    append_num(o, b.volume);
    o += R"(,"vwap":)";
    append_num(
        o, b.volume > 0 ? static_cast<std::int64_t>(static_cast<__int128>(b.quote) * units_per_one / b.volume) : b.c);
    o += R"(,"interval_begin":)";
    append_time(o, b.open_ms);
    o += R"(,"interval":)" + std::to_string(ohlc_minutes[i]) + "}";
  }

  // What changed in the best `depth` levels: new or resized levels, and deleted ones (qty 0). A
  // level pushed beyond the depth by better ones is not sent: subscribers truncate on their own.
  template <class Map>
  static level_list diff(const level_list& before, const level_list& after, const Map& market_side) {
    level_list out;
    for (const auto& [p, q] : after) {
      const auto it = std::find_if(before.begin(), before.end(), [p = p](const auto& l) { return l.first == p; });
      if (it == before.end() || it->second != q) out.emplace_back(p, q);
    }
    for (const auto& [p, q] : before) {
      const bool still = std::any_of(after.begin(), after.end(), [p = p](const auto& l) { return l.first == p; });
      if (!still && market_side.count(p) == 0) out.emplace_back(p, 0);
    }
    return out;
  }

  void on_step(const market_step& step, std::int64_t now, message_sink& sink) {
    const std::size_t si = step.symbol;
    const auto& ms = market_.symbols()[si];
    auto& f = state_[si];
    const auto base = static_cast<std::uint32_t>(si) * per_symbol;
    if (!step.changes.empty()) {
      ++count_;
      for (std::uint32_t d = 0; d < book_depths.size(); ++d) {
        if (!sink.wanted(base + d)) continue;
        auto& b = f.books[d];
        visible_book next{top(ms.bids, book_depths[d]), top(ms.asks, book_depths[d])};
        const level_list bids = diff(b.bids, next.bids, ms.bids), asks = diff(b.asks, next.asks, ms.asks);
        visible_book before = std::move(b);
        b = std::move(next);
        if (bids.empty() && asks.empty()) continue;  // the change was beyond this depth
        std::uint32_t crc = checksum(si, b);
        const auto fault = faults_.take(si);
        const bool faulted = fault.has_value();
        if (fault == fault_kind::skip_sequence) {
          // Lost. Kraken has no sequence numbers: the client can only notice through a later checksum,
          // so what it now holds is tracked until its checksum differs from the truth.
          auto& sh = f.shadows[d];
          sh.active = true;
          sh.bids = {before.bids.begin(), before.bids.end()};
          sh.asks = {before.asks.begin(), before.asks.end()};
          continue;
        }
        if (fault == fault_kind::bad_checksum) crc ^= 0x5a5a5a5au;
        if (fault == fault_kind::malformed)
          push(base + d,
               R"({"channel":"book","type":"update","data":[{"symbol":")" + natives_[si] + R"(","bids":[{"price":)",
               sink);
        push(base + d, book_text(si, false, bids, asks, crc), sink);
        if (auto& sh = f.shadows[d]; sh.active && !faulted) {
          sh.active = false;
          // The next updates happened to repair the client's book (they rewrote the lost levels): its
          // checksum agrees, so the loss went unnoticed. Lose the next update too, until one is noticed.
          if (client_checksum(si, sh, bids, asks, book_depths[d]) == crc)
            faults_.add_first(fault_kind::skip_sequence, si);
        }
      }
    }
    if (step.traded) {
      ++count_;
      std::int64_t qty = 0;
      for (const auto& fl : step.fills) qty += fl.qty;
      for (std::size_t i = 0; i < ohlc_minutes.size(); ++i) {
        auto& b = f.bars[i];
        const std::int64_t len = static_cast<std::int64_t>(ohlc_minutes[i]) * 60'000;
        const std::int64_t open = now - now % len;
        if (b.open_ms != open)
          b = bar{open, step.trade_price, step.trade_price, step.trade_price, step.trade_price, 0, 0, 0};
        b.h = std::max(b.h, step.trade_price);
        b.l = std::min(b.l, step.trade_price);
        b.c = step.trade_price;
        b.volume += qty;
        b.quote += static_cast<std::int64_t>(static_cast<__int128>(step.trade_price) * qty / units_per_one);
        b.trades += step.fills.size();
        if (sink.wanted(base + slot_ohlc + static_cast<std::uint32_t>(i))) {
          std::string o = R"({"channel":"ohlc","type":"update","timestamp":)";
          append_time(o, now);
          o += R"(,"data":[)";
          append_bar(o, si, i);
          push(base + slot_ohlc + static_cast<std::uint32_t>(i), o + "]}", sink);
        }
      }
      if (sink.wanted(base + slot_trade)) {
        std::string o = R"({"channel":"trade","type":"update","data":[)";
        for (std::size_t k = 0; k < step.fills.size(); ++k) {
          if (k) o += ",";
          o += R"({"symbol":")" + natives_[si] + R"(","side":")" + (step.taker_buy ? "buy" : "sell") + R"(","price":)";
          append_num(o, step.trade_price);
          o += R"(,"qty":)";
          append_num(o, step.fills[k].qty);
          o += R"(,"ord_type":"market","trade_id":)" + std::to_string(step.fills[k].trade_id) + R"(,"timestamp":)";
          append_time(o, now);
          o += "}";
        }
        push(base + slot_trade, o + "]}", sink);
      }
      if (sink.wanted(base + slot_ticker)) push(base + slot_ticker, ticker_text(si, false), sink);
    }
  }

  std::vector<std::string> natives_;
  market market_;
  double rate_;
  std::int64_t start_ms_;
  std::vector<symbol_feed> state_;
  std::uint64_t count_ = 0;
  std::int64_t next_heartbeat_ = 0;
  std::uint64_t connection_id_ = 0;
  fault_queue faults_;
  simdjson::dom::parser dom_;
};

}  // namespace

std::unique_ptr<venue> make_kraken_venue(const sim_config& cfg) { return std::make_unique<kraken_venue>(cfg); }

}  // namespace mdfan::sim
