#include "server/send_queue.hpp"

#include <utility>
#include <variant>

#include "server/protocol.hpp"

namespace mdfan::server_detail {

namespace {

// A candle replaces only a queued candle of the same bar: the final values of a closed bar are kept.
bool same_bar(const published_event& a, const published_event& b) noexcept {
  const auto* ca = std::get_if<candle>(&a.ev);
  const auto* cb = std::get_if<candle>(&b.ev);
  if (ca == nullptr || cb == nullptr) return true;
  return ca->open_time_ns == cb->open_time_ns && ca->interval == cb->interval;
}

}  // namespace

send_queue::send_queue(std::size_t max_frames, std::size_t max_bytes, slow_consumer_policy policy,
                       overflow_counters counters)
    : max_frames_(max_frames), max_bytes_(max_bytes), policy_(policy), counters_(counters) {}

bool send_queue::fits(std::size_t frames, std::size_t bytes) const noexcept {
  if (frames_.empty() && frames <= 1) return true;
  if (max_frames_ != 0 && frames_.size() + frames > max_frames_) return false;
  if (max_bytes_ != 0 && bytes_ + bytes > max_bytes_) return false;
  return true;
}

bool send_queue::at_or_below_half() const noexcept {
  return (max_frames_ == 0 || frames_.size() <= max_frames_ / 2) && (max_bytes_ == 0 || bytes_ <= max_bytes_ / 2);
}

void send_queue::append(outbound_frame&& f) {
  bytes_ += f.bytes().size();
  frames_.push_back(std::move(f));
}

void send_queue::append_gap(const std::string& topic, std::uint64_t dropped) {
  append(outbound_frame{nullptr, std::make_shared<const std::string>(server_protocol::make_gap(topic, dropped))});
  ++stats_.gap_notices;
  if (counters_.gap_notices != nullptr) counters_.gap_notices->inc();
}

void send_queue::count_conflated(event_type t) noexcept {
  const auto i = static_cast<std::size_t>(t);
  ++stats_.conflated[i];
  if (counters_.conflated[i] != nullptr) counters_.conflated[i]->inc();
}

void send_queue::count_dropped(event_type t, std::size_t n) noexcept {
  const auto i = static_cast<std::size_t>(t);
  stats_.dropped[i] += n;
  if (counters_.dropped[i] != nullptr) counters_.dropped[i]->inc(n);
  if (counters_.lost != nullptr) counters_.lost->inc(n);
}

void send_queue::owe(const std::string& topic, event_type t, std::size_t n) {
  count_dropped(t, n);
  auto it = gaps_.find(topic);
  if (it == gaps_.end()) {
    gaps_.emplace(topic, n);
  } else {
    it->second += n;
  }
}

push_result send_queue::push(outbound_frame&& f) {
  if (!f.ev) {  // a reply: acks order the stream, so one cannot be dropped
    if (!fits(1, f.bytes().size())) {
      if (counters_.lost != nullptr) counters_.lost->inc();
      return push_result::disconnect;
    }
    append(std::move(f));
    return push_result::queued;
  }
  switch (policy_.for_type(type_of(f.ev->ev))) {
    case slow_action::conflate: return push_latest(std::move(f));
    case slow_action::drop: return push_droppable(std::move(f), false);
    case slow_action::snapshot: return push_book(std::move(f));
    case slow_action::disconnect: return push_droppable(std::move(f), true);
  }
  return push_result::disconnect;
}

outbound_frame* send_queue::replaceable_slot(const event_ptr& ev) noexcept {
  auto it = latest_.find(std::string_view(ev->topic));
  if (it == latest_.end() || it->second < base_ || it->second - base_ >= frames_.size()) return nullptr;
  const auto index = static_cast<std::size_t>(it->second - base_);
  if (index == 0 && in_flight_) return nullptr;
  auto& slot = frames_[index];
  // After a removal the index may point at another frame: check it is this topic's, and the same bar.
  if (!slot.ev || slot.ev->topic != ev->topic || !same_bar(*slot.ev, *ev)) return nullptr;
  return &slot;
}

void send_queue::replace(outbound_frame& slot, event_ptr ev) {
  count_conflated(type_of(slot.ev->ev));
  bytes_ = bytes_ - slot.ev->json.size() + ev->json.size();
  slot.ev = std::move(ev);
}

push_result send_queue::push_latest(outbound_frame&& f) {
  if (!held_.empty()) {
    auto it = held_.find(std::string_view(f.ev->topic));
    if (it != held_.end()) {  // the queue is still draining: the newer value waits in its place
      count_conflated(type_of(it->second->ev));
      it->second = std::move(f.ev);
      return push_result::conflated;
    }
  }
  if (auto* slot = replaceable_slot(f.ev)) {
    replace(*slot, std::move(f.ev));
    return push_result::conflated;
  }
  if (!fits(1, f.bytes().size())) {
    held_.emplace(f.ev->topic, std::move(f.ev));
    return push_result::held;
  }
  const std::uint64_t pos = base_ + frames_.size();
  auto it = latest_.find(std::string_view(f.ev->topic));
  if (it == latest_.end()) {
    latest_.emplace(f.ev->topic, pos);
  } else {
    it->second = pos;
  }
  append(std::move(f));
  return push_result::queued;
}

push_result send_queue::push_droppable(outbound_frame&& f, bool disconnect) {
  if (!gaps_.empty()) {
    auto it = gaps_.find(std::string_view(f.ev->topic));
    if (it != gaps_.end()) {
      // Until the queue has drained to half, keep dropping: a notice per frame would double the load.
      if (!at_or_below_half() || !fits(2, f.bytes().size() + 64 + it->first.size())) {
        owe(it->first, type_of(f.ev->ev), 1);
        return push_result::dropped;
      }
      append_gap(it->first, it->second);
      gaps_.erase(it);
    }
  }
  if (fits(1, f.bytes().size())) {
    append(std::move(f));
    return push_result::queued;
  }
  if (disconnect) {
    count_dropped(type_of(f.ev->ev), 1);
    return push_result::disconnect;
  }
  owe(f.ev->topic, type_of(f.ev->ev), 1);
  return push_result::dropped;
}

push_result send_queue::push_book(outbound_frame&& f) {
  const auto* u = std::get_if<book_update>(&f.ev->ev);
  if (!resync_.empty()) {
    auto it = resync_.find(std::string_view(f.ev->topic));
    if (it != resync_.end()) {
      if (u == nullptr || !u->snapshot) {  // a delta cannot apply to the client's stale book
        owe(it->first, event_type::book, 1);
        return push_result::dropped;
      }
      auto gap = gaps_.find(std::string_view(f.ev->topic));
      const bool notice = gap != gaps_.end();
      if (!fits(notice ? 2 : 1, f.bytes().size() + (notice ? 64 + gap->first.size() : 0))) {
        it->second.requested = false;  // fetch a newer one once the queue has drained
        owe(it->first, event_type::book, 1);
        return push_result::dropped;
      }
      if (notice) {
        append_gap(gap->first, gap->second);
        gaps_.erase(gap);
      }
      resync_.erase(it);
      append(std::move(f));
      return push_result::queued;
    }
  }
  if (fits(1, f.bytes().size())) {
    append(std::move(f));
    return push_result::queued;
  }
  // The client's book can only be repaired by a snapshot: the queued updates are useless now.
  const std::size_t removed = remove_topic(f.ev->topic);
  std::string topic = f.ev->topic;
  owe(topic, event_type::book, removed + 1);
  resync_.emplace(std::move(topic), recovery{std::move(f.ev), false});
  return push_result::resync;
}

std::size_t send_queue::remove_topic(std::string_view topic) {
  const std::size_t start = in_flight_ ? 1 : 0;
  std::size_t kept = start;
  for (std::size_t i = start; i < frames_.size(); ++i) {
    auto& f = frames_[i];
    if (f.ev && f.ev->topic == topic) {
      bytes_ -= f.ev->json.size();
      continue;
    }
    if (kept != i) frames_[kept] = std::move(f);
    ++kept;
  }
  const std::size_t removed = frames_.size() - kept;
  if (removed != 0) {
    frames_.resize(kept);
    reindex();
  }
  return removed;
}

void send_queue::reindex() {
  for (std::size_t i = 0; i < frames_.size(); ++i) {
    const auto& f = frames_[i];
    if (!f.ev || policy_.for_type(type_of(f.ev->ev)) != slow_action::conflate) continue;
    auto it = latest_.find(std::string_view(f.ev->topic));
    if (it != latest_.end()) it->second = base_ + i;  // the last of a topic's frames wins, as on push
  }
}

void send_queue::recover(std::vector<std::string>& snapshot_topics) {
  if (!recovering() || !at_or_below_half()) return;
  for (auto it = gaps_.begin(); it != gaps_.end();) {
    if (resync_.count(it->first) != 0) {  // reported just before the snapshot
      ++it;
      continue;
    }
    if (!fits(1, 64 + it->first.size())) break;
    append_gap(it->first, it->second);
    it = gaps_.erase(it);
  }
  for (auto it = held_.begin(); it != held_.end();) {
    if (auto* slot = replaceable_slot(it->second)) {
      replace(*slot, std::move(it->second));
    } else {
      if (!fits(1, it->second->json.size())) break;
      const std::uint64_t pos = base_ + frames_.size();
      auto li = latest_.find(std::string_view(it->first));
      if (li == latest_.end()) {
        latest_.emplace(it->first, pos);
      } else {
        li->second = pos;
      }
      append(outbound_frame{std::move(it->second), nullptr});
    }
    it = held_.erase(it);
  }
  for (auto& [topic, r] : resync_) {
    if (r.requested) continue;
    r.requested = true;
    ++stats_.snapshots_requested;
    snapshot_topics.push_back(topic);
  }
}

void send_queue::forget_if(const std::function<bool(const published_event&)>& unwanted) {
  std::erase_if(held_, [&](const auto& e) { return unwanted(*e.second); });
  for (auto it = resync_.begin(); it != resync_.end();) {
    if (unwanted(*it->second.sample)) {
      gaps_.erase(it->first);  // its notice would announce a snapshot that is not coming
      it = resync_.erase(it);
    } else {
      ++it;
    }
  }
}

void send_queue::pop_front() noexcept {
  bytes_ -= frames_.front().bytes().size();
  frames_.pop_front();
  ++base_;
  in_flight_ = false;
}

std::size_t send_queue::discard(std::size_t keep, bool count) noexcept {
  std::size_t dropped = 0;
  while (frames_.size() > keep) {
    const auto& f = frames_.back();
    if (count) {
      if (f.ev) {
        count_dropped(type_of(f.ev->ev), 1);
      } else if (counters_.lost != nullptr) {
        counters_.lost->inc();
      }
    }
    bytes_ -= f.bytes().size();
    frames_.pop_back();
    ++dropped;
  }
  gaps_.clear();
  held_.clear();
  resync_.clear();
  return dropped;
}

}  // namespace mdfan::server_detail
