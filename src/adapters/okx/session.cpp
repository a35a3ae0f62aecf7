#include "adapters/okx/session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/okx/checksum.hpp"
#include "adapters/okx/symbols.hpp"

namespace mdfan::adapters {
namespace {

// Books created for instruments nobody configured (a replayed recording names them itself) are capped,
// so a hostile stream cannot grow the map without bound.
constexpr std::size_t max_books = 4096;
// Snapshot-timeout doubling stops at this factor.
constexpr int max_backoff_shift = 5;

std::string_view channel_name(okx_book_channel c) noexcept {
  switch (c) {
    case okx_book_channel::books: return "books";
    case okx_book_channel::books_l2_tbt: return "books-l2-tbt";
    case okx_book_channel::books50_l2_tbt: return "books50-l2-tbt";
  }
  return "books";
}

}  // namespace

std::size_t okx_book_depth(std::string_view channel) noexcept {
  if (channel == "books" || channel == "books-l2-tbt") return 400;
  if (channel == "books50-l2-tbt") return 50;
  if (channel == "books5") return 5;
  if (channel == "bbo-tbt") return 1;
  return 0;
}

struct okx_session::book_state {
  book_state(const std::string& symbol, std::string_view book_channel, bool incremental_book, book_metrics* metrics)
      : keeper(exchange_id::okx, symbol, okx_normalize(symbol), okx_book_depth(book_channel), metrics),
        channel(book_channel),
        incremental(incremental_book) {}
  book_keeper keeper;
  std::string channel;        // the channel resubscribed on a resync ("books", "books-l2-tbt", ...)
  bool incremental;           // books (seqId sync) rather than books5 / bbo-tbt (whole books)
  std::int64_t last_seq = 0;  // seqId of the last message applied
  bool waiting = false;       // subscribed, snapshot not received yet
  std::int64_t waiting_since_ns = 0;
  int backoff_shift = 0;  // snapshot timeout = cfg.snapshot_timeout << backoff_shift
};

okx_session::okx_session(okx_session_config cfg, metrics_registry& metrics, std::shared_ptr<spdlog::logger> log)
    : cfg_(std::move(cfg)),
      log_(log ? std::move(log) : spdlog::default_logger()),
      book_metrics_(metrics, exchange_id::okx),
      malformed_(metrics.get_counter("mdfan_adapter_malformed_total", "Exchange messages that failed to parse",
                                     R"(exchange="okx")")),
      delayed_(metrics.get_counter("mdfan_adapter_requests_delayed_total",
                                   "Subscribe/unsubscribe requests held back to keep within the exchange's rate limit",
                                   R"(exchange="okx")")),
      pacer_(cfg_.max_requests > 0 ? std::make_shared<request_window>(cfg_.max_requests, cfg_.request_window) : nullptr,
             &delayed_) {
  if (!cfg_.channels.book.empty())
    for (const auto& s : cfg_.channels.symbols) state(s, cfg_.channels.book, cfg_.channels.book == "books");
}

okx_session::~okx_session() = default;

okx_session::book_state* okx_session::state(const std::string& symbol, std::string_view channel, bool incremental) {
  if (auto it = books_.find(symbol); it != books_.end()) return it->second.get();
  if (books_.size() >= max_books || symbol.empty()) return nullptr;
  auto& slot = books_[symbol];
  slot = std::make_unique<book_state>(symbol, channel, incremental, &book_metrics_);
  return slot.get();
}

const book_keeper* okx_session::book(std::string_view symbol) const {
  auto it = books_.find(symbol);
  return it == books_.end() ? nullptr : &it->second->keeper;
}

void okx_session::on_open(session_io& io) {
  // A new connection has a budget of its own.
  pacer_.clear();
  if (pacer_.window()) pacer_.window()->reset();
  for (auto& req : okx_requests("subscribe", cfg_.channels, cfg_.max_args_bytes)) request(io, std::move(req));
  const std::int64_t now = io.now_ns();
  for (auto& [symbol, b] : books_) {
    if (!b->incremental) continue;
    b->waiting = true;
    b->waiting_since_ns = now;
    b->backoff_shift = 0;
  }
}

void okx_session::on_close() {
  for (auto& [symbol, b] : books_) {
    b->keeper.resync(resync_reason::reconnect);
    b->waiting = false;
  }
  pacer_.clear();
}

bool okx_session::request(session_io& io, std::string text, std::string tag) {
  const bool was_queued = pacer_.pending() > 0;
  const bool ok = pacer_.send(io, std::move(text), std::move(tag));
  if (ok && !was_queued && pacer_.pending() > 0)
    log_->warn("okx: {} subscribe/unsubscribe requests sent on this connection within {} s: the next waits {} s",
               cfg_.max_requests, cfg_.request_window.count(), (pacer_.next_due_ns() - io.now_ns()) / 1'000'000'000);
  return ok;
}

void okx_session::flush_requests(session_io& io) {
  pacer_.flush(io, [this, &io](std::string_view symbol) {
    // A book's snapshot wait starts when its resubscribe actually leaves.
    if (auto it = books_.find(symbol); it != books_.end() && it->second->waiting)
      it->second->waiting_since_ns = io.now_ns();
  });
}

void okx_session::on_ping(session_io& io) {
  flush_requests(io);
  io.send("ping");
  for (auto& [symbol, b] : books_) check_overdue(*b, io);
}

void okx_session::check_overdue(book_state& b, session_io& io) {
  if (!b.waiting || cfg_.snapshot_timeout.count() <= 0 || pacer_.queued(b.keeper.symbol())) return;
  const std::int64_t timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.snapshot_timeout).count()
                                  << b.backoff_shift;
  if (io.now_ns() - b.waiting_since_ns < timeout_ns) return;
  log_->warn("okx: no books snapshot for {} within {} ms; resubscribing", b.keeper.symbol(), timeout_ns / 1'000'000);
  if (b.backoff_shift < max_backoff_shift) ++b.backoff_shift;
  resubscribe(b, io);
}

void okx_session::resubscribe(book_state& b, session_io& io) {
  b.waiting = true;
  if (pacer_.queued(b.keeper.symbol())) return;  // its resubscribe is still waiting for the budget
  request(io, okx_request("unsubscribe", b.channel, b.keeper.symbol()), b.keeper.symbol());
  request(io, okx_request("subscribe", b.channel, b.keeper.symbol()), b.keeper.symbol());
  b.waiting_since_ns = io.now_ns();
  ++resubscribes_;
}

void okx_session::resync(book_state& b, resync_reason why, session_io& io) {
  if (b.keeper.resync(why))
    log_->warn("okx: book {} resync ({}): resubscribing its books channel", b.keeper.symbol(), to_string(why));
  resubscribe(b, io);
}

void okx_session::on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) {
  flush_requests(io);
  if (!parser_.parse_padded(msg, receive_ns, msg_, error_)) {
    malformed_.inc();
    if (malformed_logged_++ % 1000 == 0)
      log_->warn("okx: malformed message ({}): {}", error_.reason, msg.substr(0, 200));
    // A broken message on an incremental book channel may have carried an update: that book can no
    // longer be trusted. (Before its snapshot, the pending subscribe still brings one.)
    if (error_.book) {
      auto it = books_.find(error_.symbol);
      if (it != books_.end() && it->second->keeper.synced()) resync(*it->second, resync_reason::malformed, io);
    }
    return;
  }
  switch (msg_.what) {
    case okx_message::kind::events:
      for (auto& ev : msg_.events) {
        if (auto* b = std::get_if<book_update>(&ev)) {
          on_top_book(*b, io);
        } else {
          io.emit(std::move(ev));
        }
      }
      break;
    case okx_message::kind::book: on_book(msg_.book, receive_ns, io); break;
    case okx_message::kind::control: {
      const okx_control& c = msg_.control;
      switch (c.what) {
        case okx_control::kind::error: log_->warn("okx: error {}: {}", c.code, c.message.substr(0, 300)); break;
        case okx_control::kind::notice:
          log_->warn("okx: notice {}: {}", c.code, c.message.substr(0, 300));
          // 64008: the server closes this connection for an upgrade within 60 s; move now.
          if (c.code == "64008") io.reconnect("service upgrade notice (64008)");
          break;
        case okx_control::kind::subscribe:
        case okx_control::kind::unsubscribe:
          log_->debug("okx: {} {} {}", c.what == okx_control::kind::subscribe ? "subscribed" : "unsubscribed",
                      c.channel, c.symbol);
          break;
        default: break;
      }
      break;
    }
  }
}

// books5 / bbo-tbt: each message is the whole book; the keeper still rejects a crossed one.
void okx_session::on_top_book(book_update& u, session_io& io) {
  book_state* b = state(u.symbol, {}, false);
  if (!b || b->incremental) return;  // never let a whole-book channel overwrite a seqId-synced book
  b->keeper.on_snapshot(u.bids, u.asks, u.sequence, u.exchange_ts_ns, u.receive_ts_ns,
                        [&io](event&& e) { io.emit(std::move(e)); });
}

void okx_session::on_book(const okx_book_msg& m, std::int64_t receive_ns, session_io& io) {
  book_state* b = state(m.symbol, channel_name(m.channel), true);
  if (!b) return;
  book_keeper& k = b->keeper;
  const auto emit = [&io](event&& e) { io.emit(std::move(e)); };
  const std::int32_t expected_checksum = m.checksum;
  verify_fn verify;
  if (expected_checksum != 0)
    verify = [expected_checksum](const order_book& book) { return okx_checksum(book) == expected_checksum; };
  const std::uint64_t seq = m.seq_id > 0 ? static_cast<std::uint64_t>(m.seq_id) : 0;

  if (m.snapshot) {
    b->waiting = false;
    // A snapshot while synced was not asked for: counted as a reset, then it replaces the book.
    if (!k.on_snapshot(m.bids, m.asks, seq, m.ts_ns, receive_ns, emit, verify, !k.synced())) {
      log_->warn("okx: books snapshot for {} rejected (crossed, bad checksum or bad price); resubscribing", m.symbol);
      resubscribe(*b, io);
      return;
    }
    b->last_seq = m.seq_id;
    b->backoff_shift = 0;
    return;
  }
  if (!k.synced()) {
    k.on_delta(m.bids, m.asks, 0, seq, m.ts_ns, receive_ns, {});  // counted as ignored
    check_overdue(*b, io);
    return;
  }
  if (m.prev_seq_id != b->last_seq) {
    log_->warn("okx: book {} gap: prevSeqId {} after seqId {}", m.symbol, m.prev_seq_id, b->last_seq);
    resync(*b, resync_reason::gap, io);
    return;
  }
  static const std::vector<price_level> none;
  const bool changes = !m.bids.empty() || !m.asks.empty();
  bool ok = true;
  if (!changes) {
    // Keep-alive (seqId == prevSeqId), or a no-op update: nothing to emit, the checksum still holds.
    ok = k.on_delta(none, none, seq, seq, m.ts_ns, receive_ns, {}, verify);
  } else if (m.seq_id <= m.prev_seq_id) {
    // The sequence restarted (after maintenance): downstream continuity is by increasing sequence,
    // so the book goes out as a snapshot at the new seqId instead of a delta.
    ok = k.on_delta(m.bids, m.asks, seq, seq, m.ts_ns, receive_ns, {}, verify);
    if (ok) ok = k.on_snapshot(k.book().bids(), k.book().asks(), seq, m.ts_ns, receive_ns, emit, {}, true);
  } else {
    ok = k.on_delta(m.bids, m.asks, static_cast<std::uint64_t>(m.prev_seq_id) + 1, seq, m.ts_ns, receive_ns, emit,
                    verify);
  }
  if (!ok) {
    // The keeper counted the reason (crossed, checksum, malformed price) and dropped the book.
    log_->warn("okx: book {} update {} rejected (crossed, checksum mismatch or bad price); resubscribing", m.symbol,
               m.seq_id);
    resubscribe(*b, io);
    return;
  }
  b->last_seq = m.seq_id;
}

}  // namespace mdfan::adapters
