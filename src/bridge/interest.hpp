#pragma once
// Bridge bookkeeping without I/O: which Redis channels the executor's interests cover, and per-source
// sequence tracking for gap detection.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/topic.hpp"
#include "mdfan/event.hpp"

namespace mdfan {

// One instrument on one exchange, as a host advertises it ("binance:BTC-USDT").
struct instrument_key {
  exchange_id exchange = exchange_id::binance;
  std::string instrument;

  std::string str() const;
  static bool parse(std::string_view text, instrument_key& out);
  friend auto operator<=>(const instrument_key&, const instrument_key&) = default;
  friend bool operator==(const instrument_key&, const instrument_key&) = default;
};

// The set of channels the current interests cover, with a reference count per channel (one per
// pattern covering it). Patterns naming exchange and instrument resolve on their own (a "*" type
// covers the four types); the others ("ticker:*:ETH-USDT", "trade:binance:*", "*:*:*") resolve
// against the instruments hosts advertise, and follow that set as it changes.
class interest_table {
 public:
  // Channels whose reference count went from 0 to 1 (subscribe) or from 1 to 0 (unsubscribe).
  struct change {
    std::vector<std::string> subscribe;
    std::vector<std::string> unsubscribe;
    bool empty() const noexcept { return subscribe.empty() && unsubscribe.empty(); }
  };

  explicit interest_table(std::string prefix) : prefix_(std::move(prefix)) {}

  // Patterns are reference counted too: adding one twice needs two removals.
  change add(const topic_pattern& p);
  change remove(const topic_pattern& p);
  // Replaces the advertised instruments that dynamic patterns resolve against.
  change set_instruments(std::set<instrument_key> instruments);

  // True when the pattern needs the advertisement to resolve.
  static bool dynamic(const topic_pattern& p) noexcept { return !p.exchange || p.instrument.empty(); }
  bool has_dynamic() const noexcept { return dynamic_count_ > 0; }
  std::vector<std::string> channels() const;
  std::size_t channel_count() const noexcept { return channel_refs_.size(); }
  std::size_t pattern_count() const noexcept { return patterns_.size(); }
  bool covers(std::string_view channel) const { return channel_refs_.find(channel) != channel_refs_.end(); }
  std::string channel_of(event_type t, exchange_id e, std::string_view instrument) const;

 private:
  // One interest pattern, how many times it was added, and what it resolves to now.
  struct pattern_state {
    topic_pattern pattern;
    std::size_t refs = 0;
    std::set<std::string> channels;  // what it currently resolves to
  };
  std::set<std::string> resolve(const topic_pattern& p) const;
  void ref(const std::string& ch, change& c);
  void unref(const std::string& ch, change& c);

  std::string prefix_;
  std::map<std::string, pattern_state, std::less<>> patterns_;  // by pattern text
  std::map<std::string, std::size_t, std::less<>> channel_refs_;
  std::set<instrument_key> instruments_;
  std::size_t dynamic_count_ = 0;
};

// Last sequence number seen per (channel, source). Bounded: at most max_channels channels and
// max_sources sources per channel; past a bound that level is forgotten (the next message of each
// pair then only records, it cannot count a gap).
class sequence_tracker {
 public:
  explicit sequence_tracker(std::size_t max_channels = 65536, std::size_t max_sources = 64)
      : max_channels_(max_channels), max_sources_(max_sources) {}

  // Returns how many sequence numbers are missing before `seq`: 0 for the first message of a pair, for
  // an in-order one, and for a restart (seq <= last), which only records.
  std::uint64_t observe(std::string_view channel, std::string_view src, std::uint64_t seq);
  void forget(std::string_view channel);
  void clear() { channels_.clear(); }
  std::size_t channels() const noexcept { return channels_.size(); }

 private:
  std::size_t max_channels_;
  std::size_t max_sources_;
  std::map<std::string, std::map<std::string, std::uint64_t, std::less<>>, std::less<>> channels_;
};

}  // namespace mdfan
