#include "adapters/common/book_keeper.hpp"

#include <fmt/format.h>

namespace mdfan::adapters {

std::string_view to_string(resync_reason r) noexcept {
  switch (r) {
    case resync_reason::gap: return "gap";
    case resync_reason::checksum: return "checksum";
    case resync_reason::crossed: return "crossed";
    case resync_reason::malformed: return "malformed";
    case resync_reason::reconnect: return "reconnect";
    case resync_reason::reset: return "reset";
    case resync_reason::overflow: return "overflow";
  }
  return "unknown";
}

book_metrics::book_metrics(metrics_registry& registry, exchange_id exchange)
    : registry_(registry),
      exchange_(to_string(exchange)),
      synced_(registry.get_gauge("mdfan_adapter_books_synced", "Order books currently synced",
                                 fmt::format(R"(exchange="{}")", exchange_))) {}

void book_metrics::resynced(std::string_view instrument, resync_reason why) {
  // Rare (a fault), so the registry lookup is fine here; it returns the same counter every time.
  registry_
      .get_counter("mdfan_adapter_resyncs_total",
                   "Order books discarded and resynced, by instrument and reason",
                   fmt::format(R"(exchange="{}",instrument="{}",reason="{}")", exchange_, instrument, to_string(why)))
      .inc();
}

book_keeper::book_keeper(exchange_id exchange, std::string symbol, std::string instrument, std::size_t max_depth,
                         book_metrics* metrics)
    : exchange_(exchange),
      symbol_(std::move(symbol)),
      instrument_(std::move(instrument)),
      max_depth_(max_depth),
      metrics_(metrics) {}

bool book_keeper::resync(resync_reason why) {
  if (!synced_) return false;
  synced_ = false;
  book_.clear();
  ++stats_.resyncs;
  switch (why) {
    case resync_reason::gap: ++stats_.gaps; break;
    case resync_reason::checksum: ++stats_.checksum_failures; break;
    case resync_reason::crossed: ++stats_.crossed; break;
    case resync_reason::malformed: ++stats_.malformed; break;
    case resync_reason::reconnect: ++stats_.reconnects; break;
    case resync_reason::reset:
    case resync_reason::overflow: ++stats_.resets; break;
  }
  if (metrics_) {
    metrics_->synced().add(-1);
    metrics_->resynced(instrument_, why);
  }
  return true;
}

book_update book_keeper::make_update(bool snapshot, std::uint64_t first_sequence, std::uint64_t sequence,
                                     std::int64_t exchange_ts_ns, std::int64_t receive_ns) const {
  book_update u;
  u.exchange = exchange_;
  u.instrument = instrument_;
  u.symbol = symbol_;
  u.exchange_ts_ns = exchange_ts_ns;
  u.receive_ts_ns = receive_ns;
  u.sequence = sequence;
  u.first_sequence = first_sequence;
  u.snapshot = snapshot;
  return u;
}

bool book_keeper::fail(resync_reason why) {
  resync(why);
  book_.clear();
  return false;
}

bool book_keeper::on_snapshot(const std::vector<price_level>& bids, const std::vector<price_level>& asks,
                              std::uint64_t sequence, std::int64_t exchange_ts_ns, std::int64_t receive_ns,
                              const emit_fn& emit, const verify_fn& verify, bool expected) {
  if (synced_ && !expected) resync(resync_reason::reset);
  const bool was_synced = synced_;
  if (!book_.reset(bids, asks, sequence)) return fail(resync_reason::malformed);
  if (max_depth_ > 0) book_.truncate(max_depth_);
  if (book_.crossed()) return fail(resync_reason::crossed);
  if (verify && !verify(book_)) return fail(resync_reason::checksum);
  if (!was_synced) {
    synced_ = true;
    ++stats_.syncs;
    if (metrics_) metrics_->synced().add(1);
  }
  if (emit) {
    book_update u = make_update(true, sequence, sequence, exchange_ts_ns, receive_ns);
    book_.snapshot_into(u);
    emit(event{std::move(u)});
  }
  return true;
}

bool book_keeper::on_delta(const std::vector<price_level>& bids, const std::vector<price_level>& asks,
                           std::uint64_t first_sequence, std::uint64_t sequence, std::int64_t exchange_ts_ns,
                           std::int64_t receive_ns, const emit_fn& emit, const verify_fn& verify) {
  if (!synced_) {
    ++stats_.ignored;
    return false;
  }
  for (const auto& l : bids)
    if (!book_.apply_bid(l)) return fail(resync_reason::malformed);
  for (const auto& l : asks)
    if (!book_.apply_ask(l)) return fail(resync_reason::malformed);
  if (max_depth_ > 0) book_.truncate(max_depth_);
  if (book_.crossed()) return fail(resync_reason::crossed);
  if (verify && !verify(book_)) return fail(resync_reason::checksum);
  book_.set_sequence(sequence);
  ++stats_.deltas;
  if (emit) {
    book_update u = make_update(false, first_sequence, sequence, exchange_ts_ns, receive_ns);
    u.bids = bids;
    u.asks = asks;
    emit(event{std::move(u)});
  }
  return true;
}

}  // namespace mdfan::adapters
