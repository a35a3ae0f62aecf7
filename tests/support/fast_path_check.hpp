#pragma once
// What every exchange's fast-path test shares: a message parsed with the fast path on and off, each
// time by a fresh parser, compared as text; and one-change variants of a message.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

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

// `base` with the first `from` replaced by `to` (which must be there).
inline std::string with(const std::string& base, const std::string& from, const std::string& to) {
  std::string s = base;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << base;
  if (at == std::string::npos) return s;
  return s.replace(at, from.size(), to);
}

}  // namespace mdfan::test
