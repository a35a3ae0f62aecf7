#include "adapters/kraken/session.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/common/book_keeper.hpp"
#include "adapters/common/candle_builder.hpp"
#include "adapters/kraken/checksum.hpp"
#include "adapters/kraken/parser.hpp"
#include "adapters/kraken/symbols.hpp"

namespace mdfan::adapters {
namespace {

int frac_digits(const decimal& d) {
  const auto s = d.str();
  const auto dot = s.find('.');
  return dot == std::string_view::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

// {"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10,"snapshot":true},"req_id":7}
std::string request(std::string_view method, std::string_view channel, const std::vector<std::string>& symbols,
                    std::string_view extra, std::uint64_t req_id) {
  std::string s;
  s.reserve(96 + symbols.size() * 14);
  s.append(R"({"method":")").append(method).append(R"(","params":{"channel":")").append(channel).append("\"");
  if (!symbols.empty()) {
    s.append(R"(,"symbol":[)");
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      if (i) s.push_back(',');
      s.append("\"").append(symbols[i]).append("\"");
    }
    s.push_back(']');
  }
  s.append(extra);
  s.append(R"(},"req_id":)").append(std::to_string(req_id)).append("}");
  return s;
}

class kraken_session final : public protocol_session {
 public:
  kraken_session(kraken_config cfg, metrics_registry& metrics, std::shared_ptr<spdlog::logger> log)
      : cfg_(std::move(cfg)),
        log_(log ? std::move(log) : spdlog::default_logger()),
        book_metrics_(metrics, exchange_id::kraken),
        malformed_(metrics.get_counter("mdfan_adapter_malformed_total", "Exchange messages that failed to parse",
                                       R"(exchange="kraken")")),
        checksum_failures_(metrics.get_counter("mdfan_adapter_checksum_failures_total",
                                               "Book checksums that disagreed with the local book",
                                               R"(exchange="kraken")")) {
    books_.reserve(cfg_.symbols.size());
    for (std::size_t i = 0; i < cfg_.symbols.size(); ++i) {
      const auto& sym = cfg_.symbols[i];
      books_.push_back(std::make_unique<symbol_state>(sym, cfg_, &book_metrics_));
      index_.emplace(sym, i);
    }
    emit_ = [this](event&& e) { io_->emit(std::move(e)); };
  }

  void on_open(session_io& io) override {
    io_ = &io;
    book_subscribed_ = false;
    pings_waiting_for_instruments_ = 0;
    const auto& syms = cfg_.symbols;
    if (cfg_.ticker) send_chunked(io, "ticker", syms, "");
    // Trade snapshots (the last 50 trades) would repeat trades after every reconnect: none asked.
    if (cfg_.trade || (cfg_.candle && cfg_.ohlc_minutes == 0)) send_chunked(io, "trade", syms, R"(,"snapshot":false)");
    if (cfg_.candle && cfg_.ohlc_minutes != 0)
      send_chunked(io, "ohlc", syms, fmt::format(R"(,"interval":{})", cfg_.ohlc_minutes));
    if (cfg_.book) {
      // The checksum needs each pair's precision, which only the instrument channel gives: books are
      // subscribed once it has answered (or did not, see on_ping).
      const bool all_known =
          std::all_of(books_.begin(), books_.end(), [](const auto& b) { return b->precision_known; });
      if (all_known) {
        subscribe_books(io);
      } else {
        io.send(request("subscribe", "instrument", {}, R"(,"snapshot":true)", ++req_id_));
      }
    }
  }

  void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) override {
    io_ = &io;
    if (!parser_.parse_padded(msg, receive_ns, msg_, err_)) {
      on_malformed(msg, io);
      return;
    }
    switch (msg_.what) {
      case kraken_message::kind::book:
        for (std::size_t i = 0; i < msg_.book_count; ++i) on_book(msg_.books[i], msg_.snapshot, receive_ns, io);
        break;
      case kraken_message::kind::events: on_events(receive_ns); break;
      case kraken_message::kind::instrument: on_instruments(io); break;
      case kraken_message::kind::control: on_control(io); break;
      case kraken_message::kind::none: break;
    }
  }

  void on_close() override {
    for (auto& b : books_) {
      b->keeper.resync(resync_reason::reconnect);
      b->awaiting = false;
      b->failures = 0;
      b->retry_on_ping = false;
    }
    book_subscribed_ = false;
  }

  void on_ping(session_io& io) override {
    io_ = &io;
    io.send(fmt::format(R"({{"method":"ping","req_id":{}}})", ++req_id_));
    if (cfg_.book && !book_subscribed_ && ++pings_waiting_for_instruments_ >= 2) {
      log_->warn("kraken: no instrument snapshot after {} pings; subscribing books with precision from their text",
                 pings_waiting_for_instruments_);
      subscribe_books(io);
    }
    for (std::size_t i = 0; i < books_.size(); ++i)
      if (books_[i]->retry_on_ping) {
        books_[i]->retry_on_ping = false;
        resubscribe(i, io);
      }
    // Trade-built bars also close on the clock when trades stop (the grace period covers the skew).
    advance_candles(io.now_ns(), io.now_ns());
  }

 private:
  struct symbol_state {
    symbol_state(const std::string& sym, const kraken_config& cfg, book_metrics* m)
        : keeper(exchange_id::kraken, sym, kraken_normalize(sym), cfg.depth, m),
          builder(cfg.candle && cfg.ohlc_minutes == 0
                      ? std::make_unique<candle_builder>(exchange_id::kraken, sym, kraken_normalize(sym),
                                                         cfg.candle_interval, cfg.candle_interval_ns, grace_ns)
                      : nullptr) {}
    book_keeper keeper;
    kraken_precision precision;  // from the instrument channel, else inferred from the book's text
    bool precision_known = false;
    bool awaiting = false;       // a snapshot was requested on this connection
    unsigned failures = 0;       // snapshots in a row that failed validation
    bool retry_on_ping = false;  // too many failures: the next resubscribe waits for the ping timer
    std::uint64_t sequence = 0;  // mdfan's own per-book message counter (Kraken has no sequence numbers)
    std::unique_ptr<candle_builder> builder;
    candle last_candle;  // native ohlc: the newest bar, closed when a later one starts
    bool has_candle = false;
  };
  static constexpr std::int64_t grace_ns = 2'000'000'000;
  static constexpr unsigned max_quick_retries = 3;

  symbol_state* find(std::string_view symbol, std::size_t& idx) {
    const auto it = index_.find(symbol);
    if (it == index_.end()) return nullptr;
    idx = it->second;
    return books_[idx].get();
  }

  void send_chunked(session_io& io, std::string_view channel, const std::vector<std::string>& syms,
                    std::string_view extra) {
    for (std::size_t i = 0; i < syms.size(); i += kraken_config::max_symbols_per_request) {
      const auto end = std::min(syms.size(), i + kraken_config::max_symbols_per_request);
      io.send(request("subscribe", channel,
                      std::vector<std::string>(syms.begin() + static_cast<std::ptrdiff_t>(i),
                                               syms.begin() + static_cast<std::ptrdiff_t>(end)),
                      extra, ++req_id_));
    }
  }

  std::string book_params() const { return fmt::format(R"(,"depth":{},"snapshot":true)", cfg_.depth); }

  void subscribe_books(session_io& io) {
    book_subscribed_ = true;
    for (auto& b : books_) b->awaiting = true;
    send_chunked(io, "book", cfg_.symbols, book_params());
  }

  // One symbol's book is out of sync: a fresh snapshot by unsubscribing and subscribing that symbol
  // alone, on this connection; the other books and channels are untouched.
  void resubscribe(std::size_t idx, session_io& io) {
    auto& b = *books_[idx];
    const std::vector<std::string> one{cfg_.symbols[idx]};
    io.send(request("unsubscribe", "book", one, R"(,"depth":)" + std::to_string(cfg_.depth), ++req_id_));
    io.send(request("subscribe", "book", one, book_params(), ++req_id_));
    b.awaiting = true;
  }

  void failed(std::size_t idx, session_io& io) {
    auto& b = *books_[idx];
    if (++b.failures > max_quick_retries) {
      b.retry_on_ping = true;  // a book that keeps failing is retried at the ping period, not in a loop
      return;
    }
    resubscribe(idx, io);
  }

  void infer_precision(symbol_state& b, const kraken_book_data& d) {
    if (b.precision_known) return;
    for (const auto* side : {&d.bids, &d.asks})
      for (const auto& l : *side) {
        b.precision.price = std::max(b.precision.price, frac_digits(l.price));
        b.precision.qty = std::max(b.precision.qty, frac_digits(l.size));
      }
  }

  void on_book(const kraken_book_data& d, bool snapshot, std::int64_t receive_ns, session_io& io) {
    std::size_t idx = 0;
    symbol_state* b = find(d.symbol, idx);
    if (!b) return;  // a symbol this session did not ask for
    exchange_clock_ns_ = std::max(exchange_clock_ns_, d.exchange_ts_ns);
    infer_precision(*b, d);
    struct verify_ctx {
      const kraken_book_data* d;
      kraken_precision p;
      counter* failures;
    } ctx{&d, b->precision, &checksum_failures_};
    const verify_fn verify = [c = &ctx](const order_book& book) {
      if (kraken_checksum(book, c->p) == c->d->checksum) return true;
      c->failures->inc();
      return false;
    };
    if (snapshot) {
      // Expected when asked for; a snapshot nobody asked for over a synced book is a reset.
      const bool expected = b->awaiting || !b->keeper.synced();
      if (b->keeper.on_snapshot(d.bids, d.asks, b->sequence + 1, d.exchange_ts_ns, receive_ns, emit_, verify,
                                expected)) {
        ++b->sequence;
        b->awaiting = false;
        b->failures = 0;
      } else {
        log_->warn("kraken: {} book snapshot rejected (checksum {}, crossed or unorderable); resubscribing", d.symbol,
                   d.checksum);
        failed(idx, io);
      }
      return;
    }
    if (!b->keeper.synced()) {
      (void)b->keeper.on_delta(d.bids, d.asks, 0, 0, 0, receive_ns, emit_);  // counted as ignored
      return;
    }
    const std::uint64_t next = b->sequence + 1;
    if (b->keeper.on_delta(d.bids, d.asks, next, next, d.exchange_ts_ns, receive_ns, emit_, verify)) {
      b->sequence = next;
      return;
    }
    log_->warn("kraken: {} book out of sync (checksum {} or crossed book); resubscribing", d.symbol, d.checksum);
    resubscribe(idx, io);
  }

  void on_malformed(std::string_view msg, session_io& io) {
    malformed_.inc();
    log_->warn("kraken: malformed message: {} ({:.200})", err_.reason, msg);
    if (!err_.book || err_.symbol.empty()) return;
    std::size_t idx = 0;
    symbol_state* b = find(err_.symbol, idx);
    if (!b) return;
    if (b->keeper.resync(resync_reason::malformed)) {
      resubscribe(idx, io);
    } else if (b->awaiting) {
      failed(idx, io);  // possibly the snapshot itself: ask again
    }
  }

  void on_events(std::int64_t receive_ns) {
    for (auto& ev : msg_.events) {
      exchange_clock_ns_ = std::max(exchange_clock_ns_, header_of(ev).exchange_ts_ns);
      if (auto* tr = std::get_if<trade>(&ev)) {
        std::size_t idx = 0;
        symbol_state* b = find(tr->symbol, idx);
        if (b && b->builder) b->builder->add(tr->price, tr->size, tr->exchange_ts_ns, receive_ns, emit_);
        if (cfg_.trade) io_->emit(std::move(ev));
      } else if (auto* c = std::get_if<candle>(&ev)) {
        std::size_t idx = 0;
        symbol_state* b = find(c->symbol, idx);
        if (b) {
          // A bar that has been superseded is final: emit its last state once more, closed.
          if (b->has_candle && !b->last_candle.closed && c->open_time_ns > b->last_candle.open_time_ns) {
            candle done = b->last_candle;
            done.closed = true;
            done.receive_ts_ns = receive_ns;
            io_->emit(event{std::move(done)});
          }
          if (!b->has_candle || c->open_time_ns >= b->last_candle.open_time_ns) {
            b->last_candle = *c;
            b->has_candle = true;
          }
        }
        io_->emit(std::move(ev));
      } else {
        io_->emit(std::move(ev));
      }
    }
    for (auto& b : books_)
      if (b->builder) b->builder->flush(receive_ns, emit_);
    advance_candles(exchange_clock_ns_, receive_ns);
  }

  void advance_candles(std::int64_t now_ns, std::int64_t receive_ns) {
    if (!cfg_.candle || cfg_.ohlc_minutes != 0 || now_ns <= 0) return;
    for (auto& b : books_) b->builder->advance(now_ns, receive_ns, emit_);
  }

  void on_instruments(session_io& io) {
    for (const auto& p : msg_.pairs) {
      std::size_t idx = 0;
      symbol_state* b = find(p.symbol, idx);
      if (!b || p.precision.price < 0 || p.precision.qty < 0) continue;
      b->precision = p.precision;
      b->precision_known = true;
    }
    if (cfg_.book && !book_subscribed_ && msg_.snapshot) {
      for (const auto& b : books_)
        if (!b->precision_known)
          log_->warn("kraken: {} not in the instrument list; its checksum precision is taken from the book's text",
                     b->keeper.symbol());
      subscribe_books(io);
    }
  }

  void on_control(session_io& io) {
    const auto& c = msg_.control;
    using kind = kraken_control::kind;
    switch (c.what) {
      case kind::subscribe:
        if (!c.success) {
          log_->error("kraken: subscribe {} {} refused: {}", c.channel, c.symbol, c.error);
          if (c.channel == "instrument" && cfg_.book && !book_subscribed_) subscribe_books(io);
        }
        break;
      case kind::unsubscribe:
        if (!c.success) log_->debug("kraken: unsubscribe {} {} refused: {}", c.channel, c.symbol, c.error);
        break;
      case kind::status:
        if (c.system != "online") log_->warn("kraken: engine status {}", c.system);
        break;
      case kind::error: log_->warn("kraken: error from the exchange: {}", c.error); break;
      default: break;
    }
  }

  kraken_config cfg_;
  std::shared_ptr<spdlog::logger> log_;
  book_metrics book_metrics_;
  counter& malformed_;
  counter& checksum_failures_;
  std::vector<std::unique_ptr<symbol_state>> books_;
  std::map<std::string, std::size_t, std::less<>> index_;
  kraken_parser parser_;
  kraken_message msg_;
  kraken_parse_error err_;
  session_io* io_ = nullptr;  // valid during a callback only
  emit_fn emit_;
  std::uint64_t req_id_ = 0;
  bool book_subscribed_ = false;
  unsigned pings_waiting_for_instruments_ = 0;
  std::int64_t exchange_clock_ns_ = 0;  // the latest exchange time seen (closes trade-built bars)
};

class kraken_decoder final : public message_decoder {
 public:
  bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) override {
    if (!parser_.parse_padded(msg, receive_ns, msg_, err_)) {
      error = err_.reason;
      return false;
    }
    if (msg_.what == kraken_message::kind::events) {
      for (auto& e : msg_.events) out.push_back(std::move(e));
    } else if (msg_.what == kraken_message::kind::book) {
      for (std::size_t i = 0; i < msg_.book_count; ++i) {
        const auto& d = msg_.books[i];
        book_update u;
        u.exchange = exchange_id::kraken;
        u.symbol = d.symbol;
        u.instrument = d.instrument;
        u.exchange_ts_ns = d.exchange_ts_ns;
        u.receive_ts_ns = receive_ns;
        u.snapshot = msg_.snapshot;
        u.bids = d.bids;
        u.asks = d.asks;
        out.push_back(event{std::move(u)});
      }
    }
    return true;
  }

 private:
  kraken_parser parser_;
  kraken_message msg_;
  kraken_parse_error err_;
};

}  // namespace

kraken_config make_kraken_config(const adapter_options& opts) {
  kraken_config cfg;
  if (opts.symbols.empty()) throw std::invalid_argument("kraken: symbols: at least one instrument is required");
  for (const auto& s : opts.symbols) {
    auto native = kraken_native(s);
    if (!native) throw std::invalid_argument(fmt::format("kraken: symbols: '{}' is not BASE/QUOTE or BASE-QUOTE", s));
    if (std::find(cfg.symbols.begin(), cfg.symbols.end(), *native) == cfg.symbols.end())
      cfg.symbols.push_back(std::move(*native));
  }
  if (opts.types.empty()) throw std::invalid_argument("kraken: types: at least one event type is required");
  for (const auto t : opts.types) {
    switch (t) {
      case event_type::ticker: cfg.ticker = true; break;
      case event_type::trade: cfg.trade = true; break;
      case event_type::book: cfg.book = true; break;
      case event_type::candle: cfg.candle = true; break;
    }
  }
  switch (opts.book_depth) {
    case 0: cfg.depth = 10; break;
    case 10:
    case 25:
    case 100:
    case 500:
    case 1000: cfg.depth = opts.book_depth; break;
    default:
      throw std::invalid_argument(
          fmt::format("kraken: book_depth: {} is not one of 10, 25, 100, 500, 1000", opts.book_depth));
  }
  if (cfg.candle) {
    cfg.candle_interval = opts.candle_interval;
    cfg.ohlc_minutes = kraken_interval_minutes(opts.candle_interval);
    if (cfg.ohlc_minutes != 0) {
      cfg.candle_interval_ns = static_cast<std::int64_t>(cfg.ohlc_minutes) * 60'000'000'000LL;
    } else if (!parse_candle_interval(opts.candle_interval, cfg.candle_interval_ns)) {
      throw std::invalid_argument(fmt::format(
          "kraken: candle_interval: '{}' is neither a Kraken ohlc interval (1m 5m 15m 30m 1h 4h 1d 1w 15d) nor an "
          "interval trades can be aggregated into (<n>s|m|h|d up to 1d)",
          opts.candle_interval));
    }
  }
  return cfg;
}

std::unique_ptr<protocol_session> make_kraken_session(const kraken_config& cfg, metrics_registry& metrics,
                                                      std::shared_ptr<spdlog::logger> log) {
  return std::make_unique<kraken_session>(cfg, metrics, std::move(log));
}

std::unique_ptr<protocol_session> make_kraken_session(const adapter_options& opts, metrics_registry& metrics,
                                                      std::shared_ptr<spdlog::logger> log) {
  return make_kraken_session(make_kraken_config(opts), metrics, std::move(log));
}

std::unique_ptr<message_decoder> make_kraken_decoder() { return std::make_unique<kraken_decoder>(); }

}  // namespace mdfan::adapters
