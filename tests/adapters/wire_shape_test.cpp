// The fast path's cursor (wire_shape.hpp): each read takes exactly the form it names and fails on
// anything else, and never reads past the end it was given.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "adapters/common/json_reader.hpp"
#include "adapters/common/wire_shape.hpp"

namespace mdfan::adapters {
namespace {

// The whole of `text` is one number for the cursor (and nothing is left over).
bool whole_number(std::string_view text) {
  const std::string buf(text);  // no bytes after the end: a read past it would show under ASan
  wire_shape w(buf.data(), buf.size());
  std::string_view out;
  return w.number(out) && w.at_end() && out == text;
}

TEST(WireShape, NumberTakesJsonsStrictForms) {
  for (std::string_view ok : {"0", "-0", "7", "42", "-42", "0.5", "-0.5", "65432.1", "1e5", "1E5", "1e+5", "1.5e-05",
                              "0.000015", "12345678901234567890123"})
    EXPECT_TRUE(whole_number(ok)) << ok;
}

TEST(WireShape, NumberRefusesWhatJsonRefuses) {
  for (std::string_view bad : {"", "-", "+1", "01", "-01", "00", ".5", "1.", "1.e5", "1e", "1e+", "-e5", "0x10", "--1"}) {
    const std::string buf(bad);
    wire_shape w(buf.data(), buf.size());
    std::string_view out;
    EXPECT_FALSE(w.number(out) && w.at_end()) << bad;
  }
}

TEST(WireShape, NumberStopsAtTheNextToken) {
  const std::string buf = R"(1.25,"x")";
  wire_shape w(buf.data(), buf.size());
  std::string_view n, s;
  ASSERT_TRUE(w.number(n));
  EXPECT_EQ(n, "1.25");
  EXPECT_TRUE(w.lit(',') && w.str(s) && w.at_end());
  EXPECT_EQ(s, "x");
}

TEST(WireShape, StringsArePlainPrintableAscii) {
  std::string_view out;
  for (std::string_view ok : {R"("")", R"("BTC-USD")", R"("a b/c:1")"}) {
    const std::string buf(ok);
    wire_shape w(buf.data(), buf.size());
    EXPECT_TRUE(w.str(out) && w.at_end()) << ok;
  }
  for (std::string_view bad : {R"("a\"b")", R"("a\u0041")", "\"a\tb\"", "\"caf\xc3\xa9\"", R"("open)", "x"}) {
    const std::string buf(bad);
    wire_shape w(buf.data(), buf.size());
    EXPECT_FALSE(w.str(out)) << bad;
  }
}

TEST(WireShape, U64IsAPlainJsonInteger) {
  std::uint64_t v = 0;
  for (std::string_view bad : {"01", "1.0", "1e3", "-1", "", "12345678901234567890"}) {
    const std::string buf(bad);
    wire_shape w(buf.data(), buf.size());
    EXPECT_FALSE(w.u64(v) && w.at_end()) << bad;
  }
  const std::string buf = "1234567890123456789}";
  wire_shape w(buf.data(), buf.size());
  ASSERT_TRUE(w.u64(v) && w.lit('}') && w.at_end());
  EXPECT_EQ(v, 1234567890123456789ULL);
}

TEST(WireShape, MsKeepsTheEpochRange) {
  std::int64_t ns = 0;
  const std::string in_range = "1700000000000", too_big = "9223372036855";  // the latter * 1e6 overflows int64
  wire_shape a(in_range.data(), in_range.size());
  ASSERT_TRUE(a.ms(ns));
  EXPECT_EQ(ns, 1'700'000'000'000'000'000LL);
  wire_shape b(too_big.data(), too_big.size());
  EXPECT_FALSE(b.ms(ns));
}

// The strict time reader agrees with the general RFC 3339 reader wherever it accepts, and refuses
// every form it does not own (the general reader decides those): each day of 1969-2100 at two times
// of day and four fraction lengths, impossible dates, and other spellings.
TEST(WireShape, StrictTimesAgreeWithTheGeneralReader) {
  std::size_t strict = 0;
  for (int y = 1969; y <= 2100; ++y)
    for (int mo = 1; mo <= 12; ++mo)
      for (int d = 1; d <= 31; ++d)
        for (const char* rest : {"T00:00:00Z", "T23:59:59.5Z", "T12:34:56.123456Z", "T01:02:03.987654321Z"}) {
          char text[40];
          std::snprintf(text, sizeof text, "%04d-%02d-%02d%s", y, mo, d, rest);
          std::int64_t fast = -1, general = -1;
          if (wire_time_ns(text, fast)) {
            ++strict;
            ASSERT_TRUE(rfc3339_ns(text, general, true)) << text;
            ASSERT_EQ(fast, general) << text;
          } else {
            // Only outside its range or for days that do not exist.
            const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            const int days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            ASSERT_TRUE(y < 1970 || y > 2099 || d > days[mo - 1]) << text;
          }
        }
  EXPECT_EQ(strict, std::size_t{47482} * 4);  // the days of 1970-2099
  std::int64_t ns = 0;
  for (const char* other : {"2023-02-09T20:32:50+00:00", "2023-02-09t20:32:50Z", "2023-02-09T20:32:50z",
                            "2023-02-09T20:32:60Z", "2023-02-09T20:32:50.Z", "2023-02-09T20:32:50.1234567890Z",
                            "2023-02-09 20:32:50Z", "2023-13-09T20:32:50Z", "2023-02-09T24:00:00Z", "2023-2-09T20:32:50Z",
                            "2023-02-09T20:32:5xZ", "2023-02-09T20:32:50"})
    EXPECT_FALSE(wire_time_ns(other, ns)) << other;
  ASSERT_TRUE(wire_time_ns("2023-02-09T20:32:50.714964855Z", ns));
  EXPECT_EQ(ns, 1675974770714964855LL);
}

}  // namespace
}  // namespace mdfan::adapters
