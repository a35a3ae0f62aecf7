// OKX v5: the parser (parse + normalize into events / book messages, decimals kept as their wire text)
// against a bare simdjson On-Demand extraction of the same fields, per message type.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "adapters/okx/parser.hpp"
#include "bench_util.hpp"

namespace {

namespace od = simdjson::ondemand;
using mdfan::bench::padded_message;

padded_message wire(const char* file) { return mdfan::bench::minified("okx", file); }

void run_mdfan(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  mdfan::adapters::okx_parser parser;
  mdfan::adapters::okx_message out;
  mdfan::adapters::okx_parse_error err;
  for (auto _ : state) {
    const bool ok = parser.parse_padded(msg.view(), 1, out, err);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out.events.data());
    benchmark::DoNotOptimize(out.book.bids.data());
    if (!ok) state.SkipWithError("parse failed");
  }
}

// The same fields, bare: every string as a view, every integer as its raw text, arrays walked.
std::size_t sink_value(od::value v);
std::size_t sink_array(od::array arr) {
  std::size_t n = 0;
  for (auto el : arr) {
    od::value v;
    if (el.get(v)) return 0;
    n += sink_value(v);
  }
  return n;
}
std::size_t sink_object(od::object obj) {
  std::size_t n = 0;
  for (auto f : obj) {
    std::string_view key;
    if (f.unescaped_key().get(key)) return 0;
    od::value v;
    if (f.value().get(v)) return 0;
    n += key.size() + sink_value(v);
  }
  return n;
}
std::size_t sink_value(od::value v) {
  od::json_type t;
  if (v.type().get(t)) return 0;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s) ? 0 : s.size();
    }
    case od::json_type::number: return v.raw_json_token().size();
    case od::json_type::array: {
      od::array a;
      return v.get_array().get(a) ? 0 : sink_array(a);
    }
    case od::json_type::object: {
      od::object o;
      return v.get_object().get(o) ? 0 : sink_object(o);
    }
    default: return 1;
  }
}

void run_simdjson(benchmark::State& state, const char* file) {
  const auto msg = wire(file);
  od::parser parser;
  for (auto _ : state) {
    od::document doc;
    od::object obj;
    std::size_t n = 0;
    if (!parser.iterate(msg.view().data(), msg.view().size(), msg.storage.size()).get(doc) &&
        !doc.get_object().get(obj))
      n = sink_object(obj);
    benchmark::DoNotOptimize(n);
    if (n == 0) state.SkipWithError("extraction failed");
  }
}

#define OKX_BENCH(type, file)                                                \
  void okx_##type##_mdfan(benchmark::State& s) { run_mdfan(s, file); }       \
  void okx_##type##_simdjson(benchmark::State& s) { run_simdjson(s, file); } \
  BENCHMARK(okx_##type##_mdfan)->Name("okx/" #type "/mdfan");                \
  BENCHMARK(okx_##type##_simdjson)->Name("okx/" #type "/simdjson");

OKX_BENCH(tickers, "tickers.json")
OKX_BENCH(trades, "trades.json")
OKX_BENCH(books_snapshot, "books_snapshot.json")
OKX_BENCH(books_update, "books_update.json")
OKX_BENCH(books5, "books5.json")
OKX_BENCH(bbo_tbt, "bbo-tbt.json")
OKX_BENCH(candle, "candle1D.json")

}  // namespace
