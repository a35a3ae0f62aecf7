#pragma once
// What the benchmark reports: the plain-text table, the progress bar, the machine description and
// the JSON record (Boost.JSON values; compiled header-only in report.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace mdfan::bench {

// Rows of text printed as aligned columns.
struct text_table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  // printed under the table
};
void print_table(const text_table& t);

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class progress_bar {
 public:
  progress_bar(std::string label, double total_seconds);
  ~progress_bar();
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;
  // Elapsed seconds in [0, total]; `status` is a short live figure ("812k frames/s").
  void update(double elapsed, const std::string& status = {});
  void finish();
  static bool enabled();

 private:
  std::string label_;
  double total_;
  bool drawn_ = false;
};

// cores, cpu model, kernel, memory, hostname.
boost::json::object machine_info();
// Current UTC time, ISO 8601.
std::string utc_now_iso();

// Formatting helpers for the table.
std::string fmt_rate(double per_second);  // 1.23M/s, 812k/s
std::string fmt_us(double ns);            // ns -> "123 us" / "1.2 ms"
std::string fmt_ratio(double r);          // "0.83x"; "-" when not finite or 0

// A JSON number, or null when not finite.
boost::json::value num(double v);
// ratio a / b as a JSON number, or null when b is 0 or either is missing.
boost::json::value ratio(double a, double b);

// Serializes `v` (pretty, 2-space indent) to `path`; false with `error` on failure.
bool write_json_file(const std::string& path, const boost::json::value& v, std::string* error);
std::string to_pretty_json(const boost::json::value& v);
// Parses JSON text (throws std::exception on malformed input).
boost::json::value parse_json(const std::string& text);

}  // namespace mdfan::bench
