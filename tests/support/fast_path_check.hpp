#pragma once
// What every exchange's fast-path test shares: a message parsed with the fast path on and off, each
// time by a fresh parser, compared as text; and one-change variants of a message.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/common/wire_shape.hpp"

namespace mdfan::test {

struct fast_path_run {
  std::string result;  // the parse's outcome as text
  bool fast = false;   // the fast path read it
};

// `outcome(msg)` (a fresh parser's parse of msg, as text) with the fast path on or off.
template <class Outcome>
fast_path_run parse_with(bool fast, const std::string& msg, Outcome&& outcome) {
  adapters::fast_path_enabled() = fast;
  const std::uint64_t before = adapters::fast_path_hits();
  fast_path_run r{outcome(msg), false};
  r.fast = adapters::fast_path_hits() != before;
  adapters::fast_path_enabled() = true;
  return r;
}

// Same outcome both ways; returns whether the fast path took it.
template <class Outcome>
bool same_both_ways(const std::string& msg, Outcome&& outcome) {
  const fast_path_run on = parse_with(true, msg, outcome);
  const fast_path_run off = parse_with(false, msg, outcome);
  EXPECT_FALSE(off.fast);
  EXPECT_EQ(on.result, off.result) << msg;
  return on.fast;
}

// `msg` through `general` with the fast path off and through `fast` with it on, each parser kept across
// messages (so reused output slots are exercised): `outcome(parser, msg)` must be the same. Returns
// whether the fast path read it.
template <class Parser, class Outcome>
bool same_on_kept_parsers(Parser& fast, Parser& general, const std::string& msg, Outcome&& outcome) {
  adapters::fast_path_enabled() = false;
  const std::string want = outcome(general, msg);
  adapters::fast_path_enabled() = true;
  const std::uint64_t before = adapters::fast_path_hits();
  EXPECT_EQ(outcome(fast, msg), want) << msg;
  return adapters::fast_path_hits() != before;
}

// A one-change variant of a message, and whether the fast path must still read it (the rest must go to
// the general path).
struct fast_path_variant {
  std::string text;
  bool fast;
};

// Every variant gives the same outcome both ways, and is read by the fast path exactly when expected.
template <class Outcome>
void check_variants(const std::vector<fast_path_variant>& variants, Outcome&& outcome) {
  for (const auto& v : variants)
    EXPECT_EQ(same_both_ways(v.text, outcome), v.fast)
        << (v.fast ? "not on the fast path: " : "unexpectedly on the fast path: ") << v.text;
}

// `base` with the first `from` replaced by `to` (which must be there).
inline std::string with(const std::string& base, const std::string& from, const std::string& to) {
  std::string s = base;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << base;
  if (at == std::string::npos) return s;
  return s.replace(at, from.size(), to);
}

}  // namespace mdfan::test
