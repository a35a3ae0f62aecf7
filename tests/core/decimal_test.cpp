#include <gtest/gtest.h>

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
