#include "bridge/interest.hpp"

namespace mdfan {

std::string instrument_key::str() const {
  std::string s(to_string(exchange));
  s += ':';
  s += instrument;
  return s;
}

bool instrument_key::parse(std::string_view text, instrument_key& out) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size()) return false;
  if (!parse_exchange(text.substr(0, colon), out.exchange)) return false;
  const auto instr = text.substr(colon + 1);
  if (instr.find(':') != std::string_view::npos || instr.find('*') != std::string_view::npos) return false;
  out.instrument = std::string(instr);
  return true;
}

std::string interest_table::channel_of(event_type t, exchange_id e, std::string_view instrument) const {
  std::string ch = prefix_;
  ch += make_topic(t, e, instrument);
  return ch;
}

std::set<std::string> interest_table::resolve(const topic_pattern& p) const {
  std::set<std::string> out;
  auto add_types = [&](exchange_id e, std::string_view instrument) {
    if (p.type) {
      out.insert(channel_of(*p.type, e, instrument));
      return;
    }
    for (std::size_t t = 0; t < event_type_count; ++t)
      out.insert(channel_of(static_cast<event_type>(t), e, instrument));
  };
  if (!dynamic(p)) {
    add_types(*p.exchange, p.instrument);
    return out;
  }
  for (const auto& k : instruments_) {
    if (p.exchange && *p.exchange != k.exchange) continue;
    if (!p.instrument.empty() && p.instrument != k.instrument) continue;
    add_types(k.exchange, k.instrument);
  }
  return out;
}

void interest_table::ref(const std::string& ch, change& c) {
  if (++channel_refs_[ch] == 1) c.subscribe.push_back(ch);
}

void interest_table::unref(const std::string& ch, change& c) {
  const auto it = channel_refs_.find(ch);
  if (it == channel_refs_.end()) return;
  if (--it->second == 0) {
    channel_refs_.erase(it);
    c.unsubscribe.push_back(ch);
  }
}

interest_table::change interest_table::add(const topic_pattern& p) {
  change c;
  const std::string key = p.str();
  if (auto it = patterns_.find(key); it != patterns_.end()) {
    ++it->second.refs;
    return c;
  }
  pattern_state st{p, 1, resolve(p)};
  for (const auto& ch : st.channels) ref(ch, c);
  if (dynamic(p)) ++dynamic_count_;
  patterns_.emplace(key, std::move(st));
  return c;
}

interest_table::change interest_table::remove(const topic_pattern& p) {
  change c;
  const auto it = patterns_.find(p.str());
  if (it == patterns_.end()) return c;
  if (--it->second.refs > 0) return c;
  for (const auto& ch : it->second.channels) unref(ch, c);
  if (dynamic(p)) --dynamic_count_;
  patterns_.erase(it);
  return c;
}

interest_table::change interest_table::set_instruments(std::set<instrument_key> instruments) {
  change c;
  if (instruments == instruments_) return c;
  instruments_ = std::move(instruments);
  // All references are taken before any is dropped, so a channel that stays covered (by some
  // pattern) is never unsubscribed and subscribed again.
  std::vector<std::pair<pattern_state*, std::set<std::string>>> updated;
  for (auto& [key, st] : patterns_) {
    if (!dynamic(st.pattern)) continue;
    auto now = resolve(st.pattern);
    for (const auto& ch : now)
      if (!st.channels.count(ch)) ref(ch, c);
    updated.emplace_back(&st, std::move(now));
  }
  for (auto& [st, now] : updated) {
    for (const auto& ch : st->channels)
      if (!now.count(ch)) unref(ch, c);
    st->channels = std::move(now);
  }
  return c;
}

std::vector<std::string> interest_table::channels() const {
  std::vector<std::string> out;
  out.reserve(channel_refs_.size());
  for (const auto& [ch, n] : channel_refs_) out.push_back(ch);
  return out;
}

std::uint64_t sequence_tracker::observe(std::string_view channel, std::string_view src, std::uint64_t seq) {
  auto ch = channels_.find(channel);
  if (ch == channels_.end()) {
    if (channels_.size() >= max_channels_) channels_.clear();
    ch = channels_.emplace(std::string(channel), std::map<std::string, std::uint64_t, std::less<>>{}).first;
  }
  auto& sources = ch->second;
  auto it = sources.find(src);
  if (it == sources.end()) {
    if (sources.size() >= max_sources_) sources.clear();
    sources.emplace(std::string(src), seq);
    return 0;
  }
  const std::uint64_t last = it->second;
  it->second = seq;
  return seq > last ? seq - last - 1 : 0;
}

void sequence_tracker::forget(std::string_view channel) {
  if (auto it = channels_.find(channel); it != channels_.end()) channels_.erase(it);
}

}  // namespace mdfan
