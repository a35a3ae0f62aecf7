#include "adapters/coinbase/session.hpp"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

namespace mdfan::adapters {
namespace {

constexpr unsigned max_snapshot_failures = 3;  // rejected snapshots in a row before giving up until reconnect

// What a message that failed to parse shows in its text, when the parser stopped before reading it:
// `"key":"value"` or `"key":number`. Only used to decide which books to resync.
std::string_view text_field(std::string_view msg, std::string_view key) {
  std::string pattern;
  pattern.reserve(key.size() + 3);
  pattern.append("\"").append(key).append("\":");
  const auto at = msg.find(pattern);
  if (at == std::string_view::npos) return {};
  std::string_view rest = msg.substr(at + pattern.size());
  if (!rest.empty() && rest.front() == '"') {
    rest.remove_prefix(1);
    const auto end = rest.find('"');
    return end == std::string_view::npos || end > 64 ? std::string_view{} : rest.substr(0, end);
  }
  std::size_t n = 0;
  while (n < rest.size() && n < 20 && rest[n] >= '0' && rest[n] <= '9') ++n;
  return rest.substr(0, n);
}

}  // namespace

coinbase_session::product_state::product_state(const std::string& product, std::size_t, book_metrics* bm)
    : id(product), book(exchange_id::coinbase, product, product, 0, bm) {}

coinbase_session::coinbase_session(coinbase_config cfg, metrics_registry& metrics, std::shared_ptr<spdlog::logger> log)
    : cfg_(std::move(cfg)),
      log_(log ? std::move(log) : spdlog::default_logger()),
      book_metrics_(metrics, exchange_id::coinbase),
      malformed_(metrics.get_counter("mdfan_adapter_malformed_total", "Exchange messages that failed to parse",
                                     R"(exchange="coinbase")")),
      gaps_(metrics.get_counter("mdfan_adapter_sequence_gaps_total",
                                "Connection-wide sequence number gaps (messages lost on a connection)",
                                R"(exchange="coinbase")")),
      delayed_(metrics.get_counter("mdfan_adapter_requests_delayed_total",
                                   "Subscribe/unsubscribe requests held back to keep within the exchange's rate limit",
                                   R"(exchange="coinbase")")),
      pacer_(cfg_.subscribe_window, &delayed_) {
  products_.reserve(cfg_.products.size());
  for (std::size_t i = 0; i < cfg_.products.size(); ++i) {
    auto& p = products_.emplace_back(cfg_.products[i], i, &book_metrics_);
    if (cfg_.candles && !cfg_.native_candles)
      p.builder.emplace(exchange_id::coinbase, p.id, p.id, cfg_.candle_interval, cfg_.candle_interval_ns,
                        cfg_.candle_grace_ns);
  }
  for (std::size_t i = 0; i < products_.size(); ++i) index_.emplace(products_[i].id, i);
  emit_ = [this](event&& ev) {
    if (io_) io_->emit(std::move(ev));
  };
}

coinbase_session::~coinbase_session() = default;

coinbase_session::product_state* coinbase_session::find(std::string_view product) {
  const auto it = index_.find(product);
  return it == index_.end() ? nullptr : &products_[it->second];
}

const book_keeper* coinbase_session::book(std::string_view product) const {
  const auto it = index_.find(product);
  return it == index_.end() ? nullptr : &products_[it->second].book;
}

const candle_builder* coinbase_session::builder(std::string_view product) const {
  const auto it = index_.find(product);
  return it == index_.end() || !products_[it->second].builder ? nullptr : &*products_[it->second].builder;
}

void coinbase_session::on_open(session_io& io) {
  have_seq_ = false;  // a new connection counts from its own start
  // heartbeats keep every channel of the connection open (Coinbase closes channels idle 60-90 s)
  // and drive the idle watchdog; Coinbase disconnects a client that has not subscribed within 5 s.
  // Paced with the other connections' messages (8/s per IP).
  pacer_.clear();
  bool ok = request(io, "subscribe", "heartbeats", {});
  if (cfg_.tickers) ok = ok && request(io, "subscribe", "ticker", cfg_.products);
  if (cfg_.wants_market_trades()) ok = ok && request(io, "subscribe", "market_trades", cfg_.products);
  if (cfg_.candles && cfg_.native_candles) ok = ok && request(io, "subscribe", "candles", cfg_.products);
  if (cfg_.books) {
    ok = ok && request(io, "subscribe", "level2", cfg_.products, "l2");
    for (auto& p : products_) {
      p.pending_snapshots = 1;
      p.snapshot_failures = 0;
      p.awaiting_since_ns = 0;  // set by the connection's first message
    }
  }
  if (!ok) io.reconnect("could not send the subscriptions");
}

bool coinbase_session::request(session_io& io, std::string_view type, std::string_view channel,
                               const std::vector<std::string>& products, std::string tag) {
  const bool was_queued = pacer_.pending() > 0;
  const bool ok = pacer_.send(io, coinbase_request(type, channel, products), std::move(tag));
  if (ok && !was_queued && pacer_.pending() > 0)
    log_->info("{}: {} {} delayed {} ms to keep within {} messages per {} ms per IP", cfg_.name, type, channel,
               (pacer_.next_due_ns() - io.now_ns()) / 1'000'000, cfg_.subscribe_rate,
               cfg_.subscribe_rate_window.count());
  return ok;
}

void coinbase_session::flush_requests(session_io& io) {
  const bool ok = pacer_.flush(io, [this](std::string_view tag) {
    if (tag != "l2") return;
    // The snapshot wait counts from when the subscribe actually left (0: from the next message).
    for (auto& p : products_)
      if (p.pending_snapshots > 0) p.awaiting_since_ns = last_exchange_ns_;
  });
  if (!ok) io.reconnect("could not send a queued subscription");
}

void coinbase_session::on_ping(session_io& io) { flush_requests(io); }

void coinbase_session::on_close() {
  for (auto& p : products_) {
    p.book.resync(resync_reason::reconnect);
    p.pending_snapshots = 0;
  }
  pacer_.clear();  // the next connection subscribes afresh
  have_seq_ = false;
  last_exchange_ns_ = 0;
}

void coinbase_session::on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) {
  io_ = &io;
  flush_requests(io);
  if (parser_.parse_padded(msg, receive_ns, msg_, err_)) {
    handle(msg_, receive_ns, io);
  } else {
    on_parse_error(msg, io);
  }
  io_ = nullptr;
}

bool coinbase_session::check_sequence(bool has, std::uint64_t seq, session_io& io) {
  if (!has || !cfg_.check_sequence) return true;  // error replies carry no sequence_num
  const bool gap = have_seq_ && seq != last_seq_ + 1;
  const std::uint64_t expected = last_seq_ + 1;
  have_seq_ = true;
  last_seq_ = seq;
  if (!gap) return true;
  ++gaps_count_;
  gaps_.inc();
  log_->warn(
      "{}: sequence_num {} where {} was expected: messages lost on this connection; resyncing its level2 "
      "book(s)",
      cfg_.name, seq, expected);
  resync_all(resync_reason::gap, io);
  return false;
}

void coinbase_session::on_parse_error(std::string_view msg, session_io& io) {
  ++malformed_count_;
  malformed_.inc();
  log_->warn("coinbase: malformed message ({}): {}", err_.reason, msg.substr(0, 200));
  // What the parser could not reach, from the text (the envelope comes first on the wire).
  if (!err_.has_sequence) {
    const auto s = text_field(msg, "sequence_num");
    std::uint64_t n = 0;
    if (!s.empty() && std::from_chars(s.data(), s.data() + s.size(), n).ec == std::errc{}) {
      err_.has_sequence = true;
      err_.sequence_num = n;
    }
  }
  if (err_.channel == coinbase_channel::unknown && text_field(msg, "channel") == "l2_data")
    err_.channel = coinbase_channel::l2_data;
  if (err_.channel == coinbase_channel::l2_data && err_.product_id.empty())
    err_.product_id.assign(text_field(msg, "product_id"));

  if (!check_sequence(err_.has_sequence, err_.sequence_num, io)) return;  // every book resynced already
  if (!cfg_.books) return;
  if (err_.channel == coinbase_channel::l2_data) {
    if (product_state* p = find(err_.product_id)) {
      resync_one(*p, resync_reason::malformed, io);
    } else if (err_.product_id.empty()) {
      resync_all(resync_reason::malformed, io);
    }  // a product this session does not follow: nothing to resync
  } else if (err_.channel == coinbase_channel::unknown) {
    // Not even the channel could be read: it may have carried book changes.
    resync_all(resync_reason::malformed, io);
  }
}

void coinbase_session::resync_all(resync_reason why, session_io& io) {
  if (!cfg_.books) return;
  for (auto& p : products_) p.book.resync(why);
  resubscribe(cfg_.products, io);
}

void coinbase_session::resync_one(product_state& p, resync_reason why, session_io& io) {
  p.book.resync(why);
  resubscribe({p.id}, io);
}

void coinbase_session::resubscribe(const std::vector<std::string>& products, session_io& io) {
  if (products.empty()) return;
  ++resubscribes_;
  const bool ok = request(io, "unsubscribe", "level2", products) && request(io, "subscribe", "level2", products, "l2");
  if (!ok) {
    io.reconnect("could not resubscribe level2");
    return;
  }
  for (const auto& id : products)
    if (product_state* p = find(id)) {
      ++p->pending_snapshots;
      p->awaiting_since_ns = last_exchange_ns_;
    }
}

void coinbase_session::check_snapshot_waits(std::int64_t now_ns, session_io& io) {
  std::vector<std::string> late;
  for (auto& p : products_) {
    if (p.pending_snapshots == 0 || p.book.synced() || pacer_.queued("l2")) continue;
    if (p.awaiting_since_ns == 0) {  // subscribed before this connection's first message
      p.awaiting_since_ns = now_ns;
      continue;
    }
    if (now_ns - p.awaiting_since_ns >= snapshot_wait_ns) {
      late.push_back(p.id);
      p.pending_snapshots = 0;  // the one asked for again replaces them
    }
  }
  if (late.empty()) return;
  log_->warn("coinbase: no level2 snapshot for {} product(s) after {} s; subscribing again", late.size(),
             snapshot_wait_ns / 1'000'000'000);
  resubscribe(late, io);
}

void coinbase_session::handle(const coinbase_message& m, std::int64_t receive_ns, session_io& io) {
  check_sequence(m.has_sequence, m.sequence_num, io);
  switch (m.channel) {
    case coinbase_channel::l2_data:
      if (cfg_.books) books(m, receive_ns, io);
      break;
    case coinbase_channel::ticker:
    case coinbase_channel::ticker_batch:
      if (cfg_.tickers)
        for (const auto& t : m.tickers)
          if (find(t.symbol)) io.emit(event{t});
      break;
    case coinbase_channel::market_trades: trades(msg_, receive_ns, io); break;
    case coinbase_channel::candles:
      if (cfg_.candles && cfg_.native_candles) native_candles(m, io);
      break;
    case coinbase_channel::error: log_->warn("coinbase: error from the exchange: {}", m.error_message); break;
    default: break;  // heartbeats, subscriptions, status: nothing to emit
  }
  // The exchange's clock closes built bars even when no trade comes (heartbeats arrive every second),
  // and tells how long a book has waited for its snapshot.
  if (m.timestamp_ns > 0) {
    last_exchange_ns_ = std::max(last_exchange_ns_, m.timestamp_ns);
    for (auto& p : products_)
      if (p.builder) p.builder->advance(m.timestamp_ns, receive_ns, emit_);
    if (cfg_.books) check_snapshot_waits(last_exchange_ns_, io);
  }
}

void coinbase_session::books(const coinbase_message& m, std::int64_t receive_ns, session_io& io) {
  for (const auto& b : m.books) {
    product_state* p = find(b.product_id);
    if (!p) continue;  // not a product of this session
    if (b.snapshot) {
      const bool expected = p->pending_snapshots > 0;
      if (p->pending_snapshots > 0) --p->pending_snapshots;
      const std::uint64_t seq = p->book_seq + 1;
      if (p->book.on_snapshot(b.bids, b.asks, seq, m.timestamp_ns, receive_ns, emit_, {}, expected)) {
        p->book_seq = seq;
        p->snapshot_failures = 0;
      } else if (++p->snapshot_failures <= max_snapshot_failures) {
        log_->warn("coinbase: {} snapshot rejected (crossed or unorderable); resubscribing", p->id);
        if (p->pending_snapshots == 0) resubscribe({p->id}, io);
      } else {
        p->pending_snapshots = 0;  // no more retries: not awaited either
        log_->error("coinbase: {} snapshot rejected {} times in a row; its book waits for a reconnect", p->id,
                    p->snapshot_failures);
      }
      continue;
    }
    if (!p->book.synced()) {
      (void)p->book.on_delta(b.bids, b.asks, 0, 0, m.timestamp_ns, receive_ns, emit_);  // counted as ignored
      continue;
    }
    const std::uint64_t seq = p->book_seq + 1;
    if (p->book.on_delta(b.bids, b.asks, seq, seq, m.timestamp_ns, receive_ns, emit_)) {
      p->book_seq = seq;
    } else {
      // book_keeper found the book crossed (or a price it cannot order) and resynced it.
      log_->warn("coinbase: {} book corrupt after an update; resubscribing", p->id);
      resubscribe({p->id}, io);
    }
  }
}

void coinbase_session::trades(coinbase_message& m, std::int64_t receive_ns, session_io& io) {
  // Oldest first: bars need their trades in time order, whatever order the batch came in.
  std::stable_sort(m.trades.begin(), m.trades.end(), [](const coinbase_trade& a, const coinbase_trade& b) {
    if (a.t.exchange_ts_ns != b.t.exchange_ts_ns) return a.t.exchange_ts_ns < b.t.exchange_ts_ns;
    return a.t.sequence < b.t.sequence;
  });
  bool built = false;
  for (auto& ct : m.trades) {
    // A snapshot replays recent history on subscribe (and again after every reconnect): not live trades.
    if (ct.snapshot) continue;
    product_state* p = find(ct.t.symbol);
    if (!p) continue;
    if (p->builder) {
      p->builder->add(ct.t.price, ct.t.size, ct.t.exchange_ts_ns, receive_ns, emit_);
      built = true;
    }
    if (cfg_.trades) io.emit(event{std::move(ct.t)});
  }
  if (built)
    for (auto& p : products_)
      if (p.builder) p.builder->flush(receive_ns, emit_);
}

void coinbase_session::native_candles(const coinbase_message& m, session_io& io) {
  // Coinbase pushes the current 5-minute bar every second (a snapshot may add older bars). The newest
  // bar of each product is taken; when a later bar starts, the previous one is emitted once more,
  // closed, with the last values Coinbase sent for it.
  for (std::size_t i = 0; i < m.candles.size(); ++i) {
    const candle& c = m.candles[i];
    bool newest = true;
    for (std::size_t j = 0; j < m.candles.size() && newest; ++j)
      if (j != i && m.candles[j].symbol == c.symbol &&
          (m.candles[j].open_time_ns > c.open_time_ns || (m.candles[j].open_time_ns == c.open_time_ns && j > i)))
        newest = false;
    if (!newest) continue;
    product_state* p = find(c.symbol);
    if (!p) continue;
    if (p->native_bar && c.open_time_ns < p->native_bar->open_time_ns) continue;  // older than what we have
    if (p->native_bar && c.open_time_ns > p->native_bar->open_time_ns) {
      candle done = *p->native_bar;
      done.closed = true;
      io.emit(event{std::move(done)});
    }
    p->native_bar = c;
    io.emit(event{c});
  }
}

}  // namespace mdfan::adapters
