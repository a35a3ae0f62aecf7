// The fast path's cursor (wire_shape.hpp): each read takes exactly the form it names and fails on
// anything else, and never reads past the end it was given.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
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

// plain_number reads exactly the numbers number() reads that have no exponent, to the same end; on
// anything else it leaves the cursor where it was. Random texts over the number alphabet, each in a
// heap block of exactly its size, followed by nothing or by a comma.
TEST(WireShape, PlainNumberIsNumberWithoutAnExponent) {
  std::mt19937_64 rng(11);
  const char alphabet[] = "0123456789000111999..--eE+";
  std::size_t plain = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string t(rng() % 24, '0');
    for (auto& c : t) c = alphabet[rng() % (sizeof alphabet - 1)];
    if (rng() % 2 == 0) t += ',';
    const std::unique_ptr<char[]> block(new char[std::max<std::size_t>(t.size(), 1)]);
    std::memcpy(block.get(), t.data(), t.size());
    wire_shape a(block.get(), t.size()), b(block.get(), t.size());
    std::string_view by_number, by_plain;
    const bool number = a.number(by_number);
    const bool exponent = number && by_number.find_first_of("eE") != std::string_view::npos;
    const bool got = b.plain_number(by_plain);
    ASSERT_EQ(got, number && !exponent) << t;
    if (got) {
      ASSERT_EQ(by_plain, by_number) << t;
      ++plain;
    } else {
      std::string_view again;  // the cursor did not move: number() reads the same as from the start
      ASSERT_EQ(b.number(again), number) << t;
      if (number) {
        ASSERT_EQ(again, by_number) << t;
      }
    }
  }
  EXPECT_GT(plain, 1000U);
}

// decimal_str reads exactly the strings whose content decimal::parse() takes, to the same decimal and
// the same end as checked_str; on anything else the cursor and the decimal stay as they were.
// decimal_number is plain_number within a decimal's capacity. Random texts, in exact-size blocks.
TEST(WireShape, DecimalReadsMatchParse) {
  std::mt19937_64 rng(5);
  const char alphabet[] = "0123456789.-\"e ,x\x80";
  std::size_t strings = 0, numbers = 0;
  for (int i = 0; i < 300000; ++i) {
    std::string t(rng() % 40, '0');
    for (auto& c : t) c = rng() % 3 != 0 ? static_cast<char>('0' + rng() % 10) : alphabet[rng() % (sizeof alphabet - 1)];
    const bool quoted = rng() % 4 != 0;
    if (quoted) t.insert(t.begin(), '"');
    const std::unique_ptr<char[]> block(new char[std::max<std::size_t>(t.size(), 1)]);
    std::memcpy(block.get(), t.data(), t.size());
    // The string read.
    wire_shape a(block.get(), t.size()), b(block.get(), t.size());
    std::string_view content;
    decimal want = decimal::from("7"), got = decimal::from("7");
    const bool by_parse = a.checked_str(content) && decimal::parse(content, want);
    ASSERT_EQ(b.decimal_str(got), by_parse) << t;
    ASSERT_EQ(got, want) << t;
    ASSERT_EQ(b.position(), by_parse ? a.position() : block.get()) << t;  // the same end, or not moved
    strings += by_parse ? 1 : 0;
    // The number read.
    wire_shape c(block.get(), t.size()), e(block.get(), t.size());
    std::string_view plain;
    decimal n1 = decimal::from("7"), n2 = decimal::from("7");
    const bool by_plain = c.plain_number(plain) && decimal::parse(plain, n1) && plain.size() <= decimal::capacity;
    ASSERT_EQ(e.decimal_number(n2), by_plain) << t;
    ASSERT_EQ(n2, by_plain ? n1 : decimal::from("7")) << t;
    ASSERT_EQ(e.position(), by_plain ? c.position() : block.get()) << t;
    numbers += by_plain ? 1 : 0;
  }
  EXPECT_GT(strings, 5000U);
  EXPECT_GT(numbers, 5000U);
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

// The plain rule wire_digits and u64 must match: every byte a digit, 1-19 of them.
bool digits_by_loop(std::string_view s, std::uint64_t& v) {
  if (s.empty() || s.size() > 19) return false;
  v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

// Every length 0-24, random digits, and each byte in turn replaced by a byte that is not a digit
// (the neighbours of '0' and '9' among them); each text in a heap block of exactly its size.
TEST(WireShape, DigitRunsMatchThePlainLoop) {
  std::mt19937_64 rng(7);
  const char not_digits[] = {'/', ':', ' ', '.', '-', 'e', '"', '\0', '\x80', '\xb0', '\xff', 'A'};
  std::size_t checked = 0;
  for (std::size_t n = 0; n <= 24; ++n) {
    for (int round = 0; round < 40; ++round) {
      std::string text(n, '0');
      for (auto& c : text) c = static_cast<char>('0' + rng() % 10);
      if (round == 0) std::fill(text.begin(), text.end(), '9');  // the largest value of each length
      for (std::size_t bad = 0; bad <= n; ++bad) {  // bad == n: all digits
        std::string t = text;
        if (bad < n) t[bad] = not_digits[rng() % sizeof not_digits];
        const std::unique_ptr<char[]> block(new char[std::max<std::size_t>(t.size(), 1)]);
        std::memcpy(block.get(), t.data(), t.size());
        const std::string_view exact(block.get(), t.size());
        std::uint64_t want = 0, got = 0;
        const bool ok = digits_by_loop(exact, want);
        ASSERT_EQ(wire_digits(exact, got), ok) << t;
        if (ok) {
          ASSERT_EQ(got, want) << t;
        }
        // The cursor's integer: the same value wherever the run ends (leading zeros aside).
        wire_shape w(exact.data(), exact.size());
        std::uint64_t u = 0;
        const bool whole = w.u64(u) && w.at_end();
        ASSERT_EQ(whole, ok && (n == 1 || t[0] != '0')) << t;
        if (whole) {
          ASSERT_EQ(u, want) << t;
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 5000U);
  std::uint64_t v = 0;
  EXPECT_TRUE(wire_digits("9999999999999999999", v));
  EXPECT_EQ(v, 9'999'999'999'999'999'999ULL);
  EXPECT_FALSE(wire_digits("12345678901234567890", v));  // 20 digits
}

// u64 stops at the first byte after the digits and leaves the cursor there, whatever follows.
TEST(WireShape, U64StopsAtTheNextToken) {
  for (std::string_view text : {"7,", "1234567,", "12345678,", "123456789012345,", "1234567890123456,"}) {
    const std::string buf(text);
    wire_shape w(buf.data(), buf.size());
    std::uint64_t v = 0;
    ASSERT_TRUE(w.u64(v)) << text;
    EXPECT_EQ(std::to_string(v) + ",", text);
    EXPECT_TRUE(w.lit(',') && w.at_end()) << text;
  }
}

// An indexed key table finds each of its keys' members and nothing else: keys one byte off (each
// byte in turn), shorter, longer, empty, and random texts over the keys' letters. (Two keys sharing a
// slot do not compile: the tables below are the OKX and Coinbase ticker keys.)
template <std::size_t N>
void check_key_table(const decimal_keys<ticker, N>& keys, const char* letters) {
  ticker tk;
  std::size_t found = 0;
  for (const auto& k : keys) {
    ASSERT_EQ(keys.find(k.key, tk), &(tk.*(k.member))) << k.key;
    ++found;
    const std::string key(k.key);
    for (std::size_t i = 0; i < key.size(); ++i) {
      std::string off = key;
      off[i] = static_cast<char>(off[i] ^ 0x20);
      EXPECT_EQ(keys.find(off, tk), nullptr) << off;
    }
    EXPECT_EQ(keys.find(key.substr(0, key.size() - 1), tk), nullptr) << key;
    EXPECT_EQ(keys.find(key + "x", tk), nullptr) << key;
    EXPECT_EQ(keys.find("x" + key, tk), nullptr) << key;
  }
  EXPECT_EQ(found, N);
  EXPECT_EQ(keys.find("", tk), nullptr);
  std::mt19937_64 rng(3);
  const std::size_t n_letters = std::strlen(letters);
  for (int i = 0; i < 20000; ++i) {
    std::string t(rng() % 20, 'a');
    for (auto& c : t) c = letters[rng() % n_letters];
    bool is_key = false;
    for (const auto& k : keys) is_key |= k.key == t;
    ASSERT_EQ(keys.find(t, tk) != nullptr, is_key) << t;
  }
}

TEST(DecimalKeys, FindExactlyTheirKeys) {
  static constexpr auto okx = index_keys<ticker>(
      {{"last", &ticker::last_price},   {"lastSz", &ticker::last_size},          {"askPx", &ticker::ask_price},
       {"askSz", &ticker::ask_size},    {"bidPx", &ticker::bid_price},           {"bidSz", &ticker::bid_size},
       {"open24h", &ticker::open_24h},  {"high24h", &ticker::high_24h},          {"low24h", &ticker::low_24h},
       {"vol24h", &ticker::volume_24h}, {"volCcy24h", &ticker::quote_volume_24h}});
  static constexpr auto coinbase = index_keys<ticker>(
      {{"price", &ticker::last_price},           {"best_bid", &ticker::bid_price},
       {"best_bid_quantity", &ticker::bid_size}, {"best_ask", &ticker::ask_price},
       {"best_ask_quantity", &ticker::ask_size}, {"volume_24_h", &ticker::volume_24h},
       {"high_24_h", &ticker::high_24h},         {"low_24_h", &ticker::low_24h}});
  check_key_table(okx, "lastSzkPxbidopen24hgwvC");
  check_key_table(coinbase, "pricebst_aquntyvolm24hgw");
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
