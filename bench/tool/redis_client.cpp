#include "tool/redis_client.hpp"

#include "support/loopback.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mdfan::bench {
namespace {

constexpr int max_depth = 8;

// Finds "\r\n" from `p`; returns its offset or -1.
long line_end(const char* data, std::size_t n, std::size_t from) {
  for (std::size_t i = from; i + 1 < n; ++i)
    if (data[i] == '\r' && data[i + 1] == '\n') return static_cast<long>(i);
  return -1;
}

long parse_at(const char* data, std::size_t n, std::size_t pos, resp_value* out, int depth) {
  if (pos >= n) return 0;
  if (depth > max_depth) return -1;
  const char type = data[pos];
  const long eol = line_end(data, n, pos + 1);
  if (eol < 0) return 0;
  const std::string_view line(data + pos + 1, static_cast<std::size_t>(eol) - pos - 1);
  const std::size_t after = static_cast<std::size_t>(eol) + 2;
  switch (type) {
    case '+':
    case '-':
      if (out) {
        out->type = type;
        out->str.assign(line);
      }
      return static_cast<long>(after - pos);
    case ':':
      if (out) {
        out->type = ':';
        out->integer = std::strtoll(std::string(line).c_str(), nullptr, 10);
      }
      return static_cast<long>(after - pos);
    case '$': {
      const long long len = std::strtoll(std::string(line).c_str(), nullptr, 10);
      if (len < 0) {
        if (out) out->type = 0;
        return static_cast<long>(after - pos);
      }
      if (after + static_cast<std::size_t>(len) + 2 > n) return 0;
      if (out) {
        out->type = '$';
        out->str.assign(data + after, static_cast<std::size_t>(len));
      }
      return static_cast<long>(after + static_cast<std::size_t>(len) + 2 - pos);
    }
    case '*': {
      const long long count = std::strtoll(std::string(line).c_str(), nullptr, 10);
      if (out) {
        out->type = count < 0 ? 0 : '*';
        out->elems.clear();
      }
      std::size_t at = after;
      for (long long i = 0; i < count; ++i) {
        resp_value* elem = nullptr;
        if (out) elem = &out->elems.emplace_back();
        const long used = parse_at(data, n, at, elem, depth + 1);
        if (used <= 0) return used;
        at += static_cast<std::size_t>(used);
      }
      return static_cast<long>(at - pos);
    }
    default: return -1;
  }
}

}  // namespace

void append_command(std::string& out, const std::vector<std::string_view>& args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (auto a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
}

long parse_reply(const char* data, std::size_t n, resp_value* out) { return parse_at(data, n, 0, out, 0); }

redis_client::~redis_client() { close(); }

bool redis_client::connect(std::uint16_t port, std::chrono::milliseconds timeout, std::string* error) {
  close();
  fd_ = loopback::connect(port, {.no_delay = true, .io_timeout = timeout});
  if (fd_ < 0) {
    if (error) *error = "connect to Redis on port " + std::to_string(port) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void redis_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  in_.clear();
  off_ = 0;
}

void redis_client::set_nonblocking() {
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

bool redis_client::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 5000) <= 0) return false;
        continue;
      }
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool redis_client::fill(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (r <= 0) return true;
  if (off_ > 0 && off_ == in_.size()) {
    in_.clear();
    off_ = 0;
  } else if (off_ > (1u << 20)) {
    in_.erase(0, off_);
    off_ = 0;
  }
  char buf[65536];
  const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) {
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return true;
  return false;
}

bool redis_client::next_reply(resp_value* out) {
  const long used = parse_reply(in_.data() + off_, in_.size() - off_, out);
  if (used <= 0) return false;
  off_ += static_cast<std::size_t>(used);
  return true;
}

std::size_t redis_client::skip_replies() {
  std::size_t count = 0;
  while (next_reply(nullptr)) ++count;
  return count;
}

bool redis_client::command(const std::vector<std::string_view>& args, resp_value& out,
                           std::chrono::milliseconds timeout) {
  std::string req;
  append_command(req, args);
  if (!send_raw(req)) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!next_reply(&out)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (!fill(std::chrono::milliseconds(50))) return false;
  }
  return true;
}

long long publish_calls(redis_client& c) {
  resp_value r;
  if (!c.command({"INFO", "commandstats"}, r) || r.type != '$') return -1;
  const auto at = r.str.find("cmdstat_publish:calls=");
  if (at == std::string::npos) return 0;
  return std::strtoll(r.str.c_str() + at + 22, nullptr, 10);
}

}  // namespace mdfan::bench
