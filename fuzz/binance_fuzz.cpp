// libFuzzer target for the Binance Spot parser and book sync. The input goes through the decoder
// whole (raw or combined stream message), through the REST depth-snapshot parser, and, split at
// newlines, as a sequence of messages into the parser and a book sync (diffs + a fuzzed snapshot).
// The whole input also decodes the same with the fast path on and off (events and error).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "adapters/binance/book_sync.hpp"
#include "adapters/binance/factory.hpp"
#include "adapters/binance/parser.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mdfan;
  using namespace mdfan::adapters;
  using fuzz::padded;
  static auto decoder = make_binance_decoder();
  static auto general = make_binance_decoder();  // the fast path off: the outcome must not change
  static binance_parser parser;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string buf, error;
  fuzz::check_fast_path_same(*decoder, *general, padded(input, buf));  // decodes it both ways

  binance_depth_snapshot snap;
  const bool have_snapshot = parser.parse_depth_snapshot(input, snap, error);

  std::uint64_t emitted = 0;
  binance_book_sync sync("BNBBTC", "BNB-BTC", binance_book_sync_config{0, 64}, [&](event&&) { ++emitted; });
  binance_message msg;
  binance_parse_error perr;
  fuzz::for_each_line(input, 4096, [&](std::string_view line, std::size_t /*index*/) {
    if (parser.parse_padded(padded(line, buf), 1, msg, perr)) {
      if (auto* d = std::get_if<binance_depth_diff>(&msg)) {
        d->symbol = "BNBBTC";
        if (sync.on_diff(std::move(*d), 1) == binance_sync_action::fetch_snapshot && have_snapshot)
          sync.on_snapshot(binance_depth_snapshot(snap), 1);
      }
    } else if (perr.depth) {
      sync.on_malformed();
    }
  });
  // A synced book is never crossed.
  if (sync.synced() && sync.book().crossed()) __builtin_trap();
  return 0;
}
