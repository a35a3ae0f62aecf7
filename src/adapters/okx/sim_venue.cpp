#include "adapters/okx/sim_venue.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/okx/checksum.hpp"
#include "adapters/okx/symbols.hpp"
#include "adapters/sim/json_out.hpp"
#include "adapters/sim/simulator.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {
namespace {

// Topics: symbol * channel_count + channel.
enum class channel : std::uint8_t { tickers, trades, books, books5, bbo_tbt, candle1m, candle1H, candle1D };
constexpr std::uint32_t channel_count = 8;
constexpr std::array<std::string_view, channel_count> channel_names{"tickers", "trades",   "books",    "books5",
                                                                    "bbo-tbt", "candle1m", "candle1H", "candle1D"};
constexpr std::array<std::int64_t, 3> bar_ms{60'000, 3'600'000, 86'400'000};  // candle1m, candle1H, candle1D
constexpr bool on_business(channel c) { return c >= channel::candle1m; }

constexpr std::size_t snapshot_depth = 400;  // books: 400 levels
constexpr std::int64_t ticker_period_ms = 100;
constexpr std::int64_t books5_period_ms = 100;
constexpr std::int64_t candle_period_ms = 500;

// Amounts in 1e-8 units as OKX prints them: no trailing zeros ("43000.1", "8477").
void append_amount(std::string& out, std::int64_t units) {
  const std::size_t start = out.size();
  append_fixed(out, units, 8);
  while (out.size() > start && out.back() == '0') out.pop_back();
  if (out.size() > start && out.back() == '.') out.pop_back();
}
std::string amount(std::int64_t units) {
  std::string s;
  append_amount(s, units);
  return s;
}
void append_amount_str(std::string& out, std::int64_t units) {
  out += '"';
  append_amount(out, units);
  out += '"';
}
void append_level(std::string& out, std::int64_t price, std::int64_t qty) {
  out += "[\"";
  append_amount(out, price);
  out += "\",\"";
  append_amount(out, qty);
  out += R"(","0","1"])";
}
std::int64_t quote_units(std::int64_t price, std::int64_t qty) {
  return static_cast<std::int64_t>(static_cast<__int128>(price) * qty / units_per_one);
}

struct okx_connection final : venue_session {
  bool business = false;
  std::string conn_id;
};

struct candle_bar {
  std::int64_t open_ms = -1;
  std::int64_t o = 0, h = 0, l = 0, c = 0, vol = 0, quote = 0;
  void reset(std::int64_t open, std::int64_t price) {
    open_ms = open;
    o = h = l = c = price;
    vol = quote = 0;
  }
};

struct symbol_feed {
  std::string inst;         // OKX instId, "BTC-USDT"
  std::int64_t seq = 1000;  // seqId of the last book change (advanced whether or not anyone listens)
  std::int64_t trade_seq = 0;
  std::int64_t bbo_seq = 0;
  bool ticker_dirty = true, books5_dirty = true;
  std::int64_t next_ticker = 0, next_books5 = 0, next_candle = 0;
  std::array<candle_bar, 3> bars;
};

class okx_venue final : public venue {
 public:
  explicit okx_venue(const sim_config& cfg)
      : insts_(instruments(cfg.symbols)),
        market_(market_names(insts_), cfg.seed),
        rate_(cfg.rate > 0 ? cfg.rate : 1000),
        start_ms_(cfg.start_time_ms ? cfg.start_time_ms : wall_ns() / 1'000'000) {
    for (std::size_t i = 0; i < insts_.size(); ++i) {
      symbol_feed f;
      f.inst = insts_[i];
      const auto& s = market_.symbols()[i];
      const std::int64_t mid = (s.bids.begin()->first + s.asks.begin()->first) / 2;
      for (std::size_t b = 0; b < bar_ms.size(); ++b) f.bars[b].reset(start_ms_ - start_ms_ % bar_ms[b], mid);
      feeds_.push_back(std::move(f));
    }
  }

  std::string_view name() const noexcept override { return "okx"; }
  std::uint32_t topic_count() const noexcept override {
    return static_cast<std::uint32_t>(insts_.size()) * channel_count;
  }
  std::string topic_name(std::uint32_t topic) const override {
    return fmt::format("{}:{}", channel_names[topic % channel_count], insts_[topic / channel_count]);
  }
  std::uint64_t generated() const noexcept override { return count_; }
  const market& mkt() const noexcept override { return market_; }

  void generate(std::uint64_t n, message_sink& sink) override {
    const std::uint64_t target = count_ + n;
    while (count_ < target) {
      const std::uint64_t before = count_;
      on_step(market_.step(), sink);
      periodic(sink);
      if (count_ == before) ++count_;  // every step moves the clock
    }
  }

  std::unique_ptr<venue_session> open(std::string_view target, venue_reply& reply, std::string& error) override {
    (void)reply;
    const std::string_view path = target.substr(0, target.find('?'));
    auto c = std::make_unique<okx_connection>();
    if (path == "/ws/v5/public") {
      c->business = false;
    } else if (path == "/ws/v5/business") {
      c->business = true;
    } else {
      error = fmt::format("unknown path '{}' (OKX serves /ws/v5/public and /ws/v5/business)", path);
      return nullptr;
    }
    c->conn_id = fmt::format("{:08x}", static_cast<std::uint32_t>(0x5a17c0deu + ++connections_));
    return c;
  }

  venue_reply on_message(venue_session& session, std::string_view text) override {
    auto& conn = static_cast<okx_connection&>(session);
    venue_reply out;
    if (text == "ping") {
      out.frames.emplace_back("pong");
      return out;
    }
    simdjson::dom::element doc;
    std::string_view op;
    simdjson::dom::array args;
    padded_.assign(text);
    if (json_.parse(padded_.data(), padded_.size()).get(doc) || doc["op"].get_string().get(op) ||
        doc["args"].get_array().get(args) || (op != "subscribe" && op != "unsubscribe")) {
      std::string e = R"({"event":"error","code":"60012","msg":)";
      append_escaped(e, fmt::format("Invalid request: {}", text.substr(0, 512)));
      e += R"(,"connId":")" + conn.conn_id + "\"}";
      out.frames.push_back(std::move(e));
      return out;
    }
    std::string id;
    if (std::string_view v; !doc["id"].get_string().get(v)) id = v;
    const bool subscribe = op == "subscribe";
    for (auto arg : args) {
      std::string_view ch, inst;
      if (arg["channel"].get_string().get(ch) || arg["instId"].get_string().get(inst)) {
        std::string e = R"({"event":"error","code":"60012","msg":)";
        append_escaped(e, fmt::format("Invalid request: {}", text.substr(0, 512)));
        e += R"(,"connId":")" + conn.conn_id + "\"}";
        out.frames.push_back(std::move(e));
        continue;
      }
      const auto topic = find_topic(ch, inst, conn.business);
      if (!topic) {
        std::string e = R"({)";
        if (!id.empty()) e += R"("id":")" + id + "\",";
        e += R"("event":"error","code":"60018","msg":)";
        append_escaped(e, fmt::format("Wrong URL or channel:{},instId:{} doesn't exist. Please use the correct URL, "
                                      "channel and parameters referring to API document.",
                                      ch.substr(0, 64), inst.substr(0, 64)));
        e += R"(,"connId":")" + conn.conn_id + "\"}";
        out.frames.push_back(std::move(e));
        continue;
      }
      std::string ack = "{";
      if (!id.empty()) ack += R"("id":")" + id + "\",";
      ack += fmt::format(R"("event":"{}","arg":{{"channel":"{}","instId":"{}"}},"connId":"{}"}})", op,
                         channel_names[*topic % channel_count], insts_[*topic / channel_count], conn.conn_id);
      out.frames.push_back(std::move(ack));
      if (subscribe) {
        if (static_cast<channel>(*topic % channel_count) == channel::books)
          out.frames.push_back(books_snapshot(*topic / channel_count));
        out.added.push_back(*topic);
      } else {
        out.removed.push_back(*topic);
      }
    }
    return out;
  }

  // The shared text is the whole frame.
  std::string_view render(venue_session&, const sim_message& msg, std::string&) override { return *msg.text; }

  bool inject(fault_kind kind, std::string_view symbol, std::string& error) override {
    std::ptrdiff_t index = -1;
    if (!symbol.empty()) {
      const std::string native = adapters::okx_native_symbol(symbol);
      const auto it = std::find(insts_.begin(), insts_.end(), native);
      if (native.empty() || it == insts_.end()) {
        error = fmt::format("unknown symbol '{}'", symbol);
        return false;
      }
      index = it - insts_.begin();
    }
    pending_.push_back({kind, index});
    return true;
  }

 private:
  struct pending_fault {
    fault_kind kind;
    std::ptrdiff_t symbol;  // -1: any
  };

  static std::vector<std::string> instruments(const std::vector<std::string>& symbols) {
    std::vector<std::string> out;
    for (const auto& s : symbols) {
      std::string n = adapters::okx_native_symbol(s);
      if (n.empty()) {
        // "BTCUSDT": split a known quote off, else keep it whole.
        n = s;
        for (std::string_view q : {"USDT", "USDC", "USD", "BTC", "ETH", "EUR"})
          if (n.size() > q.size() && n.ends_with(q)) {
            n.insert(n.size() - q.size(), "-");
            break;
          }
        n = adapters::okx_native_symbol(n).empty() ? n : adapters::okx_native_symbol(n);
      }
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
    }
    if (out.empty()) out = {"BTC-USDT", "ETH-USDT"};
    return out;
  }
  // The market knows presets by their dash-less names ("BTCUSDT").
  static std::vector<std::string> market_names(const std::vector<std::string>& insts) {
    std::vector<std::string> out;
    for (auto s : insts) {
      s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
      out.push_back(std::move(s));
    }
    return out;
  }

  std::optional<std::uint32_t> find_topic(std::string_view ch, std::string_view inst, bool business) const {
    const auto c = std::find(channel_names.begin(), channel_names.end(), ch);
    const auto s = std::find(insts_.begin(), insts_.end(), inst);
    if (c == channel_names.end() || s == insts_.end()) return std::nullopt;
    const auto kind = static_cast<channel>(c - channel_names.begin());
    if (on_business(kind) != business) return std::nullopt;  // OKX: wrong URL for this channel
    return static_cast<std::uint32_t>(s - insts_.begin()) * channel_count + static_cast<std::uint32_t>(kind);
  }

  std::int64_t now_ms() const noexcept {
    return start_ms_ + static_cast<std::int64_t>(static_cast<double>(count_) * 1000.0 / rate_);
  }
  static std::uint32_t topic(std::size_t symbol, channel c) {
    return static_cast<std::uint32_t>(symbol * channel_count + static_cast<std::uint32_t>(c));
  }

  // Counts one message of `t`; formats and pushes it only when someone listens.
  template <class Fill>
  void emit(std::uint32_t t, message_sink& sink, Fill&& fill) {
    ++count_;
    if (!sink.wanted(t)) return;
    auto text = std::make_shared<std::string>();
    text->reserve(256);
    fill(*text);
    sim_message m;
    m.stream = t;
    m.text = std::move(text);
    sink.push(std::move(m));
  }
  void push_raw(std::uint32_t t, std::string text, message_sink& sink) {
    sim_message m;
    m.stream = t;
    m.text = std::make_shared<std::string>(std::move(text));
    sink.push(std::move(m));
  }

  void arg(std::string& out, channel c, std::size_t sym) {
    out += R"({"arg":{"channel":")";
    out += channel_names[static_cast<std::size_t>(c)];
    out += R"(","instId":")";
    out += insts_[sym];
    out += "\"}";
  }

  std::int32_t book_checksum(std::size_t sym) {
    const auto& s = market_.symbols()[sym];
    levels_bids_.clear();
    levels_asks_.clear();
    for (const auto& [p, q] : s.bids) {
      if (levels_bids_.size() == adapters::okx_checksum_depth) break;
      levels_bids_.push_back({decimal::from(amount(p)), decimal::from(amount(q))});
    }
    for (const auto& [p, q] : s.asks) {
      if (levels_asks_.size() == adapters::okx_checksum_depth) break;
      levels_asks_.push_back({decimal::from(amount(p)), decimal::from(amount(q))});
    }
    return adapters::okx_checksum(levels_bids_, levels_asks_);
  }

  std::string books_snapshot(std::size_t sym) {
    const auto& s = market_.symbols()[sym];
    std::string out;
    out.reserve(32 * 2 * snapshot_depth);
    arg(out, channel::books, sym);
    out += R"(,"action":"snapshot","data":[{"asks":[)";
    std::size_t n = 0;
    for (const auto& [p, q] : s.asks) {
      if (n == snapshot_depth) break;
      if (n++) out += ',';
      append_level(out, p, q);
    }
    out += R"(],"bids":[)";
    n = 0;
    for (const auto& [p, q] : s.bids) {
      if (n == snapshot_depth) break;
      if (n++) out += ',';
      append_level(out, p, q);
    }
    out += R"(],"ts":")";
    append_int(out, now_ms());
    out += R"(","checksum":)";
    append_int(out, book_checksum(sym));
    out += R"(,"prevSeqId":-1,"seqId":)";
    append_int(out, feeds_[sym].seq);
    out += "}]}";
    return out;
  }

  void on_step(const market_step& st, message_sink& sink) {
    const std::size_t sym = st.symbol;
    symbol_feed& f = feeds_[sym];
    const std::int64_t now = now_ms();
    if (!st.changes.empty()) {
      const std::int64_t prev = f.seq;
      const std::int64_t seq = ++f.seq;
      f.books5_dirty = true;
      const std::uint32_t t = topic(sym, channel::books);
      // A pending fault applies to the next update someone receives.
      std::optional<fault_kind> fault;
      if (!pending_.empty() && sink.wanted(t)) {
        auto it = std::find_if(pending_.begin(), pending_.end(), [&](const pending_fault& p) {
          return p.symbol < 0 || p.symbol == static_cast<std::ptrdiff_t>(sym);
        });
        if (it != pending_.end()) {
          fault = it->kind;
          pending_.erase(it);
        }
      }
      if (fault == fault_kind::skip_sequence) {
        ++count_;  // generated, then lost: the next update's prevSeqId leaves a gap
      } else {
        if (fault == fault_kind::malformed) {
          std::string bad;
          arg(bad, channel::books, sym);
          bad += R"(,"action":"update","data":[{"asks":[["oops)";
          push_raw(t, std::move(bad), sink);
        }
        emit(t, sink, [&](std::string& out) {
          arg(out, channel::books, sym);
          out += R"(,"action":"update","data":[{"asks":[)";
          bool first = true;
          for (const auto& c : st.changes) {
            if (c.side != book_side::ask) continue;
            if (!first) out += ',';
            first = false;
            append_level(out, c.price, c.qty);
          }
          out += R"(],"bids":[)";
          first = true;
          for (const auto& c : st.changes) {
            if (c.side != book_side::bid) continue;
            if (!first) out += ',';
            first = false;
            append_level(out, c.price, c.qty);
          }
          out += R"(],"ts":")";
          append_int(out, now);
          std::int32_t checksum = book_checksum(sym);
          if (fault == fault_kind::bad_checksum) checksum = checksum == -1 ? 1 : checksum + 1;
          out += R"(","checksum":)";
          append_int(out, checksum);
          out += R"(,"prevSeqId":)";
          append_int(out, prev);
          out += R"(,"seqId":)";
          append_int(out, seq);
          out += "}]}";
        });
      }
      if (st.top_changed) emit_bbo(sym, now, sink);
    }
    if (st.traded && !st.fills.empty()) {
      std::int64_t qty = 0;
      for (const auto& fl : st.fills) qty += fl.qty;
      f.ticker_dirty = true;
      for (auto& b : f.bars) {
        b.h = std::max(b.h, st.trade_price);
        b.l = std::min(b.l, st.trade_price);
        b.c = st.trade_price;
        b.vol += qty;
        b.quote += quote_units(st.trade_price, qty);
      }
      const std::int64_t seq = ++f.trade_seq;
      emit(topic(sym, channel::trades), sink, [&](std::string& out) {
        arg(out, channel::trades, sym);
        out += R"(,"data":[{"instId":")";
        out += insts_[sym];
        out += R"(","tradeId":")";
        append_uint(out, st.fills.back().trade_id);
        out += R"(","px":)";
        append_amount_str(out, st.trade_price);
        out += R"(,"sz":)";
        append_amount_str(out, qty);
        out += st.taker_buy ? R"(,"side":"buy","ts":")" : R"(,"side":"sell","ts":")";
        append_int(out, now);
        out += R"(","count":")";
        append_uint(out, st.fills.size());
        out += R"(","source":"0","seqId":)";
        append_int(out, seq);
        out += "}]}";
      });
    }
    if (st.top_changed) f.ticker_dirty = true;
  }

  void emit_bbo(std::size_t sym, std::int64_t now, message_sink& sink) {
    const auto& s = market_.symbols()[sym];
    if (s.bids.empty() || s.asks.empty()) return;
    const std::int64_t seq = ++feeds_[sym].bbo_seq;
    emit(topic(sym, channel::bbo_tbt), sink, [&](std::string& out) {
      arg(out, channel::bbo_tbt, sym);
      out += R"(,"data":[{"asks":[)";
      append_level(out, s.asks.begin()->first, s.asks.begin()->second);
      out += R"(],"bids":[)";
      append_level(out, s.bids.begin()->first, s.bids.begin()->second);
      out += R"(],"ts":")";
      append_int(out, now);
      out += R"(","seqId":)";
      append_int(out, seq);
      out += "}]}";
    });
  }

  void periodic(message_sink& sink) {
    const std::int64_t now = now_ms();
    for (std::size_t sym = 0; sym < feeds_.size(); ++sym) {
      symbol_feed& f = feeds_[sym];
      const auto& s = market_.symbols()[sym];
      if (now >= f.next_ticker && f.ticker_dirty && !s.bids.empty() && !s.asks.empty()) {
        f.ticker_dirty = false;
        f.next_ticker = now + ticker_period_ms;
        emit(topic(sym, channel::tickers), sink, [&](std::string& out) {
          const auto& st = s.stats;
          arg(out, channel::tickers, sym);
          out += R"(,"data":[{"instType":"SPOT","instId":")";
          out += insts_[sym];
          out += R"(","last":)";
          append_amount_str(out, st.last);
          out += R"(,"lastSz":)";
          append_amount_str(out, st.last_qty);
          out += R"(,"askPx":)";
          append_amount_str(out, s.asks.begin()->first);
          out += R"(,"askSz":)";
          append_amount_str(out, s.asks.begin()->second);
          out += R"(,"bidPx":)";
          append_amount_str(out, s.bids.begin()->first);
          out += R"(,"bidSz":)";
          append_amount_str(out, s.bids.begin()->second);
          out += R"(,"open24h":)";
          append_amount_str(out, st.open);
          out += R"(,"high24h":)";
          append_amount_str(out, st.high);
          out += R"(,"low24h":)";
          append_amount_str(out, st.low);
          out += R"(,"volCcy24h":)";
          append_amount_str(out, st.quote_volume);
          out += R"(,"vol24h":)";
          append_amount_str(out, st.volume);
          out += R"(,"sodUtc0":)";
          append_amount_str(out, st.open);
          out += R"(,"sodUtc8":)";
          append_amount_str(out, st.open);
          out += R"(,"ts":")";
          append_int(out, now);
          out += "\"}]}";
        });
      }
      if (now >= f.next_books5 && f.books5_dirty) {
        f.books5_dirty = false;
        f.next_books5 = now + books5_period_ms;
        emit(topic(sym, channel::books5), sink, [&](std::string& out) {
          arg(out, channel::books5, sym);
          out += R"(,"data":[{"asks":[)";
          std::size_t n = 0;
          for (const auto& [p, q] : s.asks) {
            if (n == 5) break;
            if (n++) out += ',';
            append_level(out, p, q);
          }
          out += R"(],"bids":[)";
          n = 0;
          for (const auto& [p, q] : s.bids) {
            if (n == 5) break;
            if (n++) out += ',';
            append_level(out, p, q);
          }
          out += R"(],"instId":")";
          out += insts_[sym];
          out += R"(","ts":")";
          append_int(out, now);
          out += R"(","seqId":)";
          append_int(out, f.seq);
          out += "}]}";
        });
      }
      // Candles: a closed bar (confirm "1") as soon as its period ends, the open bar every 500 ms.
      for (std::size_t b = 0; b < bar_ms.size(); ++b) {
        candle_bar& bar = f.bars[b];
        if (now >= bar.open_ms + bar_ms[b]) {
          emit_candle(sym, b, bar, true, sink);
          bar.reset(now - now % bar_ms[b], bar.c);
        }
      }
      if (now >= f.next_candle) {
        f.next_candle = now + candle_period_ms;
        for (std::size_t b = 0; b < bar_ms.size(); ++b) emit_candle(sym, b, f.bars[b], false, sink);
      }
    }
  }

  void emit_candle(std::size_t sym, std::size_t b, const candle_bar& bar, bool closed, message_sink& sink) {
    const auto c = static_cast<channel>(static_cast<std::size_t>(channel::candle1m) + b);
    emit(topic(sym, c), sink, [&](std::string& out) {
      arg(out, c, sym);
      out += R"(,"data":[[")";
      append_int(out, bar.open_ms);
      out += "\",";
      for (const std::int64_t v : {bar.o, bar.h, bar.l, bar.c, bar.vol, bar.quote, bar.quote}) {
        append_amount_str(out, v);
        out += ',';
      }
      out += closed ? R"("1"]]})" : R"("0"]]})";
    });
  }

  std::vector<std::string> insts_;
  market market_;
  double rate_;
  std::int64_t start_ms_;
  std::vector<symbol_feed> feeds_;
  std::uint64_t count_ = 0;
  std::uint32_t connections_ = 0;
  std::vector<pending_fault> pending_;
  simdjson::dom::parser json_;
  std::string padded_;
  std::vector<price_level> levels_bids_, levels_asks_;
};

}  // namespace

std::unique_ptr<venue> make_okx_venue(const sim_config& cfg) { return std::make_unique<okx_venue>(cfg); }

}  // namespace mdfan::sim
