#include "adapters/binance/book_sync.hpp"

#include <utility>

namespace mdfan::adapters {

binance_book_sync::binance_book_sync(std::string symbol, std::string instrument, binance_book_sync_config cfg,
                                     emit_fn emit)
    : symbol_(std::move(symbol)), instrument_(std::move(instrument)), cfg_(cfg), emit_(std::move(emit)) {
  if (cfg_.max_buffered == 0) cfg_.max_buffered = 1;
}

binance_sync_action binance_book_sync::on_diff(binance_depth_diff&& diff, std::int64_t receive_ns) {
  if (state_ != state::synced) return buffer(std::move(diff), receive_ns);

  const std::uint64_t id = book_.sequence();
  if (diff.last_update_id <= id) {  // already in the book (a duplicate at u == id changes nothing)
    ++stats_.stale_dropped;
    return binance_sync_action::none;
  }
  if (diff.first_update_id != id + 1) {  // Spot has no `pu`: continuity is U == last u + 1
    ++stats_.gaps;
    resync();
    return buffer(std::move(diff), receive_ns);  // a valid diff: it starts the new buffer
  }
  if (!apply(diff)) {
    ++stats_.malformed;
    resync();
    return binance_sync_action::none;
  }
  if (book_.crossed()) {
    ++stats_.crossed;
    resync();
    return binance_sync_action::none;
  }
  book_update u;
  u.exchange = exchange_id::binance;
  u.instrument = instrument_;
  u.symbol = symbol_;
  u.exchange_ts_ns = diff.event_time_ns;
  u.receive_ts_ns = receive_ns;
  u.sequence = diff.last_update_id;
  u.first_sequence = diff.first_update_id;
  u.snapshot = false;
  u.bids = std::move(diff.bids);
  u.asks = std::move(diff.asks);
  if (emit_) emit_(event{std::move(u)});
  return binance_sync_action::none;
}

binance_sync_action binance_book_sync::on_snapshot(binance_depth_snapshot&& snap, std::int64_t receive_ns) {
  fetch_pending_ = false;
  if (state_ == state::synced) return binance_sync_action::none;  // a late answer: the book is fine
  snapshot_ = std::move(snap);
  return try_sync(receive_ns);
}

binance_sync_action binance_book_sync::on_snapshot_failed() {
  fetch_pending_ = false;
  if (state_ == state::synced || buffer_.empty() || snapshot_) return binance_sync_action::none;
  return request_fetch();
}

void binance_book_sync::on_malformed() {
  ++stats_.malformed;
  resync();  // a diff was lost: neither the book nor the buffer is complete any more
}

void binance_book_sync::reset() { resync(); }

binance_sync_action binance_book_sync::buffer(binance_depth_diff&& diff, std::int64_t receive_ns) {
  if (buffer_.size() >= cfg_.max_buffered) {
    ++stats_.overflows;
    resync();
  }
  if (!round_) {
    round_ = true;
    first_u_ = diff.first_update_id;
  }
  buffer_.push_back(std::move(diff));
  return try_sync(receive_ns);
}

binance_sync_action binance_book_sync::request_fetch() {
  if (fetch_pending_) return binance_sync_action::none;  // the answer in flight will be checked
  fetch_pending_ = true;
  return binance_sync_action::fetch_snapshot;
}

binance_sync_action binance_book_sync::try_sync(std::int64_t receive_ns) {
  if (buffer_.empty()) return binance_sync_action::none;  // a snapshot waits for the first diff
  if (!snapshot_) return request_fetch();

  const std::uint64_t last_update_id = snapshot_->last_update_id;
  if (last_update_id < first_u_) {  // older than the first buffered diff: fetch again
    ++stats_.refetches;
    snapshot_.reset();
    return request_fetch();
  }
  while (!buffer_.empty() && buffer_.front().last_update_id <= last_update_id) {
    ++stats_.stale_dropped;
    buffer_.pop_front();
  }
  if (buffer_.empty()) return binance_sync_action::none;  // keep the snapshot; the bridging diff is next

  if (buffer_.front().first_update_id > last_update_id + 1) {
    // The buffer has a hole right after the snapshot. Keep the diffs from the hole on (they are
    // contiguous with what follows) and start over with a newer snapshot.
    ++stats_.gaps;
    ++stats_.resyncs;
    snapshot_.reset();
    first_u_ = buffer_.front().first_update_id;  // a new round starts at the hole
    return request_fetch();
  }
  if (!book_.reset(snapshot_->bids, snapshot_->asks, last_update_id)) {  // unorderable price in the body
    ++stats_.malformed;
    snapshot_.reset();
    return request_fetch();
  }
  snapshot_.reset();

  std::int64_t exchange_ts = 0;
  bool first = true;
  while (!buffer_.empty()) {
    const binance_depth_diff& d = buffer_.front();
    if (!first && d.first_update_id != book_.sequence() + 1) {
      ++stats_.gaps;
      ++stats_.resyncs;
      book_.clear();
      first_u_ = d.first_update_id;  // a new round starts at the hole
      return request_fetch();
    }
    if (!apply(d)) {
      ++stats_.malformed;
      resync();
      return binance_sync_action::none;
    }
    if (book_.crossed()) {
      ++stats_.crossed;
      resync();
      return binance_sync_action::none;
    }
    exchange_ts = d.event_time_ns;
    first = false;
    buffer_.pop_front();
  }
  state_ = state::synced;
  round_ = false;
  ++stats_.syncs;
  emit_snapshot(exchange_ts, receive_ns);
  return binance_sync_action::none;
}

bool binance_book_sync::apply(const binance_depth_diff& diff) {
  for (const auto& l : diff.bids)
    if (!book_.apply_bid(l)) return false;
  for (const auto& l : diff.asks)
    if (!book_.apply_ask(l)) return false;
  book_.set_sequence(diff.last_update_id);
  return true;
}

void binance_book_sync::resync() {
  if (state_ == state::synced || !buffer_.empty() || snapshot_) ++stats_.resyncs;
  state_ = state::unsynced;
  round_ = false;
  book_.clear();
  buffer_.clear();
  snapshot_.reset();
  // fetch_pending_ stays: the answer in flight is still checked against the new buffer.
}

void binance_book_sync::emit_snapshot(std::int64_t exchange_ts, std::int64_t receive_ns) {
  if (!emit_) return;
  book_update u;
  u.exchange = exchange_id::binance;
  u.instrument = instrument_;
  u.symbol = symbol_;
  u.exchange_ts_ns = exchange_ts;
  u.receive_ts_ns = receive_ns;
  book_.snapshot_into(u, cfg_.snapshot_depth);  // sequence = first_sequence = book id
  emit_(event{std::move(u)});
}

}  // namespace mdfan::adapters
