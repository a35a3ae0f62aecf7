#pragma once
// RESP without I/O: command encoding (hiredis' formatter), reply parsing (hiredis' reader), matching
// replies to callbacks, and write coalescing. The connection drives these; unit tests drive them directly.
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// hiredis types, declared here so that only our .cpp files include hiredis.
struct redisReply;
struct redisReader;

namespace mdfan::redis {

// A read-only view of one RESP reply (or of an element of one); valid while its reply_ptr lives.
class reply_view {
 public:
  enum class kind { none, string, array, integer, nil, status, error };

  reply_view() = default;
  explicit reply_view(const redisReply* r) noexcept : r_(r) {}

  kind type() const noexcept;
  bool valid() const noexcept { return r_ != nullptr; }
  bool is_error() const noexcept { return type() == kind::error; }
  // Bytes of a string, status or error reply; empty otherwise.
  std::string_view str() const noexcept;
  long long integer() const noexcept;
  // Elements of an array reply; 0 otherwise.
  std::size_t size() const noexcept;
  reply_view operator[](std::size_t i) const noexcept;

 private:
  const redisReply* r_ = nullptr;
};

// Frees a reply hiredis allocated.
struct reply_deleter {
  void operator()(redisReply* r) const noexcept;
};
// Owns one reply as hiredis allocated it.
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// Runs with the reply of one command. `ec` is empty on success; error::server_error when Redis answered
// with an error reply (`r` holds it); any other code when no reply came (`r` is then empty).
using reply_fn = std::function<void(boost::system::error_code ec, reply_view r)>;

// An incremental RESP parser: feed bytes as they arrive, pull complete replies.
class resp_reader {
 public:
  resp_reader();  // throws std::bad_alloc when hiredis cannot allocate
  enum class status { reply, need_more, error };

  // Copies `n` bytes into the parser. False on a parser error (see error_text()).
  bool feed(const char* data, std::size_t n);
  // The next complete reply, when there is one.
  status next(reply_ptr& out);
  std::string error_text() const;
  // Discards buffered bytes and parser state (after a connection loss).
  void reset();

 private:
  // Frees hiredis' reader.
  struct reader_deleter {
    void operator()(redisReader* r) const noexcept;
  };
  std::unique_ptr<redisReader, reader_deleter> r_;
};

// Appends one command in RESP form (redisFormatCommandArgv) to `out`.
void encode_command(std::string& out, std::span<const std::string_view> args);
inline void encode_command(std::string& out, std::initializer_list<std::string_view> args) {
  encode_command(out, std::span<const std::string_view>(args.begin(), args.size()));
}

// A RESP writer for hot paths that encode their own commands (the bridge's PUBLISH batches): plain
// appends and std::to_chars, where hiredis' formatter allocates and sprintf()s per command.
// "*<n>\r\n": the start of a command of n arguments.
void append_array_header(std::string& out, std::size_t n);
// "$<len>\r\n<a><b>\r\n": one argument, given in up to two parts (e.g. prefix + topic).
void append_bulk(std::string& out, std::string_view a, std::string_view b = {});

// What to do with the next `count` replies: hand each to `fn` (none: discard).
struct reply_expectation {
  reply_fn fn;
  std::size_t count = 1;
};

// Commands encoded back to back, sent in one write, with what to do with each reply.
class request {
 public:
  // A command whose reply goes to `fn` (or is discarded when `fn` is empty).
  void push(std::span<const std::string_view> args, reply_fn fn = {});
  void push(std::initializer_list<std::string_view> args, reply_fn fn = {}) {
    push(std::span<const std::string_view>(args.begin(), args.size()), std::move(fn));
  }
  // A command that gets no ordinary reply: SUBSCRIBE / UNSUBSCRIBE on a subscriber connection, whose
  // acknowledgements arrive as pushes.
  void push_unacknowledged(std::span<const std::string_view> args);
  void push_unacknowledged(std::initializer_list<std::string_view> args) {
    push_unacknowledged(std::span<const std::string_view>(args.begin(), args.size()));
  }

  // For commands the caller encodes itself: append complete commands to raw() (append_array_header,
  // append_bulk), then commit(n, last): n commands were appended; the replies of all but the last are
  // discarded, the last one's goes to `last` (discarded too when empty).
  std::string& raw() noexcept { return payload_; }
  void commit(std::size_t commands, reply_fn last = {});

  bool empty() const noexcept { return commands_ == 0; }
  std::size_t commands() const noexcept { return commands_; }
  const std::string& payload() const noexcept { return payload_; }
  std::vector<reply_expectation>& expectations() noexcept { return expect_; }

 private:
  std::string payload_;
  std::vector<reply_expectation> expect_;  // run-length: consecutive discarded replies share an entry
  std::size_t commands_ = 0;
};

// Matches replies, in order, to the commands that are waiting for them. On a subscriber connection,
// pub/sub messages and (un)subscribe acknowledgements are pushes: they go to the push handler and do
// not consume a waiting command.
class reply_dispatcher {
 public:
  using push_fn = std::function<void(reply_view)>;
  enum class outcome { dispatched, pushed, unexpected };

  explicit reply_dispatcher(bool subscriber_mode) : subscriber_(subscriber_mode) {}

  void expect(std::vector<reply_expectation>& ex);
  // Routes one reply. The callback or push handler runs before this returns; it may call expect().
  outcome on_reply(reply_view r, const push_fn& push);
  // Fails every waiting command with `ec` (connection lost or stopped).
  void fail_all(boost::system::error_code ec);
  std::size_t waiting() const noexcept { return waiting_; }

  // True for a pub/sub push ("message", "smessage", "subscribe", ...), as opposed to a command reply.
  static bool is_push(reply_view r) noexcept;

 private:
  bool subscriber_;
  std::deque<reply_expectation> queue_;
  std::size_t waiting_ = 0;
};

// Coalesces encoded commands so that one write is in flight and everything queued meanwhile goes out
// together in the next write. `max_bytes` bounds the queued (not yet writing) bytes; 0: no bound.
class write_queue {
 public:
  explicit write_queue(std::size_t max_bytes = 0) : max_bytes_(max_bytes) {}

  // Queues bytes; false (nothing queued) when the bound would be exceeded.
  bool push(std::string_view bytes);
  // The same, taking the buffer over when nothing is queued (no copy); `bytes` is left unspecified on
  // success and untouched on failure.
  bool push_owned(std::string&& bytes);
  bool would_fit(std::size_t n) const noexcept { return max_bytes_ == 0 || queued_.size() + n <= max_bytes_; }
  // When no write is in flight and bytes are queued: all of them become the write in flight, returned
  // here (valid until finish()). Otherwise nullptr.
  const std::string* begin_write();
  void finish_write();
  void clear();

  bool in_flight() const noexcept { return in_flight_; }
  std::size_t queued_bytes() const noexcept { return queued_.size(); }
  bool idle() const noexcept { return !in_flight_ && queued_.empty(); }

 private:
  std::size_t max_bytes_;
  std::string queued_;
  std::string writing_;
  bool in_flight_ = false;
};

}  // namespace mdfan::redis
