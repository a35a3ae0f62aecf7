#include "manager/manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <boost/asio/post.hpp>

#include "core/codec.hpp"

namespace mdfan {

event_ptr make_published(event ev) {
  auto p = std::make_shared<published_event>();
  p->topic = topic_of(ev);
  // One allocation for the encoding instead of a doubling series (a trade encodes to ~200 bytes).
  std::size_t guess = 256;
  if (const auto* b = std::get_if<book_update>(&ev)) guess += 48 * (b->bids.size() + b->asks.size());
  p->json.reserve(guess);
  encode_json(ev, p->json);
  p->ev = std::move(ev);
  return p;
}

manager::manager(boost::asio::any_io_executor ex, manager_config cfg, std::shared_ptr<spdlog::logger> log,
                 metrics_registry& metrics)
    : strand_(boost::asio::make_strand(std::move(ex))),
      cfg_(cfg),
      log_(std::move(log)),
      book_gaps_(metrics.get_counter("mdfan_manager_book_gaps_total",
                                     "Book deltas that did not continue the local book (book marked unsynced)")),
      subscribers_(metrics.get_gauge("mdfan_manager_sinks", "Local event sinks (sessions, bots) registered")),
      inbox_gauge_(metrics.get_gauge("mdfan_manager_inbox_depth",
                                     "Events handed to the manager and not yet routed, at the last drain")) {
  if (cfg_.drain_chunk == 0) cfg_.drain_chunk = 1;
  for (std::size_t i = 0; i < event_type_count; ++i) {
    const auto type = to_string(static_cast<event_type>(i));
    const std::string local = fmt::format(R"(type="{}",source="local")", type);
    const std::string remote = fmt::format(R"(type="{}",source="remote")", type);
    const std::string plain = fmt::format(R"(type="{}")", type);
    in_local_[i] = &metrics.get_counter("mdfan_events_in_total", "Events received by the manager", local);
    in_remote_[i] = &metrics.get_counter("mdfan_events_in_total", "Events received by the manager", remote);
    out_[i] = &metrics.get_counter("mdfan_events_out_total", "Events handed to local sinks", plain);
  }
}

void manager::post(std::function<void()> fn) { boost::asio::post(strand_, std::move(fn)); }

void manager::ingest_local(event ev) {
  // Encode on the caller's thread (the adapter's), so the manager strand only routes.
  auto p = make_published(std::move(ev));
  push_inbox(&p, 1);
}

void manager::ingest_local(std::vector<event>& events) {
  if (events.empty()) return;
  thread_local std::vector<event_ptr> encoded;  // per producer thread, reused
  encoded.clear();
  encoded.reserve(events.size());
  for (auto& ev : events) encoded.push_back(make_published(std::move(ev)));
  events.clear();
  push_inbox(encoded.data(), encoded.size());
  encoded.clear();
}

void manager::ingest_remote(event ev, std::string json) {
  auto p = std::make_shared<published_event>();
  p->topic = topic_of(ev);
  p->json = std::move(json);
  p->ev = std::move(ev);
  p->remote = true;
  event_ptr e = std::move(p);
  push_inbox(&e, 1);
}

// Appends to the inbox; posts a drain only when none is pending, so a burst costs one handler and at
// most one thread wake-up, not one per event.
void manager::push_inbox(event_ptr* first, std::size_t n) {
  bool post = false;
  {
    std::lock_guard lock(inbox_mu_);
    inbox_.insert(inbox_.end(), std::make_move_iterator(first), std::make_move_iterator(first + n));
    backlog_.fetch_add(n, std::memory_order_relaxed);
    post = !std::exchange(inbox_posted_, true);
  }
  if (post) boost::asio::post(strand_, [this] { drain_inbox(); });
}

// Local events (this instance's adapters) go to the bridge and to local sinks; remote ones (the
// bridge's) to local sinks only, so an event never loops back into Redis. At most drain_chunk events
// per run: a larger backlog re-posts itself behind whatever the sinks posted meanwhile.
void manager::drain_inbox() {
  if (drain_pos_ == draining_.size()) {
    draining_.clear();
    drain_pos_ = 0;
    std::lock_guard lock(inbox_mu_);
    draining_.swap(inbox_);
  }
  inbox_gauge_.set(static_cast<std::int64_t>(backlog_.load(std::memory_order_relaxed)));
  const std::size_t end = std::min(draining_.size(), drain_pos_ + cfg_.drain_chunk);
  // Counted per chunk: one atomic add per type and source instead of one per event.
  std::uint64_t local_n[event_type_count] = {}, remote_n[event_type_count] = {};
  for (std::size_t i = drain_pos_; i < end; ++i) {
    auto& p = draining_[i];
    const auto t = static_cast<std::size_t>(type_of(p->ev));
    if (p->remote) {
      ++remote_n[t];
    } else {
      ++local_n[t];
      if (bridge_batch_) to_bridge_.push_back(p);
    }
    dispatch(std::move(p));
  }
  const std::size_t routed = end - drain_pos_;
  drain_pos_ = end;
  if (!to_bridge_.empty()) {
    bridge_batch_(to_bridge_);
    to_bridge_.clear();
    if (to_bridge_.capacity() > 16384) std::vector<event_ptr>().swap(to_bridge_);
  }
  for (std::size_t t = 0; t < event_type_count; ++t) {
    if (local_n[t]) in_local_[t]->inc(local_n[t]);
    if (remote_n[t]) in_remote_[t]->inc(remote_n[t]);
  }
  backlog_.fetch_sub(routed, std::memory_order_relaxed);
  if (drain_pos_ < draining_.size()) {
    boost::asio::post(strand_, [this] { drain_inbox(); });
    return;
  }
  draining_.clear();
  drain_pos_ = 0;
  if (draining_.capacity() > 16384) std::vector<event_ptr>().swap(draining_);
  bool more = false;
  {
    std::lock_guard lock(inbox_mu_);
    more = !inbox_.empty();
    inbox_posted_ = more;  // still owned by this chain when events arrived meanwhile
  }
  if (more) boost::asio::post(strand_, [this] { drain_inbox(); });
}

manager::topic_state& manager::topic_for(const event_ptr& ev) {
  auto it = topics_.find(ev->topic);
  if (it != topics_.end()) return it->second;
  const auto& h = header_of(ev->ev);
  topic_state ts;
  ts.type = type_of(ev->ev);
  ts.exchange = h.exchange;
  ts.instrument = h.instrument;
  for (auto& [key, s] : sinks_) {
    for (const auto& p : s.patterns) {
      if (p.matches(ts.type, ts.exchange, ts.instrument)) {
        ts.sinks.emplace_back(key, s.sink);
        break;
      }
    }
  }
  return topics_.emplace(ev->topic, std::move(ts)).first->second;
}

void manager::update_state(topic_state& ts, const event_ptr& ev) {
  if (ts.type != event_type::book) {
    ts.latest = ev;
    return;
  }
  const auto& u = std::get<book_update>(ev->ev);
  if (u.snapshot) {
    ts.book_synced = ts.book.reset(u.bids, u.asks, u.sequence);
  } else if (ts.book_synced) {
    // A delta must continue the book: its range starts at or before the next id and ends after ours.
    const bool continues = u.sequence == 0 || (u.first_sequence <= ts.book.sequence() + 1 && u.sequence > ts.book.sequence());
    if (!continues || !ts.book.apply(u)) {
      ts.book_synced = false;
      ts.book.clear();
      book_gaps_.inc();
      log_->warn("book {} lost continuity at {} (have {}); waiting for the next snapshot", ev->topic,
                 u.first_sequence, ts.book.sequence());
    }
  }
  ts.book_header = u;
}

void manager::dispatch(event_ptr ev) {
  auto& ts = topic_for(ev);
  update_state(ts, ev);
  std::size_t delivered = 0;
  bool pruned = false;
  for (auto& [key, weak] : ts.sinks) {
    if (auto s = weak.lock()) {
      s->deliver(ev);
      ++delivered;
    } else {
      pruned = true;
    }
  }
  if (delivered != 0) out_[static_cast<std::size_t>(ts.type)]->inc(delivered);
  if (pruned) {
    std::erase_if(ts.sinks, [](const auto& e) { return e.second.expired(); });
  }
}

event_ptr manager::snapshot_of(const topic_state& ts) const {
  if (ts.type != event_type::book) return ts.latest;
  if (!ts.book_synced) return nullptr;
  book_update u;
  static_cast<event_header&>(u) = ts.book_header;
  ts.book.snapshot_into(u, cfg_.snapshot_depth);
  u.sequence = ts.book.sequence();
  return make_published(std::move(u));
}

void manager::add_pattern_interest(const topic_pattern& p) {
  if (++pattern_refs_[p.str()] == 1 && interest_) interest_(p, true);
}

void manager::drop_pattern_interest(const topic_pattern& p) {
  auto it = pattern_refs_.find(p.str());
  if (it == pattern_refs_.end()) return;
  if (--it->second == 0) {
    pattern_refs_.erase(it);
    if (interest_) interest_(p, false);
  }
}

void manager::subscribe(std::shared_ptr<event_sink> sink, std::vector<topic_pattern> patterns, bool snapshot,
                        std::function<void()> done) {
  boost::asio::post(strand_, [this, sink = std::move(sink), patterns = std::move(patterns), snapshot,
                               done = std::move(done)] {
    auto& st = sinks_[sink.get()];
    if (st.sink.expired()) st.sink = sink;
    subscribers_.set(static_cast<std::int64_t>(sinks_.size()));
    for (const auto& p : patterns) {
      if (std::find(st.patterns.begin(), st.patterns.end(), p) != st.patterns.end()) continue;
      st.patterns.push_back(p);
      add_pattern_interest(p);
      for (auto& [topic, ts] : topics_) {
        if (!p.matches(ts.type, ts.exchange, ts.instrument)) continue;
        const bool already = std::any_of(ts.sinks.begin(), ts.sinks.end(),
                                         [&](const auto& e) { return e.first == sink.get(); });
        if (already) continue;
        ts.sinks.emplace_back(sink.get(), sink);
        if (snapshot && ts.type != event_type::trade) {
          if (auto snap = snapshot_of(ts)) sink->deliver(snap);
        }
      }
    }
    if (done) done();
  });
}

void manager::unsubscribe(const std::shared_ptr<event_sink>& sink, std::vector<topic_pattern> patterns) {
  boost::asio::post(strand_, [this, key = sink.get(), patterns = std::move(patterns)] {
    auto it = sinks_.find(key);
    if (it == sinks_.end()) return;
    auto& st = it->second;
    for (const auto& p : patterns) {
      auto pit = std::find(st.patterns.begin(), st.patterns.end(), p);
      if (pit == st.patterns.end()) continue;
      st.patterns.erase(pit);
      drop_pattern_interest(p);
    }
    // Recompute membership of every topic this sink was in.
    for (auto& [topic, ts] : topics_) {
      const bool wanted = std::any_of(st.patterns.begin(), st.patterns.end(),
                                      [&](const auto& p) { return p.matches(ts.type, ts.exchange, ts.instrument); });
      if (!wanted) std::erase_if(ts.sinks, [&](const auto& e) { return e.first == key; });
    }
  });
}

void manager::remove(const event_sink* key) {
  boost::asio::post(strand_, [this, key] {
    auto it = sinks_.find(key);
    if (it == sinks_.end()) return;
    for (const auto& p : it->second.patterns) drop_pattern_interest(p);
    sinks_.erase(it);
    subscribers_.set(static_cast<std::int64_t>(sinks_.size()));
    for (auto& [topic, ts] : topics_) std::erase_if(ts.sinks, [&](const auto& e) { return e.first == key; });
  });
}

const order_book* manager::book(const std::string& topic) const {
  auto it = topics_.find(topic);
  if (it == topics_.end() || it->second.type != event_type::book || !it->second.book_synced) return nullptr;
  return &it->second.book;
}

event_ptr manager::latest(const std::string& topic) const {
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : snapshot_of(it->second);
}

}  // namespace mdfan
