// Kraken WebSocket v2: the parser (parse + normalize into events / book entries, numbers kept as
// their text) against a bare simdjson On-Demand extraction of the same fields, per message type.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/kraken/parser.hpp"
#include "bench_util.hpp"

namespace {

namespace od = simdjson::ondemand;
using mdfan::bench::padded_message;

padded_message wire(const char* file) { return mdfan::bench::minified("kraken", file); }

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  mdfan::adapters::kraken_parser parser;
  mdfan::adapters::kraken_message out;
  mdfan::adapters::kraken_parse_error err;
  for (auto _ : state) {
    const bool ok = parser.parse_padded(msg.view(), 1, out, err);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out.events.data());
    if (!ok) state.SkipWithError("parse failed");
  }
}

// The same fields, bare: keys compared, strings and numbers' raw text as views, integers as integers.
std::size_t sink_fields(od::object obj) {
  std::size_t n = 0;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return 0;
    od::value v = f.value();
    od::json_type t;
    if (v.type().get(t)) return 0;
    if (t == od::json_type::number) {
      std::string_view raw = v.raw_json_token();
      n += raw.size();
    } else if (t == od::json_type::string) {
      std::string_view s;
      if (v.get_string().get(s)) return 0;
      n += s.size();
    } else if (t == od::json_type::array) {
      od::array arr;
      if (v.get_array().get(arr)) return 0;
      for (auto lv : arr) {
        od::object level;
        if (lv.get_object().get(level)) return 0;
        n += sink_fields(level);
      }
    }
  }
  return n;
}

void run_simdjson(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  od::parser parser;
  for (auto _ : state) {
    std::size_t n = 0;
    od::document doc;
    if (parser.iterate(msg.view().data(), msg.size, msg.storage.size()).get(doc)) state.SkipWithError("bad json");
    od::object top;
    if (doc.get_object().get(top)) state.SkipWithError("bad json");
    for (auto f : top) {
      std::string_view key;
      if (f.unescaped_key().get(key)) break;
      od::value v = f.value();
      if (key == "data") {
        od::array arr;
        if (v.get_array().get(arr)) break;
        for (auto item : arr) {
          od::object o;
          if (item.get_object().get(o)) break;
          n += sink_fields(o);
        }
      } else {
        std::string_view s;
        if (!v.get_string().get(s)) n += s.size();
      }
    }
    benchmark::DoNotOptimize(n);
  }
}

#define KRAKEN_PAIR(type, file)                                                 \
  void kraken_##type##_mdfan(benchmark::State& s) { run_mdfan(s, file); }       \
  void kraken_##type##_simdjson(benchmark::State& s) { run_simdjson(s, file); } \
  BENCHMARK(kraken_##type##_mdfan)->Name("kraken/" #type "/mdfan");             \
  BENCHMARK(kraken_##type##_simdjson)->Name("kraken/" #type "/simdjson");

KRAKEN_PAIR(book_snapshot, "book_snapshot.json")
KRAKEN_PAIR(book_update, "book_update.json")
KRAKEN_PAIR(ticker, "ticker_update.json")
KRAKEN_PAIR(trade, "trade_update.json")
KRAKEN_PAIR(ohlc, "ohlc_update.json")
KRAKEN_PAIR(heartbeat, "heartbeat.json")

}  // namespace
