#include "adapters/decode.hpp"

#include <string>
#include <variant>

#include <fmt/format.h>

#include "adapters/binance/parser.hpp"
#include "core/codec.hpp"
#include "mdfan/event.hpp"

namespace mdfan {
namespace {

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

int decode_binance(std::istream& in, std::ostream& out, std::ostream& err) {
  adapters::binance_parser parser;
  adapters::binance_message msg;
  adapters::binance_parse_error error;
  std::string line, json;
  std::uint64_t number = 0, failed = 0;
  while (std::getline(in, line)) {
    ++number;
    if (blank(line)) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!parser.parse(line, 0, msg, error)) {
      ++failed;
      err << fmt::format("line {}: {}\n", number, error.reason);
      continue;
    }
    json.clear();
    if (auto* ev = std::get_if<event>(&msg)) {
      encode_json(*ev, json);
    } else if (auto* diff = std::get_if<adapters::binance_depth_diff>(&msg)) {
      encode_json(event{adapters::to_book_update(*diff, 0)}, json);
    } else {
      continue;  // control traffic
    }
    json += '\n';
    out << json;
  }
  out.flush();
  return failed == 0 ? 0 : 1;
}

}  // namespace

int run_decode(std::string_view exchange, std::istream& in, std::ostream& out, std::ostream& err) {
  exchange_id id{};
  if (!parse_exchange(exchange, id)) {
    err << fmt::format("decode: unknown exchange '{}' (supported: binance)\n", exchange);
    return 2;
  }
  switch (id) {
    case exchange_id::binance: return decode_binance(in, out, err);
    default:
      err << fmt::format("decode: exchange '{}' is not supported yet (supported: binance)\n", exchange);
      return 2;
  }
}

}  // namespace mdfan
