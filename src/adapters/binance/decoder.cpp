// Binance messages for tools (decode, replay, fuzz, bench): the parser, with depth diffs shown as the
// delta they would become once applied.
#include <variant>

#include "adapters/binance/factory.hpp"
#include "adapters/binance/parser.hpp"

namespace mdfan::adapters {
namespace {

class binance_decoder final : public message_decoder {
 public:
  bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) override {
    if (!parser_.parse_padded(msg, receive_ns, msg_, error_)) {
      error = error_.reason;
      return false;
    }
    if (auto* ev = std::get_if<event>(&msg_)) {
      out.push_back(std::move(*ev));
    } else if (auto* diff = std::get_if<binance_depth_diff>(&msg_)) {
      out.emplace_back(to_book_update(*diff, receive_ns));
    }
    return true;  // control traffic decodes to nothing
  }

 private:
  binance_parser parser_;
  binance_message msg_;
  binance_parse_error error_;
};

}  // namespace

std::unique_ptr<message_decoder> make_binance_decoder() { return std::make_unique<binance_decoder>(); }

}  // namespace mdfan::adapters
