// Bybit v5: the parser (parse + normalize into events / book messages, decimals kept as their text)
// against a bare simdjson On-Demand extraction of the same fields, per message type.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/bybit/parser.hpp"
#include "bench_util.hpp"

namespace {

namespace od = simdjson::ondemand;
using mdfan::bench::padded_message;

padded_message wire(const char* file) { return mdfan::bench::minified("bybit", file); }

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  mdfan::adapters::bybit_parser parser;
  mdfan::adapters::bybit_message out;
  mdfan::adapters::bybit_parse_error err;
  for (auto _ : state) {
    const bool ok = parser.parse_padded(msg.view(), 1, out, err);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
    if (!ok) state.SkipWithError("parse failed");
  }
}

// Every scalar of a value, bare: strings as views, numbers as their raw text, booleans; arrays and
// objects walked (levels are arrays of two strings).
std::size_t sink(od::value v) {
  od::json_type t;
  if (v.type().get(t)) return 0;
  switch (t) {
    case od::json_type::object: {
      std::size_t n = 0;
      od::object obj;
      if (v.get_object().get(obj)) return 0;
      for (auto f : obj) {
        std::string_view key;
        if (f.unescaped_key().get(key)) return 0;
        od::value fv;
        if (f.value().get(fv)) return 0;
        n += key.size() + sink(fv);
      }
      return n;
    }
    case od::json_type::array: {
      std::size_t n = 0;
      od::array arr;
      if (v.get_array().get(arr)) return 0;
      for (auto e : arr) {
        od::value ev;
        if (e.get(ev)) return 0;
        n += sink(ev);
      }
      return n;
    }
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return 0;
      return s.size();
    }
    case od::json_type::number: return v.raw_json_token().size();
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b)) return 0;
      return b ? 1 : 0;
    }
    default: return 0;
  }
}

void run_simdjson(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  od::parser parser;
  for (auto _ : state) {
    od::document doc;
    if (parser.iterate(msg.view().data(), msg.size, msg.storage.size()).get(doc)) state.SkipWithError("bad json");
    od::value top;
    if (doc.get_value().get(top)) state.SkipWithError("bad json");
    benchmark::DoNotOptimize(sink(top));
  }
}

#define BYBIT_PAIR(type, file)                                                 \
  void bybit_##type##_mdfan(benchmark::State& s) { run_mdfan(s, file); }       \
  void bybit_##type##_simdjson(benchmark::State& s) { run_simdjson(s, file); } \
  BENCHMARK(bybit_##type##_mdfan)->Name("bybit/" #type "/mdfan");              \
  BENCHMARK(bybit_##type##_simdjson)->Name("bybit/" #type "/simdjson")

BYBIT_PAIR(book_snapshot, "orderbook_50_snapshot_linear.json");
BYBIT_PAIR(book_delta, "orderbook_50_delta_linear.json");
BYBIT_PAIR(trade, "publicTrade_linear.json");
BYBIT_PAIR(ticker_linear, "tickers_linear_perpetual.json");
BYBIT_PAIR(ticker_spot, "tickers_spot.json");
BYBIT_PAIR(kline, "kline_5_linear.json");
BYBIT_PAIR(pong, "pong_linear.json");

}  // namespace
