#include "redis/protocol.hpp"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <charconv>
#include <cstdlib>
#include <new>

#include "redis/error.hpp"

namespace mdfan::redis {

// ---- reply_view ----

reply_view::kind reply_view::type() const noexcept {
  if (!r_) return kind::none;
  switch (r_->type) {
    case REDIS_REPLY_STRING: return kind::string;
    case REDIS_REPLY_ARRAY: return kind::array;
    case REDIS_REPLY_INTEGER: return kind::integer;
    case REDIS_REPLY_NIL: return kind::nil;
    case REDIS_REPLY_STATUS: return kind::status;
    case REDIS_REPLY_ERROR: return kind::error;
    default: return kind::none;
  }
}

std::string_view reply_view::str() const noexcept {
  if (!r_ || !r_->str) return {};
  switch (r_->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR: return {r_->str, r_->len};
    default: return {};
  }
}

long long reply_view::integer() const noexcept { return r_ && r_->type == REDIS_REPLY_INTEGER ? r_->integer : 0; }

std::size_t reply_view::size() const noexcept { return r_ && r_->type == REDIS_REPLY_ARRAY ? r_->elements : 0; }

reply_view reply_view::operator[](std::size_t i) const noexcept {
  if (i >= size()) return reply_view{};
  return reply_view{r_->element[i]};
}

void reply_deleter::operator()(redisReply* r) const noexcept { freeReplyObject(r); }

// ---- resp_reader ----

void resp_reader::reader_deleter::operator()(redisReader* r) const noexcept { redisReaderFree(r); }

resp_reader::resp_reader() : r_(redisReaderCreate()) {
  if (!r_) throw std::bad_alloc();
}

bool resp_reader::feed(const char* data, std::size_t n) { return redisReaderFeed(r_.get(), data, n) == REDIS_OK; }

resp_reader::status resp_reader::next(reply_ptr& out) {
  void* raw = nullptr;
  if (redisReaderGetReply(r_.get(), &raw) != REDIS_OK) return status::error;
  if (!raw) return status::need_more;
  out.reset(static_cast<redisReply*>(raw));
  return status::reply;
}

std::string resp_reader::error_text() const { return r_->err ? std::string(r_->errstr) : std::string(); }

void resp_reader::reset() {
  std::unique_ptr<redisReader, reader_deleter> fresh(redisReaderCreate());
  if (!fresh) throw std::bad_alloc();
  r_ = std::move(fresh);
}

// ---- encoding ----

namespace {
// Frees a command redisFormatCommandArgv allocated.
struct command_deleter {
  void operator()(char* p) const noexcept { redisFreeCommand(p); }
};
}  // namespace

void encode_command(std::string& out, std::span<const std::string_view> args) {
  constexpr std::size_t inline_args = 8;
  const char* argv_small[inline_args];
  std::size_t len_small[inline_args];
  std::vector<const char*> argv_big;
  std::vector<std::size_t> len_big;
  const char** argv = argv_small;
  std::size_t* lens = len_small;
  if (args.size() > inline_args) {
    argv_big.resize(args.size());
    len_big.resize(args.size());
    argv = argv_big.data();
    lens = len_big.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  char* raw = nullptr;
  const int n = redisFormatCommandArgv(&raw, static_cast<int>(args.size()), argv, lens);
  std::unique_ptr<char, command_deleter> cmd(raw);
  if (n < 0 || !cmd) throw std::bad_alloc();
  out.append(cmd.get(), static_cast<std::size_t>(n));
}

namespace {
void append_prefixed_size(std::string& out, char prefix, std::size_t n) {
  char buf[24];
  buf[0] = prefix;
  auto r = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  out.append(buf, r.ptr);
}
}  // namespace

void append_array_header(std::string& out, std::size_t n) { append_prefixed_size(out, '*', n); }

void append_bulk(std::string& out, std::string_view a, std::string_view b) {
  append_prefixed_size(out, '$', a.size() + b.size());
  out.append(a);
  out.append(b);
  out.append("\r\n", 2);
}

// ---- request ----

void request::commit(std::size_t commands, reply_fn last) {
  if (commands == 0) return;
  commands_ += commands;
  if (commands > 1) {
    if (!expect_.empty() && !expect_.back().fn) {
      expect_.back().count += commands - 1;
    } else {
      expect_.push_back({reply_fn{}, commands - 1});
    }
  }
  if (!last && !expect_.empty() && !expect_.back().fn) {
    ++expect_.back().count;
  } else {
    expect_.push_back({std::move(last), 1});
  }
}

void request::push(std::span<const std::string_view> args, reply_fn fn) {
  encode_command(payload_, args);
  ++commands_;
  if (!fn && !expect_.empty() && !expect_.back().fn) {
    ++expect_.back().count;
  } else {
    expect_.push_back({std::move(fn), 1});
  }
}

void request::push_unacknowledged(std::span<const std::string_view> args) {
  encode_command(payload_, args);
  ++commands_;
}

// ---- reply_dispatcher ----

void reply_dispatcher::expect(std::vector<reply_expectation>& ex) {
  for (auto& e : ex) {
    if (e.count == 0) continue;
    waiting_ += e.count;
    if (!e.fn && !queue_.empty() && !queue_.back().fn) {
      queue_.back().count += e.count;
    } else {
      queue_.push_back(std::move(e));
    }
  }
  ex.clear();
}

bool reply_dispatcher::is_push(reply_view r) noexcept {
  if (r.type() != reply_view::kind::array || r.size() < 1) return false;
  const auto k = r[0].str();
  return k == "message" || k == "smessage" || k == "pmessage" || k == "subscribe" || k == "unsubscribe" ||
         k == "ssubscribe" || k == "sunsubscribe" || k == "psubscribe" || k == "punsubscribe";
}

reply_dispatcher::outcome reply_dispatcher::on_reply(reply_view r, const push_fn& push) {
  if (subscriber_ && is_push(r)) {
    if (push) push(r);
    return outcome::pushed;
  }
  if (queue_.empty()) return outcome::unexpected;
  --waiting_;
  auto& front = queue_.front();
  if (!front.fn) {
    if (--front.count == 0) queue_.pop_front();
    return outcome::dispatched;
  }
  // Take the callback out before running it: it may queue more commands.
  reply_fn fn;
  if (front.count > 1) {
    --front.count;
    fn = front.fn;
  } else {
    fn = std::move(front.fn);
    queue_.pop_front();
  }
  const boost::system::error_code ec =
      r.is_error() ? make_error_code(error::server_error) : boost::system::error_code{};
  fn(ec, r);
  return outcome::dispatched;
}

void reply_dispatcher::fail_all(boost::system::error_code ec) {
  std::deque<reply_expectation> failed;
  failed.swap(queue_);
  waiting_ = 0;
  for (auto& e : failed)
    if (e.fn)
      for (std::size_t i = 0; i < e.count; ++i) e.fn(ec, reply_view{});
}

// ---- write_queue ----

bool write_queue::push(std::string_view bytes) {
  if (!would_fit(bytes.size())) return false;
  queued_.append(bytes);
  return true;
}

bool write_queue::push_owned(std::string&& bytes) {
  if (!would_fit(bytes.size())) return false;
  if (queued_.empty()) {
    queued_.swap(bytes);
  } else {
    queued_.append(bytes);
  }
  return true;
}

const std::string* write_queue::begin_write() {
  if (in_flight_ || queued_.empty()) return nullptr;
  writing_.clear();
  writing_.swap(queued_);
  in_flight_ = true;
  return &writing_;
}

void write_queue::finish_write() {
  in_flight_ = false;
  writing_.clear();
}

void write_queue::clear() {
  queued_.clear();
  writing_.clear();
  in_flight_ = false;
}

}  // namespace mdfan::redis
