// libFuzzer target for the Binance Spot parser and book sync. The input goes through the decoder
// whole (raw or combined stream message), through the REST depth-snapshot parser, and, split at
// newlines, as a sequence of messages into the parser and a book sync (diffs + a fuzzed snapshot).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/binance/book_sync.hpp"
#include "adapters/binance/factory.hpp"
#include "adapters/binance/parser.hpp"

namespace {

std::string_view padded(std::string_view text, std::string& buf) {
  buf.assign(text);
  buf.append(64, '\0');
  return {buf.data(), text.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mdfan;
  using namespace mdfan::adapters;
  static auto decoder = make_binance_decoder();
  static binance_parser parser;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string buf, error;
  std::vector<event> out;
  (void)decoder->decode(padded(input, buf), 1, out, error);

  binance_depth_snapshot snap;
  const bool have_snapshot = parser.parse_depth_snapshot(input, snap, error);

  std::uint64_t emitted = 0;
  binance_book_sync sync("BNBBTC", "BNB-BTC", binance_book_sync_config{0, 64}, [&](event&&) { ++emitted; });
  binance_message msg;
  binance_parse_error perr;
  std::size_t start = 0, lines = 0;
  while (start < input.size() && lines++ < 4096) {
    auto end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    if (parser.parse_padded(padded(input.substr(start, end - start), buf), 1, msg, perr)) {
      if (auto* d = std::get_if<binance_depth_diff>(&msg)) {
        d->symbol = "BNBBTC";
        if (sync.on_diff(std::move(*d), 1) == binance_sync_action::fetch_snapshot && have_snapshot)
          sync.on_snapshot(binance_depth_snapshot(snap), 1);
      }
    } else if (perr.depth) {
      sync.on_malformed();
    }
    start = end + 1;
  }
  // A synced book is never crossed.
  if (sync.synced() && sync.book().crossed()) __builtin_trap();
  return 0;
}
