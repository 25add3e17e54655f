#include "merge.h"

#include <optional>
#include <string_view>

#include "edgeroute/firmware_config/validate.h"

namespace edgeroute::firmware_config::detail {
namespace {

using Root = fbs::GatewayConfig;

std::optional<std::string> text_of(const flatbuffers::String* text) {
  if (text == nullptr) return std::nullopt;
  return text->str();
}

std::optional<std::int32_t> number_of(flatbuffers::Optional<std::int32_t> number) {
  if (!number.has_value()) return std::nullopt;
  return number.value();
}

std::optional<std::vector<std::string>> texts_of(
    const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* texts) {
  if (texts == nullptr) return std::nullopt;
  std::vector<std::string> values;
  values.reserve(texts->size());
  for (const flatbuffers::String* text : *texts) values.push_back(text->str());
  return values;
}

// A field reader for a field of a nested table: absent when the table is.
template <typename TableOf, typename FieldOf>
auto nested(TableOf table_of, FieldOf field_of) {
  return [table_of, field_of](const Root& root) -> decltype(field_of(*table_of(root))) {
    const auto* table = table_of(root);
    if (table == nullptr) return std::nullopt;
    return field_of(*table);
  };
}

// Reads fields from the file, falling back to the profile, and records the paths
// found in neither.
class Merger {
 public:
  Merger(const Root& file, const Root* profile) : file_(file), profile_(profile) {}

  // `read` maps a root table to the field's std::optional value.
  template <typename Read>
  auto required(std::string_view path, Read read) {
    auto value = pick(read);
    using Value = typename decltype(value)::value_type;
    if (value.has_value()) return Value(*std::move(value));
    missing_paths_.emplace_back(path);
    return Value{};
  }

  template <typename Read>
  auto pick(Read read) {
    auto value = read(file_);
    if (!value.has_value() && profile_ != nullptr) value = read(*profile_);
    return value;
  }

  std::vector<std::string> take_missing_paths() { return std::move(missing_paths_); }

 private:
  const Root& file_;
  const Root* profile_;
  std::vector<std::string> missing_paths_;
};

Listener merge_listener(Merger& merger, std::string_view name,
                        const fbs::Listener* (Root::*listener_of)() const) {
  const auto table_of = [listener_of](const Root& root) { return (root.*listener_of)(); };
  const std::string prefix(name);
  Listener listener;
  listener.address = merger.required(
      prefix + ".address",
      nested(table_of, [](const fbs::Listener& t) { return text_of(t.address()); }));
  listener.port =
      merger.required(prefix + ".port",
                      nested(table_of, [](const fbs::Listener& t) { return number_of(t.port()); }));
  return listener;
}

Queues merge_queues(Merger& merger) {
  const auto table_of = [](const Root& root) { return root.queues(); };
  Queues queues;
  queues.ingress_capacity = merger.required(
      "queues.ingress_capacity",
      nested(table_of, [](const fbs::Queues& t) { return number_of(t.ingress_capacity()); }));
  queues.journal_capacity = merger.required(
      "queues.journal_capacity",
      nested(table_of, [](const fbs::Queues& t) { return number_of(t.journal_capacity()); }));
  queues.completion_capacity = merger.required(
      "queues.completion_capacity",
      nested(table_of, [](const fbs::Queues& t) { return number_of(t.completion_capacity()); }));
  return queues;
}

Journal merge_journal(Merger& merger) {
  const auto table_of = [](const Root& root) { return root.journal(); };
  Journal journal;
  journal.batch_max_decisions = merger.required(
      "journal.batch_max_decisions",
      nested(table_of, [](const fbs::Journal& t) { return number_of(t.batch_max_decisions()); }));
  journal.batch_max_delay_us = merger.required(
      "journal.batch_max_delay_us",
      nested(table_of, [](const fbs::Journal& t) { return number_of(t.batch_max_delay_us()); }));
  journal.wal_checkpoint_pages = merger.required(
      "journal.wal_checkpoint_pages",
      nested(table_of, [](const fbs::Journal& t) { return number_of(t.wal_checkpoint_pages()); }));
  return journal;
}

Central merge_central(Merger& merger) {
  const auto table_of = [](const Root& root) { return root.central(); };
  Central central;
  central.host = merger.required(
      "central.host", nested(table_of, [](const fbs::Central& t) { return text_of(t.host()); }));
  central.port = merger.required(
      "central.port", nested(table_of, [](const fbs::Central& t) { return number_of(t.port()); }));
  central.server_name =
      merger.pick(nested(table_of, [](const fbs::Central& t) { return text_of(t.server_name()); }))
          .value_or(central.host);
  const auto optional_text = [&merger, &table_of](auto field) {
    return merger
        .pick(nested(table_of, [field](const fbs::Central& t) { return text_of((t.*field)()); }))
        .value_or(std::string());
  };
  central.ca_certificate = optional_text(&fbs::Central::ca_certificate);
  central.certificate = optional_text(&fbs::Central::certificate);
  central.private_key = optional_text(&fbs::Central::private_key);
  return central;
}

PolicyTrial merge_policy_trial(Merger& merger) {
  const auto table_of = [](const Root& root) { return root.policy_trial(); };
  PolicyTrial trial;
  const auto number = [&merger, &table_of](auto field, std::int32_t fallback) {
    return merger
        .pick(nested(table_of,
                     [field](const fbs::PolicyTrial& t) { return number_of((t.*field)()); }))
        .value_or(fallback);
  };
  trial.seconds = number(&fbs::PolicyTrial::seconds, trial.seconds);
  trial.min_decisions = number(&fbs::PolicyTrial::min_decisions, trial.min_decisions);
  trial.max_rejection_rise_percent =
      number(&fbs::PolicyTrial::max_rejection_rise_percent, trial.max_rejection_rise_percent);
  trial.max_rejection_percent_without_baseline =
      number(&fbs::PolicyTrial::max_rejection_percent_without_baseline,
             trial.max_rejection_percent_without_baseline);
  return trial;
}

}  // namespace

MergedConfig merge_with_profile(const Root& file, const Root* profile) {
  Merger merger(file, profile);
  GatewayConfig config;
  config.schema_version = merger.pick([](const Root& r) { return number_of(r.schema_version()); })
                              .value_or(kSchemaVersionCurrent);
  config.device_profile =
      merger.required("device_profile", [](const Root& r) { return text_of(r.device_profile()); });
  config.gateway_id =
      merger.required("gateway_id", [](const Root& r) { return text_of(r.gateway_id()); });
  config.served_node_ids = merger.required(
      "served_node_ids", [](const Root& r) { return texts_of(r.served_node_ids()); });
  config.orders = merge_listener(merger, "orders", &Root::orders);
  config.ops = merge_listener(merger, "ops", &Root::ops);
  config.sync = merge_listener(merger, "sync", &Root::sync);
  config.data_dir =
      merger.required("data_dir", [](const Root& r) { return text_of(r.data_dir()); });
  config.routing_workers = merger.required(
      "routing_workers", [](const Root& r) { return number_of(r.routing_workers()); });
  config.queues = merge_queues(merger);
  config.journal = merge_journal(merger);
  config.central = merge_central(merger);
  config.policy_trust_anchor = merger.required(
      "policy_trust_anchor", [](const Root& r) { return text_of(r.policy_trust_anchor()); });
  config.wan_interface =
      merger.required("wan_interface", [](const Root& r) { return text_of(r.wan_interface()); });
  config.policy_trial = merge_policy_trial(merger);
  return {std::move(config), merger.take_missing_paths()};
}

}  // namespace edgeroute::firmware_config::detail
