// OKX messages for tools (decode, fuzz, bench): the parser, with incremental book messages shown as the
// snapshot or delta they carry.
#include "adapters/okx/factory.hpp"
#include "adapters/okx/parser.hpp"

namespace mdfan::adapters {
namespace {

class okx_decoder final : public message_decoder {
 public:
  bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) override {
    if (!parser_.parse_padded(msg, receive_ns, msg_, error_)) {
      error = error_.reason;
      return false;
    }
    if (msg_.what == okx_message::kind::events) {
      for (auto& ev : msg_.events) out.push_back(std::move(ev));
    } else if (msg_.what == okx_message::kind::book) {
      out.emplace_back(to_book_update(msg_.book, receive_ns));
    }
    return true;  // control traffic decodes to nothing
  }

 private:
  okx_parser parser_;
  okx_message msg_;
  okx_parse_error error_;
};

}  // namespace

std::unique_ptr<message_decoder> make_okx_decoder() { return std::make_unique<okx_decoder>(); }

}  // namespace mdfan::adapters
