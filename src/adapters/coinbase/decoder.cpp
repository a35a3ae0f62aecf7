// Coinbase messages for tools (decode, replay, fuzz, bench): the parser, with l2_data events shown
// as the snapshot or delta they carry (sequence = the message's sequence_num) and market_trades
// snapshots (recent history) shown like live trades.
#include "adapters/coinbase/factory.hpp"
#include "adapters/coinbase/parser.hpp"

namespace mdfan::adapters {
namespace {

class coinbase_decoder final : public message_decoder {
 public:
  bool decode(std::string_view msg, std::int64_t receive_ns, std::vector<event>& out, std::string& error) override {
    if (!parser_.parse_padded(msg, receive_ns, msg_, error_)) {
      error = error_.reason;
      return false;
    }
    for (const auto& b : msg_.books) out.emplace_back(to_book_update(b, msg_, receive_ns));
    for (auto& t : msg_.tickers) out.emplace_back(std::move(t));
    for (auto& t : msg_.trades) out.emplace_back(std::move(t.t));
    for (auto& c : msg_.candles) out.emplace_back(std::move(c));
    return true;  // control traffic decodes to nothing
  }

 private:
  coinbase_parser parser_;
  coinbase_message msg_;
  coinbase_parse_error error_;
};

}  // namespace

std::unique_ptr<message_decoder> make_coinbase_decoder() { return std::make_unique<coinbase_decoder>(); }

std::unique_ptr<protocol_session> make_coinbase_session(const adapter_options& opts, metrics_registry& metrics,
                                                        std::shared_ptr<spdlog::logger> log) {
  // One session per connection: replay gives each recorded connection its own (sequence_num counts
  // per connection).
  return std::make_unique<coinbase_session>(coinbase_config_from(opts), metrics, std::move(log));
}

}  // namespace mdfan::adapters
