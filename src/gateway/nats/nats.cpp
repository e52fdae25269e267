#include "faasgate/nats/nats.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace faasgate::nats {

struct Message::Raw {
  natsMsg* msg;
};
struct Subscription::Raw {
  natsSubscription* sub;
};
struct Connection::Raw {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::string where;  // the redacted URL, for logs
  // libnats runs the connection's callbacks on a thread of its own, after Close() returned: the
  // destructor waits for the last one (closed) before freeing what they see.
  std::atomic<bool> closing{false};
  std::mutex mu;
  std::condition_variable closed_cv;
  bool closed = false;
};

namespace {

std::int64_t ns(std::chrono::milliseconds d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); }

bool unreachable(natsStatus s) {
  return s == NATS_NOT_YET_CONNECTED || s == NATS_CONNECTION_CLOSED || s == NATS_CONNECTION_DISCONNECTED ||
         s == NATS_NO_SERVER || s == NATS_NO_RESPONDERS || s == NATS_IO_ERROR || s == NATS_STALE_CONNECTION;
}

// `what` failed with status `s` (and JetStream's error code `jerr`). The text is libnats' name
// for the status and, for a JetStream API error, the server's description of it (the limit it
// hit, the stream it lacks): neither carries a payload or credentials.
NatsError error_of(std::string what, natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  NatsError e{NatsErrc::refused, std::move(what), static_cast<int>(jerr)};
  if (unreachable(s)) e.code = NatsErrc::unavailable;
  else if (s == NATS_TIMEOUT) e.code = NatsErrc::timeout;
  else if (s == NATS_MAX_PAYLOAD) e.code = NatsErrc::too_large;
  else if (jerr == JSStreamNotFoundErr || jerr == JSConsumerNotFoundErr || (s == NATS_NOT_FOUND && jerr == 0))
    e.code = NatsErrc::not_found;
  else if (s == NATS_INVALID_ARG || s == NATS_INVALID_SUBJECT || s == NATS_ADDRESS_MISSING) e.code = NatsErrc::invalid;
  e.message += ": ";
  e.message += natsStatus_GetText(s);
  if (jerr != 0) {
    e.message += " (JetStream error " + std::to_string(static_cast<int>(jerr));
    natsStatus last = NATS_OK;
    if (const char* text = nats_GetLastError(&last); text != nullptr && *text != '\0') {
      e.message += ": ";
      e.message += text;
    }
    e.message += ")";
  }
  return e;
}

NatsError not_connected(const std::string& what) {
  return {NatsErrc::unavailable, what + ": not connected to the NATS server", 0};
}

jsOptions js_options(std::chrono::milliseconds timeout) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = std::max<std::int64_t>(1, timeout.count());
  return o;
}

struct Owned {
  natsOptions* opts = nullptr;
  ~Owned() {
    if (opts) natsOptions_Destroy(opts);
  }
};

void on_disconnected(natsConnection*, void* closure) {
  auto* raw = static_cast<Connection::Raw*>(closure);
  if (!raw->closing) spdlog::warn("nats: disconnected from {}, reconnecting", raw->where);
}
void on_closed(natsConnection*, void* closure) {
  auto* raw = static_cast<Connection::Raw*>(closure);
  std::lock_guard lock(raw->mu);
  raw->closed = true;
  raw->closed_cv.notify_all();
}
void on_reconnected(natsConnection*, void* closure) {
  spdlog::info("nats: reconnected to {}", static_cast<Connection::Raw*>(closure)->where);
}
void on_connected(natsConnection*, void* closure) {
  spdlog::info("nats: connected to {}", static_cast<Connection::Raw*>(closure)->where);
}

}  // namespace

std::string redacted_url(std::string_view url) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= url.size()) {
    auto comma = url.find(',', pos);
    auto one = url.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    auto scheme = one.find("://");
    auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
    auto at = one.find('@', start);
    if (!out.empty()) out += ',';
    if (at == std::string_view::npos) {
      out += one;
    } else {
      out += one.substr(0, start);
      out += "***@";
      out += one.substr(at + 1);
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

// ---- Message ------------------------------------------------------------------------------

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    this->~Message();
    raw_ = std::exchange(other.raw_, nullptr);
  }
  return *this;
}

Message::~Message() {
  if (raw_) {
    natsMsg_Destroy(raw_->msg);
    delete raw_;
  }
}

std::string_view Message::data() const {
  return {natsMsg_GetData(raw_->msg), static_cast<std::size_t>(natsMsg_GetDataLength(raw_->msg))};
}

std::optional<std::string> Message::header(const char* name) const {
  const char* value = nullptr;
  if (natsMsgHeader_Get(raw_->msg, name, &value) != NATS_OK || value == nullptr) return std::nullopt;
  return std::string(value);
}

std::uint64_t Message::stream_sequence() const { return natsMsg_GetSequence(raw_->msg); }

std::uint64_t Message::deliveries() const {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, raw_->msg) != NATS_OK || meta == nullptr) return 0;
  const auto n = meta->NumDelivered;
  jsMsgMetaData_Destroy(meta);
  return n;
}

Result<void> Message::ack(std::chrono::milliseconds timeout) {
  auto o = js_options(timeout);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (auto s = natsMsg_AckSync(raw_->msg, &o, &jerr); s != NATS_OK) return core::fail(error_of("cannot acknowledge", s, jerr));
  return {};
}

Result<void> Message::nak(std::chrono::milliseconds delay) {
  auto s = delay.count() > 0 ? natsMsg_NakWithDelay(raw_->msg, delay.count(), nullptr) : natsMsg_Nak(raw_->msg, nullptr);
  if (s != NATS_OK) return core::fail(error_of("cannot hand a message back", s));
  return {};
}

Result<void> Message::in_progress() {
  if (auto s = natsMsg_InProgress(raw_->msg, nullptr); s != NATS_OK) return core::fail(error_of("cannot extend a lease", s));
  return {};
}

Result<void> Message::term() {
  if (auto s = natsMsg_Term(raw_->msg, nullptr); s != NATS_OK) return core::fail(error_of("cannot terminate", s));
  return {};
}

// ---- Subscription -------------------------------------------------------------------------

Subscription::~Subscription() {
  if (raw_) {
    natsSubscription_Destroy(raw_->sub);  // leaves a durable consumer on the server
    delete raw_;
  }
}

Result<std::vector<Message>> Subscription::fetch(int batch, std::chrono::milliseconds wait) {
  std::vector<Message> out;
  if (batch <= 0) return out;
  // libnats asks for what is there first and only then waits (a "no wait" request of its own
  // waits its whole expiry when the consumer has nothing): an empty fetch costs `wait`.
  natsMsgList list{nullptr, 0};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto s = natsSubscription_Fetch(&list, raw_->sub, batch, std::max<std::int64_t>(10, wait.count()), &jerr);
  for (int i = 0; i < list.Count; ++i) {
    out.emplace_back(new Message::Raw{list.Msgs[i]});
    list.Msgs[i] = nullptr;  // owned by `out` now; natsMsgList_Destroy skips it
  }
  natsMsgList_Destroy(&list);
  if (s == NATS_OK || s == NATS_TIMEOUT || s == NATS_NOT_FOUND) return out;  // none there: not an error
  return core::fail(error_of("cannot fetch messages", s, jerr));
}

Result<std::optional<Message>> Subscription::next(std::chrono::milliseconds timeout) {
  natsMsg* msg = nullptr;
  auto s = natsSubscription_NextMsg(&msg, raw_->sub, std::max<std::int64_t>(1, timeout.count()));
  if (s == NATS_TIMEOUT) return std::optional<Message>();
  if (s != NATS_OK) return core::fail(error_of("cannot read the next message", s));
  return std::optional<Message>(Message(new Message::Raw{msg}));
}

// ---- Connection ---------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::connect(const ConnectionOptions& options) {
  auto raw = std::make_unique<Raw>();
  raw->where = redacted_url(options.url);
  Owned o;
  auto check = [&](natsStatus s, const std::string& what) -> std::optional<NatsError> {
    if (s == NATS_OK) return std::nullopt;
    return error_of("cannot set the NATS connection's " + what, s);
  };
  if (auto s = natsOptions_Create(&o.opts); s != NATS_OK) return core::fail(error_of("cannot create NATS options", s));
  // SetServers takes a list; SetURL one URL or a comma-separated list: the latter.
  for (const auto& e : {check(natsOptions_SetURL(o.opts, options.url.c_str()), "URL (" + raw->where + ")"),
                 check(natsOptions_SetName(o.opts, options.name.c_str()), "name"),
                 check(natsOptions_SetTimeout(o.opts, options.connect_timeout.count()), "timeout"),
                 check(natsOptions_SetMaxReconnect(o.opts, -1), "reconnect count"),
                 check(natsOptions_SetReconnectWait(o.opts, options.reconnect_wait.count()), "reconnect wait"),
                 check(natsOptions_SetReconnectJitter(o.opts, 100, 1000), "reconnect jitter"),
                 check(natsOptions_SetReconnectBufSize(o.opts, options.reconnect_buffer_bytes), "reconnect buffer"),
                 check(natsOptions_SetFailRequestsOnDisconnect(o.opts, true), "request policy"),
                 check(natsOptions_SetRetryOnFailedConnect(o.opts, true, on_connected, raw.get()), "connect retry"),
                 check(natsOptions_SetDisconnectedCB(o.opts, on_disconnected, raw.get()), "callbacks"),
                 check(natsOptions_SetReconnectedCB(o.opts, on_reconnected, raw.get()), "callbacks"),
                 check(natsOptions_SetClosedCB(o.opts, on_closed, raw.get()), "callbacks")}) {
    if (e) return core::fail(*e);
  }
  if (!options.user.empty()) {
    if (auto s = natsOptions_SetUserInfo(o.opts, options.user.c_str(), options.password.c_str()); s != NATS_OK)
      return core::fail(error_of("cannot set the NATS user", s));
  }
  if (!options.credentials_file.empty()) {
    if (auto s = natsOptions_SetUserCredentialsFromFiles(o.opts, options.credentials_file.c_str(), nullptr); s != NATS_OK)
      return core::fail(error_of("cannot use the NATS credentials file", s));
  }
  auto s = natsConnection_Connect(&raw->nc, o.opts);
  if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
    return core::fail(error_of("cannot connect to the NATS server " + raw->where, s));
  }
  if (s == NATS_NOT_YET_CONNECTED) spdlog::warn("nats: {} is unreachable; connecting in the background", raw->where);
  if (auto js = natsConnection_JetStream(&raw->js, raw->nc, nullptr); js != NATS_OK) {
    natsConnection_Destroy(raw->nc);
    return core::fail(error_of("cannot open a JetStream context", js));
  }
  return std::unique_ptr<Connection>(new Connection(raw.release()));
}

Connection::~Connection() {
  raw_->closing = true;
  jsCtx_Destroy(raw_->js);
  natsConnection_Close(raw_->nc);
  {
    std::unique_lock lock(raw_->mu);
    if (!raw_->closed_cv.wait_for(lock, std::chrono::seconds(10), [this] { return raw_->closed; })) {
      // Never seen; but then a late callback must not find freed memory: keep it.
      natsConnection_Destroy(raw_->nc);
      return;
    }
  }
  natsConnection_Destroy(raw_->nc);
  delete raw_;
}

bool Connection::connected() const { return natsConnection_Status(raw_->nc) == NATS_CONN_STATUS_CONNECTED; }

std::int64_t Connection::max_payload() const { return connected() ? natsConnection_GetMaxPayload(raw_->nc) : 0; }

Result<void> Connection::ensure_stream(const StreamConfig& config, std::chrono::milliseconds timeout) {
  const std::string what = "cannot set up the stream " + config.name;
  if (!connected()) return core::fail(not_connected(what));
  std::vector<const char*> subjects;
  for (const auto& s : config.subjects) subjects.push_back(s.c_str());
  jsStreamConfig c;
  jsStreamConfig_Init(&c);
  c.Name = config.name.c_str();
  c.Subjects = subjects.data();
  c.SubjectsLen = static_cast<int>(subjects.size());
  c.Retention = config.retention == Retention::work_queue ? js_WorkQueuePolicy : js_LimitsPolicy;
  c.Storage = js_FileStorage;
  c.MaxMsgs = config.max_msgs;
  c.MaxBytes = config.max_bytes;
  c.MaxMsgsPerSubject = config.max_msgs_per_subject;
  c.MaxAge = std::chrono::duration_cast<std::chrono::nanoseconds>(config.max_age).count();
  c.Discard = config.discard_new ? js_DiscardNew : js_DiscardOld;
  c.DiscardNewPerSubject = config.discard_new && config.max_msgs_per_subject > 0;
  c.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(config.duplicate_window).count();
  auto o = js_options(timeout);
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto s = js_AddStream(&info, raw_->js, &c, &o, &jerr);
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateStream(&info, raw_->js, &c, &o, &jerr);
  }
  if (info) jsStreamInfo_Destroy(info);
  if (s != NATS_OK) return core::fail(error_of(what, s, jerr));
  return {};
}

Result<StreamState> Connection::stream_state(const std::string& stream, std::chrono::milliseconds timeout) {
  const std::string what = "cannot read the stream " + stream;
  if (!connected()) return core::fail(not_connected(what));
  auto o = js_options(timeout);
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto s = js_GetStreamInfo(&info, raw_->js, stream.c_str(), &o, &jerr);
  if (s != NATS_OK) {
    if (info) jsStreamInfo_Destroy(info);
    return core::fail(error_of(what, s, jerr));
  }
  StreamState state{info->State.Msgs, info->State.Bytes};
  jsStreamInfo_Destroy(info);
  return state;
}

Result<PublishAck> Connection::publish(const std::string& subject, std::string_view data, const std::string& msg_id,
                                       std::chrono::milliseconds timeout,
                                       const std::vector<std::pair<std::string, std::string>>& headers) {
  const std::string what = "cannot publish to " + subject;
  // Disconnected, libnats would buffer the message and send it after reconnecting - maybe after
  // the caller was told it failed. Refusing here keeps "not stored" meaning not stored.
  if (!connected()) return core::fail(not_connected(what));
  if (auto max = max_payload(); max > 0 && data.size() > static_cast<std::uint64_t>(max)) {
    return core::fail(NatsError{NatsErrc::too_large,
                                what + ": " + std::to_string(data.size()) + " bytes are beyond the server's max_payload of " +
                                    std::to_string(max) + " bytes",
                                0});
  }
  natsMsg* msg = nullptr;
  if (auto s = natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size())); s != NATS_OK)
    return core::fail(error_of(what, s));
  Message owned(new Message::Raw{msg});
  for (const auto& [k, v] : headers) {
    if (auto s = natsMsgHeader_Add(msg, k.c_str(), v.c_str()); s != NATS_OK) return core::fail(error_of(what, s));
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = std::max<std::int64_t>(1, timeout.count());
  if (!msg_id.empty()) po.MsgId = msg_id.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto s = js_PublishMsg(&ack, raw_->js, msg, &po, &jerr);
  if (s != NATS_OK) {
    if (ack) jsPubAck_Destroy(ack);
    return core::fail(error_of(what, s, jerr));
  }
  PublishAck out{ack->Sequence, ack->Duplicate};
  jsPubAck_Destroy(ack);
  return out;
}

Result<std::unique_ptr<Subscription>> Connection::pull_subscribe(const PullConsumer& consumer,
                                                                 std::chrono::milliseconds timeout) {
  const std::string what = "cannot subscribe to " + consumer.stream + "/" + consumer.durable;
  if (!connected()) return core::fail(not_connected(what));
  jsConsumerConfig c;
  jsConsumerConfig_Init(&c);
  c.Durable = consumer.durable.c_str();
  c.AckPolicy = js_AckExplicit;
  c.AckWait = ns(consumer.ack_wait);
  c.MaxDeliver = -1;
  c.MaxAckPending = consumer.max_ack_pending;
  if (!consumer.filter_subject.empty()) c.FilterSubject = consumer.filter_subject.c_str();
  auto o = js_options(timeout);
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  // Created, or brought to this configuration (an operator changed --queue-ack-wait).
  auto s = js_AddConsumer(&info, raw_->js, consumer.stream.c_str(), &c, &o, &jerr);
  if (info) jsConsumerInfo_Destroy(info), info = nullptr;
  if (s != NATS_OK && jerr != 0 && jerr != JSStreamNotFoundErr) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateConsumer(&info, raw_->js, consumer.stream.c_str(), &c, &o, &jerr);
    if (info) jsConsumerInfo_Destroy(info), info = nullptr;
  }
  if (s != NATS_OK) return core::fail(error_of(what, s, jerr));
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = consumer.stream.c_str();
  so.Consumer = consumer.durable.c_str();  // bound to the consumer above, as it is
  natsSubscription* sub = nullptr;
  jerr = static_cast<jsErrCode>(0);
  s = js_PullSubscribe(&sub, raw_->js, consumer.filter_subject.c_str(), consumer.durable.c_str(), &o, &so, &jerr);
  if (s != NATS_OK) return core::fail(error_of(what, s, jerr));
  return std::make_unique<Subscription>(new Subscription::Raw{sub});
}

Result<std::unique_ptr<Subscription>> Connection::subscribe_ordered(const std::string& stream,
                                                                    const std::string& subject) {
  const std::string what = "cannot follow " + stream;
  if (!connected()) return core::fail(not_connected(what));
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  auto o = js_options(std::chrono::milliseconds(5000));
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  auto s = js_SubscribeSync(&sub, raw_->js, subject.c_str(), &o, &so, &jerr);
  if (s != NATS_OK) return core::fail(error_of(what, s, jerr));
  return std::make_unique<Subscription>(new Subscription::Raw{sub});
}

}  // namespace faasgate::nats
