#include "faasgate/iam/action.hpp"

#include <array>

namespace faasgate::iam {
namespace {

struct Row {
  Action action;
  std::string_view name;
};

constexpr std::array<Row, kActionCount> kRows{{
    {Action::function_list, "Function:List"},
    {Action::function_get, "Function:Get"},
    {Action::function_create, "Function:Create"},
    {Action::function_update, "Function:Update"},
    {Action::function_delete, "Function:Delete"},
    {Action::function_scale, "Function:Scale"},
    {Action::function_logs, "Function:Logs"},
    {Action::function_invoke, "Function:Invoke"},
    {Action::secret_list, "Secret:List"},
    {Action::secret_create, "Secret:Create"},
    {Action::secret_update, "Secret:Update"},
    {Action::secret_delete, "Secret:Delete"},
    {Action::namespace_list, "Namespace:List"},
    {Action::namespace_get, "Namespace:Get"},
    {Action::namespace_create, "Namespace:Create"},
    {Action::namespace_update, "Namespace:Update"},
    {Action::namespace_delete, "Namespace:Delete"},
    {Action::system_info, "System:Info"},
}};

constexpr std::array<Action, kActionCount> kAll = [] {
  std::array<Action, kActionCount> a{};
  for (std::size_t i = 0; i < kActionCount; ++i) a[i] = kRows[i].action;
  return a;
}();

constexpr ActionMask mask_of_prefix(std::string_view prefix) {
  ActionMask m = 0;
  for (const auto& r : kRows)
    if (r.name.substr(0, prefix.size()) == prefix) m |= bit(r.action);
  return m;
}

constexpr ActionMask kFunctionAll = mask_of_prefix("Function:");
constexpr ActionMask kSecretAll = mask_of_prefix("Secret:");
constexpr ActionMask kNamespaceAll = mask_of_prefix("Namespace:");
constexpr ActionMask kSystemAll = mask_of_prefix("System:");
constexpr ActionMask kEverything = kFunctionAll | kSecretAll | kNamespaceAll | kSystemAll;

static_assert(kEverything == (ActionMask{1} << kActionCount) - 1, "every action belongs to a family");

}  // namespace

std::string_view name(Action a) noexcept {
  const auto i = static_cast<std::size_t>(a);
  return i < kRows.size() ? kRows[i].name : std::string_view{};
}

std::optional<Action> action_from_name(std::string_view n) noexcept {
  for (const auto& r : kRows)
    if (r.name == n) return r.action;
  return std::nullopt;
}

std::span<const Action> all_actions() noexcept { return kAll; }

std::optional<ActionMask> parse_action_pattern(std::string_view p) noexcept {
  if (auto a = action_from_name(p)) return bit(*a);
  if (p == "*") return kEverything;
  if (p == "Function:*" || p == "Function:Admin") return kFunctionAll;
  if (p == "Secret:*" || p == "Secret:Admin") return kSecretAll;
  if (p == "Namespace:*") return kNamespaceAll;
  if (p == "System:*") return kSystemAll;
  if (p == "Function:Read")
    return bit(Action::function_list) | bit(Action::function_get) | bit(Action::function_logs);
  if (p == "Secret:Read") return bit(Action::secret_list);
  return std::nullopt;
}

}  // namespace faasgate::iam
