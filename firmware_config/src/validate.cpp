#include "edgeroute/firmware_config/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "edgeroute/firmware_config/device_profiles.h"
#include "edgeroute/firmware_config/trust_anchor.h"
#include "field_order.h"

namespace edgeroute::firmware_config {
namespace {

constexpr std::int32_t kTcpPortMax = 65535;
constexpr std::size_t kQuotedLengthMax = 80;

class Errors {
 public:
  void add(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::move(message)});
  }
  std::vector<ConfigError> take() { return std::move(errors_); }

 private:
  std::vector<ConfigError> errors_;
};

// The value in single quotes for a message; control characters escaped and long
// values shortened, so that a hostile file cannot garble the terminal.
std::string quoted(std::string_view value) {
  std::string text = "'";
  for (char c : value.substr(0, kQuotedLengthMax)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      text += fmt::format("\\x{:02x}", byte);
    } else {
      text += c;
    }
  }
  text += value.size() > kQuotedLengthMax ? "...'" : "'";
  return text;
}

std::string outside(std::int32_t value, std::int32_t min, std::int32_t max) {
  return fmt::format("{} is outside {}..{}", value, min, max);
}

// ---- text rules -------------------------------------------------------------------

void check_id(Errors& errors, const std::string& path, std::string_view id) {
  if (id.empty()) return errors.add(path, "must not be empty");
  if (id.size() > kIdLengthMax) {
    return errors.add(path, fmt::format("{} is {} characters long; the limit is {}", quoted(id),
                                        id.size(), kIdLengthMax));
  }
  if (!std::all_of(id.begin(), id.end(), is_identifier_character)) {
    errors.add(path, quoted(id) + " may contain only lowercase letters, digits, '-' and '_'");
  }
}

// An IP literal as bytes; a family tag keeps 4-byte and 16-byte forms apart.
struct IpAddress {
  int family = 0;
  std::array<unsigned char, 16> bytes{};

  bool is_wildcard() const {
    return std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; });
  }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

std::optional<IpAddress> parse_ip_address(const std::string& text) {
  IpAddress address;
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), address.bytes.data()) == 1) {
      address.family = family;
      return address;
    }
  }
  return std::nullopt;
}

// Whether two bound sockets on one port would collide: the same address, a wildcard
// and an address of its family, or the IPv6 wildcard, which on Linux also takes every
// IPv4 address (dual-stack, net.ipv6.bindv6only=0).
bool addresses_overlap(const IpAddress& a, const IpAddress& b) {
  if (a == b) return true;
  const bool v6_wildcard =
      (a.family == AF_INET6 && a.is_wildcard()) || (b.family == AF_INET6 && b.is_wildcard());
  if (v6_wildcard) return true;
  return a.family == b.family && (a.is_wildcard() || b.is_wildcard());
}

bool is_host_label(std::string_view label) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  };
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::all_of(label.begin(), label.end(), allowed);
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > kHostNameLengthMax) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!is_host_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

void check_host(Errors& errors, const std::string& path, const std::string& host) {
  if (host.empty()) return errors.add(path, "must not be empty");
  if (!is_host_name(host) && !parse_ip_address(host)) {
    errors.add(path, quoted(host) + " is not a host name or IP address");
  }
}

// ---- fields -------------------------------------------------------------------------

void check_schema_version(Errors& errors, std::int32_t version) {
  if (version == kSchemaVersionCurrent) return;
  errors.add("schema_version", fmt::format("{} is not supported (this build reads version {})",
                                           version, kSchemaVersionCurrent));
}

void check_device_profile(Errors& errors, const std::string& name) {
  if (device_profile_json(name)) return;
  errors.add("device_profile", fmt::format("{} is not a known profile (known: {})", quoted(name),
                                           known_device_profiles_list()));
}

void check_served_node_ids(Errors& errors, const std::vector<std::string>& ids) {
  if (ids.empty()) return errors.add("served_node_ids", "must list at least one node");
  if (ids.size() > kServedNodeIdsMax) {
    return errors.add("served_node_ids", fmt::format("lists {} nodes; the limit is {}", ids.size(),
                                                     kServedNodeIdsMax));
  }
  std::unordered_map<std::string_view, std::size_t> first_index;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string path = fmt::format("served_node_ids[{}]", i);
    check_id(errors, path, ids[i]);
    const auto [first, inserted] = first_index.emplace(ids[i], i);
    if (!inserted) {
      errors.add(path, fmt::format("{} is already listed at served_node_ids[{}]", quoted(ids[i]),
                                   first->second));
    }
  }
}

void check_port(Errors& errors, const std::string& path, std::int32_t port, std::int32_t min) {
  if (port < min || port > kTcpPortMax) errors.add(path, fmt::format("{} is not a TCP port", port));
}

struct NamedListener {
  std::string_view name;
  const Listener& listener;
};

void check_listener(Errors& errors, const NamedListener& named) {
  const std::string prefix(named.name);
  if (!parse_ip_address(named.listener.address)) {
    errors.add(prefix + ".address",
               quoted(named.listener.address) + " is not an IPv4 or IPv6 address");
  }
  check_port(errors, prefix + ".port", named.listener.port, 0);
}

// Each listener is compared with those before it, so a clash is reported once, on
// the later one. Port 0 never clashes: the operating system picks distinct ports.
void check_listeners_distinct(Errors& errors, const std::array<NamedListener, 3>& listeners) {
  for (std::size_t later = 1; later < listeners.size(); ++later) {
    const Listener& current = listeners[later].listener;
    const auto current_address = parse_ip_address(current.address);
    if (!current_address || current.port <= 0) continue;
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      const Listener& other = listeners[earlier].listener;
      const auto other_address = parse_ip_address(other.address);
      if (!other_address || other.port != current.port) continue;
      if (!addresses_overlap(*current_address, *other_address)) continue;
      errors.add(fmt::format("{}.port", listeners[later].name),
                 fmt::format("{} is already used by {} on {}", current.port,
                             listeners[earlier].name, other.address));
      break;
    }
  }
}

void check_data_dir(Errors& errors, const std::string& data_dir) {
  if (data_dir.empty()) return errors.add("data_dir", "must not be empty");
  if (data_dir.size() > kPathLengthMax) {
    return errors.add("data_dir", fmt::format("is {} characters long; the limit is {}",
                                              data_dir.size(), kPathLengthMax));
  }
  if (data_dir.front() != '/')
    errors.add("data_dir", quoted(data_dir) + " is not an absolute path");
}

void check_range(Errors& errors, std::string path, std::int32_t value, std::int32_t min,
                 std::int32_t max) {
  if (value < min || value > max) errors.add(std::move(path), outside(value, min, max));
}

void check_queue_capacity(Errors& errors, std::string path, std::int32_t capacity) {
  if (capacity < kQueueCapacityMin || capacity > kQueueCapacityMax) {
    return errors.add(std::move(path), outside(capacity, kQueueCapacityMin, kQueueCapacityMax));
  }
  if (!std::has_single_bit(static_cast<std::uint32_t>(capacity))) {
    errors.add(std::move(path), fmt::format("{} is not a power of two", capacity));
  }
}

void check_queues(Errors& errors, const Queues& queues) {
  check_queue_capacity(errors, "queues.ingress_capacity", queues.ingress_capacity);
  check_queue_capacity(errors, "queues.journal_capacity", queues.journal_capacity);
  check_queue_capacity(errors, "queues.completion_capacity", queues.completion_capacity);
}

void check_journal(Errors& errors, const Journal& journal) {
  check_range(errors, "journal.batch_max_decisions", journal.batch_max_decisions,
              kBatchMaxDecisionsMin, kBatchMaxDecisionsMax);
  check_range(errors, "journal.batch_max_delay_us", journal.batch_max_delay_us, kBatchMaxDelayUsMin,
              kBatchMaxDelayUsMax);
  check_range(errors, "journal.wal_checkpoint_pages", journal.wal_checkpoint_pages,
              kWalCheckpointPagesMin, kWalCheckpointPagesMax);
}

void check_central(Errors& errors, const Central& central) {
  check_host(errors, "central.host", central.host);
  check_port(errors, "central.port", central.port, 1);
  // Reported only when it differs from host, which is then already checked.
  if (central.server_name != central.host) {
    check_host(errors, "central.server_name", central.server_name);
  }
  // The three TLS files come together: a gateway with some of them meant to sync.
  const std::pair<const char*, const std::string*> tls_files[] = {
      {"central.ca_certificate", &central.ca_certificate},
      {"central.certificate", &central.certificate},
      {"central.private_key", &central.private_key}};
  const bool any = std::any_of(std::begin(tls_files), std::end(tls_files),
                               [](const auto& file) { return !file.second->empty(); });
  if (!any) return;
  for (const auto& [field, path] : tls_files) {
    if (path->empty()) {
      errors.add(field, "is required when the other central TLS files are given");
    } else if (path->front() != '/') {
      errors.add(field, quoted(*path) + " is not an absolute path");
    } else if (path->size() > kPathLengthMax) {
      errors.add(field, fmt::format("is {} characters long; the limit is {}", path->size(),
                                    kPathLengthMax));
    }
  }
}

void check_trust_anchor(Errors& errors, const std::string& base64) {
  const auto key = decode_trust_anchor(base64);
  if (!key) errors.add("policy_trust_anchor", key.status().message());
}

void check_wan_interface(Errors& errors, const std::string& name) {
  if (name.empty()) return errors.add("wan_interface", "must not be empty");
  if (name.size() > kInterfaceNameLengthMax) {
    return errors.add("wan_interface",
                      fmt::format("{} is longer than {} characters, the kernel's limit",
                                  quoted(name), kInterfaceNameLengthMax));
  }
  // The kernel's dev_valid_name(): no '/', ':' or white space, and not "." or "..".
  const bool bad_character = name.find_first_of("/: \t\n\v\f\r") != std::string::npos;
  if (bad_character || name == "." || name == "..") {
    errors.add("wan_interface", quoted(name) + " is not a network interface name");
  }
}

}  // namespace

std::vector<ConfigError> validate(const GatewayConfig& config) {
  Errors errors;
  check_schema_version(errors, config.schema_version);
  check_device_profile(errors, config.device_profile);
  check_id(errors, "gateway_id", config.gateway_id);
  check_served_node_ids(errors, config.served_node_ids);
  const std::array<NamedListener, 3> listeners{NamedListener{"orders", config.orders},
                                               NamedListener{"ops", config.ops},
                                               NamedListener{"sync", config.sync}};
  for (const NamedListener& listener : listeners) check_listener(errors, listener);
  check_listeners_distinct(errors, listeners);
  check_data_dir(errors, config.data_dir);
  check_range(errors, "routing_workers", config.routing_workers, kRoutingWorkersMin,
              kRoutingWorkersMax);
  check_queues(errors, config.queues);
  check_journal(errors, config.journal);
  check_central(errors, config.central);
  check_trust_anchor(errors, config.policy_trust_anchor);
  check_wan_interface(errors, config.wan_interface);
  check_range(errors, "policy_trial.seconds", config.policy_trial.seconds, 1, 86400);
  check_range(errors, "policy_trial.min_decisions", config.policy_trial.min_decisions, 1,
              1'000'000);
  check_range(errors, "policy_trial.max_rejection_rise_percent",
              config.policy_trial.max_rejection_rise_percent, 0, 100);
  check_range(errors, "policy_trial.max_rejection_percent_without_baseline",
              config.policy_trial.max_rejection_percent_without_baseline, 1, 100);
  std::vector<ConfigError> found = errors.take();
  detail::sort_in_schema_order(found);
  return found;
}

}  // namespace edgeroute::firmware_config
