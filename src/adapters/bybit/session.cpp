#include "adapters/bybit/session.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "adapters/common/candle_builder.hpp"

namespace mdfan::adapters {

namespace {
// How long after a trade-built bar's end the exchange clock must be before the bar is closed: trades
// of the bar still in flight on the connection.
constexpr std::int64_t candle_grace_ns = 1'000'000'000;
}  // namespace

struct bybit_session::symbol_state {
  symbol_state(std::string native_symbol, std::string instrument, unsigned depth, book_metrics* metrics)
      : native(std::move(native_symbol)), book(exchange_id::bybit, native, std::move(instrument), depth, metrics) {}
  std::string native;
  book_keeper book;
  std::uint64_t last_u = 0;     // u of the last applied book message
  bool resync_pending = false;  // unsubscribe + subscribe sent, snapshot not yet received
  std::int64_t resync_sent_ns = 0;
  bool have_ticker = false;              // a ticker snapshot arrived on this connection
  ticker tick;                           // the merged ticker (linear tickers are snapshot + deltas)
  std::unique_ptr<candle_builder> bars;  // candles built from trades (bybit_config::aggregate_candles)
};

bybit_session::bybit_session(const bybit_config& cfg, std::vector<std::string> symbols, metrics_registry& metrics,
                             std::shared_ptr<spdlog::logger> log, std::string name)
    : cfg_(cfg),
      symbols_(std::move(symbols)),
      accept_any_(symbols_.empty()),
      metrics_(metrics, exchange_id::bybit),
      log_(log ? std::move(log) : spdlog::default_logger()),
      name_(std::move(name)),
      parser_(cfg.names) {
  for (const auto& s : symbols_)
    if (index_.find(s) == index_.end()) add(s);
}

bybit_session::~bybit_session() = default;

bybit_session::symbol_state* bybit_session::find(std::string_view native) {
  if (auto it = index_.find(native); it != index_.end()) return it->second;
  // Symbols of this connection are created up front; others only when every symbol is accepted,
  // up to a bound on what a recording can create.
  if (!accept_any_ || states_.size() >= 10000 || native.empty()) return nullptr;
  return add(native);
}

bybit_session::symbol_state* bybit_session::add(std::string_view native) {
  auto st = std::make_unique<symbol_state>(std::string(native), cfg_.names.normalize(native), cfg_.depth, &metrics_);
  if (cfg_.candles && cfg_.aggregate_candles)
    st->bars = std::make_unique<candle_builder>(exchange_id::bybit, st->native, st->book.instrument(),
                                                cfg_.candle_interval, cfg_.candle_interval_ns, candle_grace_ns);
  auto* raw = st.get();
  states_.push_back(std::move(st));
  index_.emplace(raw->native, raw);
  return raw;
}

const book_keeper* bybit_session::book(std::string_view native) const {
  auto it = index_.find(native);
  return it == index_.end() ? nullptr : &it->second->book;
}

void bybit_session::on_open(session_io& io) {
  std::vector<std::string> args;
  for (const auto& st : states_) {
    st->resync_pending = false;
    st->have_ticker = false;
    st->last_u = 0;
    for (auto& t : bybit_topics(cfg_, st->native)) args.push_back(std::move(t));
  }
  for (auto& m : bybit_requests("subscribe", args, cfg_.max_args_per_request, "sub")) io.send(std::move(m));
}

void bybit_session::on_close() {
  for (const auto& st : states_) {
    st->book.resync(resync_reason::reconnect);
    st->resync_pending = false;
    st->have_ticker = false;
    st->last_u = 0;
    if (st->bars) st->bars->reset();  // trades were lost with the connection: the open bar is incomplete
  }
}

void bybit_session::on_ping(session_io& io) {
  io.send(R"({"req_id":"ping","op":"ping"})");
  // A resubscribe whose snapshot never came (lost ack, rejected subscribe) is asked again.
  const std::int64_t now = io.now_ns();
  const std::int64_t retry_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.resync_retry).count();
  for (const auto& st : states_)
    if (st->resync_pending && now - st->resync_sent_ns >= retry_ns) {
      st->resync_pending = false;
      request_resync(*st, io);
    }
}

void bybit_session::request_resync(symbol_state& st, session_io& io) {
  if (st.resync_pending) return;  // one unsubscribe + subscribe per fault; on_ping retries
  st.resync_pending = true;
  st.resync_sent_ns = io.now_ns();
  st.last_u = 0;
  const std::vector<std::string> topic{bybit_book_topic(cfg_.depth, st.native)};
  const std::string id = "resync-" + st.native;
  for (auto& m : bybit_requests("unsubscribe", topic, 0, id)) io.send(std::move(m));
  for (auto& m : bybit_requests("subscribe", topic, 0, id)) io.send(std::move(m));
  log_->info("{}: resyncing the {} book of {}", name_, cfg_.depth, st.native);
}

void bybit_session::on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) {
  if (!parser_.parse_padded(msg, receive_ns, msg_, error_)) {
    ++malformed_;
    symbol_state* st = error_.book ? find(error_.symbol) : nullptr;
    log_->warn("{}: bad message{}{}: {}", name_, st ? " for the book of " : "", st ? st->native : "", error_.reason);
    if (st) {
      st->book.resync(resync_reason::malformed);
      request_resync(*st, io);
    }
    return;
  }
  switch (msg_.kind) {
    case bybit_kind::control: on_control(msg_.control); return;
    case bybit_kind::other: return;
    case bybit_kind::book:
      if (auto* st = find(msg_.book.symbol); st && msg_.book.depth == cfg_.depth)
        on_book(*st, msg_.book, receive_ns, io);
      return;
    case bybit_kind::ticker: on_ticker(receive_ns, io); return;
    case bybit_kind::trades: on_trades(receive_ns, io); return;
    case bybit_kind::candles:
      for (auto& c : msg_.candles) io.emit(event{std::move(c)});
      return;
  }
}

void bybit_session::on_trades(std::int64_t receive_ns, session_io& io) {
  symbol_state* st = msg_.trades.empty() ? nullptr : find(msg_.trades.front().symbol);
  if (st && st->bars) {
    const candle_emit_fn emit = [&io](event&& e) { io.emit(std::move(e)); };
    for (const auto& t : msg_.trades) st->bars->add(t.price, t.size, t.exchange_ts_ns, receive_ns, emit);
    st->bars->flush(receive_ns, emit);
  }
  if (!cfg_.trades) return;  // subscribed for the candles only
  for (auto& t : msg_.trades) io.emit(event{std::move(t)});
}

void bybit_session::on_control(const bybit_control& c) {
  if (c.what == bybit_control::kind::ack && !c.success)
    log_->warn("{}: {} {} rejected: {}", name_, c.op, c.req_id, c.ret_msg);
}

void bybit_session::on_ticker(std::int64_t receive_ns, session_io& io) {
  symbol_state* st = find(msg_.tick.symbol);
  if (st && st->bars && msg_.tick.exchange_ts_ns > 0)
    st->bars->advance(msg_.tick.exchange_ts_ns, receive_ns, [&io](event&& e) { io.emit(std::move(e)); });
  if (!msg_.ticker_delta) {
    if (st) {
      st->tick = msg_.tick;
      st->have_ticker = true;
    }
    io.emit(event{std::move(msg_.tick)});
    return;
  }
  // A linear delta carries only what changed: emitted once merged into a snapshot's state.
  if (!st || !st->have_ticker) return;
  merge_ticker(st->tick, msg_.tick);
  io.emit(event{st->tick});
}

void bybit_session::on_book(symbol_state& st, const bybit_book_message& m, std::int64_t receive_ns, session_io& io) {
  const emit_fn emit = [&io](event&& e) { io.emit(std::move(e)); };
  if (st.bars && m.ts_ns > 0) st.bars->advance(m.ts_ns, receive_ns, emit);
  auto& book = st.book;
  if (m.snapshot || m.update_id == 1) {
    // Level 1 is snapshot-only and repeats every 3 s with the same u when nothing changed.
    if (cfg_.depth == 1 && book.synced() && m.update_id == st.last_u) return;
    const bool reset = book.synced() && (cfg_.depth != 1 || m.update_id == 1);
    if (reset) log_->info("{}: {} book reset by the exchange (u={})", name_, st.native, m.update_id);
    if (book.on_snapshot(m.bids, m.asks, m.update_id, m.ts_ns, receive_ns, emit, {}, !reset)) {
      st.last_u = m.update_id;
      st.resync_pending = false;
    } else {
      // A crossed or unorderable snapshot: ask again (at once, or by the on_ping retry when this was
      // the answer to a pending resubscribe, so a broken feed is not hammered).
      request_resync(st, io);
    }
    return;
  }
  if (!book.synced()) {
    (void)book.on_delta(m.bids, m.asks, m.update_id, m.update_id, m.ts_ns, receive_ns, {});  // counted as ignored
    return;
  }
  if (m.update_id != st.last_u + 1) {
    log_->warn("{}: {} book gap: u {} after {}", name_, st.native, m.update_id, st.last_u);
    book.resync(resync_reason::gap);
    request_resync(st, io);
    return;
  }
  if (book.on_delta(m.bids, m.asks, m.update_id, m.update_id, m.ts_ns, receive_ns, emit)) {
    st.last_u = m.update_id;
  } else {
    request_resync(st, io);  // crossed or unorderable: the keeper counted it
  }
}

std::unique_ptr<protocol_session> make_bybit_session(const adapter_options& opts, metrics_registry& metrics,
                                                     std::shared_ptr<spdlog::logger> log) {
  bybit_config cfg = make_bybit_config(opts);
  std::vector<std::string> symbols = cfg.symbols;
  return std::make_unique<bybit_session>(cfg, std::move(symbols), metrics, std::move(log), "bybit");
}

namespace {

class bybit_decoder final : public message_decoder {
 public:
  bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) override {
    if (!parser_.parse_padded(msg, receive_ns, msg_, error_)) {
      error = error_.reason;
      return false;
    }
    switch (msg_.kind) {
      case bybit_kind::book: out.emplace_back(to_book_update(msg_.book, parser_.symbols(), receive_ns)); break;
      case bybit_kind::ticker: out.emplace_back(std::move(msg_.tick)); break;
      case bybit_kind::trades:
        for (auto& t : msg_.trades) out.emplace_back(std::move(t));
        break;
      case bybit_kind::candles:
        for (auto& c : msg_.candles) out.emplace_back(std::move(c));
        break;
      default: break;  // control traffic and unmapped topics decode to nothing
    }
    return true;
  }

 private:
  bybit_parser parser_;
  bybit_message msg_;
  bybit_parse_error error_;
};

}  // namespace

std::unique_ptr<message_decoder> make_bybit_decoder() { return std::make_unique<bybit_decoder>(); }

}  // namespace mdfan::adapters
