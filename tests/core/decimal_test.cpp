#include <gtest/gtest.h>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "mdfan/decimal.hpp"

using mdfan::decimal;

TEST(decimal, keeps_exact_text) {
  for (const char* s : {"0.00001234", "43012.10", "0", "-1.5", "431.00000000", "7.", ".5", "-.5",
                        "123456789012345678901234567890"}) {
    decimal d;
    ASSERT_TRUE(decimal::parse(s, d)) << s;
    EXPECT_EQ(d.str(), s);
  }
}

// A default decimal is empty, and a copy of a decimal (the bytes past its length never written) is
// equal to it, whatever was in it before.
TEST(decimal, default_is_empty_and_copies_compare_by_text) {
  const decimal empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.str(), "");
  decimal d;
  ASSERT_TRUE(decimal::parse("123456789.123456789", d));
  ASSERT_TRUE(decimal::parse("1.5", d));  // shorter text over a longer one
  const decimal copy = d;
  EXPECT_EQ(copy.str(), "1.5");
  EXPECT_EQ(copy, decimal::from("1.5"));
  d.clear();
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d, empty);
  EXPECT_FALSE(d == copy);
}

TEST(decimal, rejects_non_decimals) {
  decimal d = decimal::from("1");
  for (const char* s : {"", "-", ".", "-.", "--1", "1-", "1e5", "+1", "1.2.3", "1..2", "abc", " 1", "1 ", "1,5", "/", ":",
        "0123456789012345678901234567890"}) {
    EXPECT_FALSE(decimal::parse(s, d)) << s;
  }
  EXPECT_EQ(d.str(), "1");  // untouched on failure
}

TEST(decimal, zero_detection) {
  EXPECT_TRUE(decimal::from("0").is_zero());
  EXPECT_TRUE(decimal::from("0.00000000").is_zero());
  EXPECT_FALSE(decimal::from("0.00000001").is_zero());
  EXPECT_FALSE(decimal{}.is_zero());
}

TEST(decimal, scaled_orders_numerically) {
  __int128 a, b, c;
  ASSERT_TRUE(decimal::from("43012.10").scaled(a));
  ASSERT_TRUE(decimal::from("43012.1").scaled(b));
  ASSERT_TRUE(decimal::from("9999.99999").scaled(c));
  EXPECT_EQ(a, b);
  EXPECT_GT(a, c);
  __int128 tiny;
  ASSERT_TRUE(decimal::from("0.000000000000000001").scaled(tiny));
  EXPECT_EQ(tiny, 1);
  EXPECT_FALSE(decimal::from("0.0000000000000000001").scaled(tiny));  // beyond 18 places
}

// parse() against the rule it implements, written as the plain loop: random texts of every length up
// to past the capacity, from an alphabet of digits, '.', '-' and the bytes around them, each in a
// block of its own size. Both must accept the same texts, and an accepted text is kept exactly.
namespace {
bool reference_parse(std::string_view s) {
  if (s.empty() || s.size() > decimal::capacity) return false;
  std::size_t digits = 0;
  bool dot = false;
  for (std::size_t i = s[0] == '-' ? 1 : 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits > 0;
}
}  // namespace

TEST(decimal, parse_matches_the_plain_rule_on_random_texts) {
  const char alphabet[] = {'0', '1', '5', '9', '.', '.', '-', '/', ':', '+', 'e', ' ', '\0', '\x80', '\xff', '\xae'};  // '\xae': a '.' with the high bit set
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::string buf(33, 'x');
  std::size_t accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    const std::size_t len = next() % 33;
    const bool mostly_digits = round % 2 == 0;  // half the texts are near-decimals, to reach acceptance
    for (std::size_t i = 0; i < len; ++i) {
      const std::uint64_t r = next();
      buf[i] = mostly_digits && r % 8 != 0 ? static_cast<char>('0' + r % 10) : alphabet[r % sizeof alphabet];
    }
    // A heap block of exactly the text's size: a read outside it shows under ASan.
    const auto exact = std::make_unique<char[]>(len);
    std::memcpy(exact.get(), buf.data(), len);
    const std::string_view text(exact.get(), len);
    decimal d = decimal::from("7");
    const bool ok = decimal::parse(text, d);
    ASSERT_EQ(ok, reference_parse(text)) << "'" << text << "' length " << len;
    if (ok) {
      ++accepted;
      ASSERT_EQ(d.str(), text);
    } else {
      ASSERT_EQ(d.str(), "7");
    }
  }
  EXPECT_GT(accepted, 20000u);  // the comparison covered acceptance, not only refusal
}
