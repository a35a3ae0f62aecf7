#include "tool/report.hpp"

// Boost.JSON, header-only: compiled here, in this one translation unit.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json/src.hpp>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tool/process.hpp"

namespace mdfan::bench {

void print_table(const text_table& t) {
  std::vector<std::size_t> width(t.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(t.header);
  for (const auto& r : t.rows) measure(r);
  std::string out = "\n";
  out += t.title;
  out += '\n';
  auto line = [&](const std::vector<std::string>& row) {
    std::string s = " ";
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      // First column left-aligned (names), the rest right-aligned (figures).
      s += i == 0 ? fmt::format(" {:<{}} ", cell, width[i]) : fmt::format(" {:>{}} ", cell, width[i]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out += s;
    out += '\n';
  };
  line(t.header);
  std::size_t total = 1;
  for (auto w : width) total += w + 2;
  out += ' ';
  out.append(total - 1, '-');
  out += '\n';
  for (const auto& r : t.rows) line(r);
  for (const auto& n : t.notes) {
    out += "  ";
    out += n;
    out += '\n';
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
}

bool progress_bar::enabled() { return ::isatty(STDERR_FILENO) == 1; }

progress_bar::progress_bar(std::string label, double total_seconds)
    : label_(std::move(label)), total_(total_seconds > 0 ? total_seconds : 1) {}

progress_bar::~progress_bar() { finish(); }

void progress_bar::update(double elapsed, const std::string& status) {
  if (!enabled()) return;
  const double frac = std::clamp(elapsed / total_, 0.0, 1.0);
  constexpr int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::fprintf(stderr, "\r\033[K%-28s [%s%s] %5.1fs/%.1fs  %s", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, ' ').c_str(), std::min(elapsed, total_), total_, status.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void progress_bar::finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

boost::json::object machine_info() {
  boost::json::object m;
  m["cores"] = std::thread::hardware_concurrency();
  std::string model;
  {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("model name")) {
        model = line.substr(line.find(':') + 1);
        model.erase(0, model.find_first_not_of(' '));
        break;
      }
    }
  }
  m["cpu_model"] = model;
  utsname u{};
  if (::uname(&u) == 0) {
    m["kernel"] = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
    m["hostname"] = u.nodename;
  }
  {
    std::ifstream in("/proc/meminfo");
    std::string key;
    long kib = 0;
    if (in >> key >> kib && key == "MemTotal:") m["memory_mib"] = kib / 1024;
  }
  {
    std::ifstream in("/proc/loadavg");
    double l1 = 0;
    if (in >> l1) m["load_avg_1m_at_start"] = l1;
  }
  return m;
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string fmt_rate(double v) {
  if (!std::isfinite(v)) return "-";
  if (v >= 1e6) return fmt::format("{:.2f}M/s", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.0f}k/s", v / 1e3);
  if (v >= 1e3) return fmt::format("{:.1f}k/s", v / 1e3);
  return fmt::format("{:.0f}/s", v);
}

std::string fmt_us(double ns) {
  if (!std::isfinite(ns)) return "-";
  const double us = ns / 1e3;
  if (us >= 1e6) return fmt::format("{:.2f} s", us / 1e6);
  if (us >= 1e4) return fmt::format("{:.1f} ms", us / 1e3);
  if (us >= 1e3) return fmt::format("{:.2f} ms", us / 1e3);
  if (us >= 100) return fmt::format("{:.0f} us", us);
  return fmt::format("{:.1f} us", us);
}

std::string fmt_ratio(double r) {
  if (!std::isfinite(r) || r == 0) return "-";
  return fmt::format("{:.2f}x", r);
}

boost::json::value num(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

boost::json::value ratio(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b) || b <= 0 || a < 0) return nullptr;
  return std::round(a / b * 10000) / 10000;
}

namespace {

void pretty(std::ostream& os, const boost::json::value& jv, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  switch (jv.kind()) {
    case boost::json::kind::object: {
      const auto& obj = jv.get_object();
      if (obj.empty()) {
        os << "{}";
        return;
      }
      os << "{\n";
      bool first = true;
      for (const auto& kv : obj) {
        if (!first) os << ",\n";
        first = false;
        os << pad << "  " << boost::json::serialize(kv.key()) << ": ";
        pretty(os, kv.value(), indent + 2);
      }
      os << "\n" << pad << "}";
      return;
    }
    case boost::json::kind::array: {
      const auto& arr = jv.get_array();
      // Arrays of scalars (argv) stay on one line.
      const bool flat = std::all_of(arr.begin(), arr.end(), [](const auto& v) { return !v.is_structured(); });
      if (arr.empty() || flat) {
        os << boost::json::serialize(jv);
        return;
      }
      os << "[\n";
      bool first = true;
      for (const auto& v : arr) {
        if (!first) os << ",\n";
        first = false;
        os << pad << "  ";
        pretty(os, v, indent + 2);
      }
      os << "\n" << pad << "]";
      return;
    }
    case boost::json::kind::double_: {
      // Whole numbers as integers, the rest in the shortest form that reads back the same (12.5, not 1.25E1).
      const double d = jv.get_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
        os << fmt::format("{}", static_cast<long long>(d));
      } else if (std::isfinite(d)) {
        os << fmt::format("{}", d);
      } else {
        os << "null";
      }
      return;
    }
    default: os << boost::json::serialize(jv);
  }
}

}  // namespace

std::string to_pretty_json(const boost::json::value& v) {
  std::ostringstream os;
  pretty(os, v, 0);
  os << "\n";
  return os.str();
}

bool write_json_file(const std::string& path, const boost::json::value& v, std::string* error) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      if (error) *error = "cannot write " + tmp;
      return false;
    }
    out << to_pretty_json(v);
    if (!out.good()) {
      if (error) *error = "write failed: " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (error) *error = "cannot rename " + tmp + " to " + path;
    return false;
  }
  return true;
}

boost::json::value parse_json(const std::string& text) { return boost::json::parse(text); }

}  // namespace mdfan::bench
