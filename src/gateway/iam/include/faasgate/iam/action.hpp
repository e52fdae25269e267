#pragma once
// Actions (reference §1): the closed set a request can ask for, and the patterns a Policy may
// grant (exact names, the wildcards Function:* Secret:* Namespace:* System:* and *, and the legacy
// Function:Read/Admin, Secret:Read/Admin). Names are case-sensitive, exactly as in the table.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace faasgate::iam {

enum class Action : std::uint8_t {
  function_list,
  function_get,
  function_create,
  function_update,
  function_delete,
  function_scale,
  function_logs,
  function_invoke,
  secret_list,
  secret_create,
  secret_update,
  secret_delete,
  namespace_list,
  namespace_get,
  namespace_create,
  namespace_update,
  namespace_delete,
  system_info,
};
inline constexpr std::size_t kActionCount = 18;

// A set of actions, one bit per Action.
using ActionMask = std::uint32_t;
constexpr ActionMask bit(Action a) noexcept { return ActionMask{1} << static_cast<unsigned>(a); }

// "Function:List" etc.
std::string_view name(Action a) noexcept;
// Exact request action names only (no wildcards, no legacy names).
std::optional<Action> action_from_name(std::string_view name) noexcept;
std::span<const Action> all_actions() noexcept;

// A Policy's action entry: exact names, wildcards and legacy names. nullopt for anything else
// (including "function:list", "Function:Li*", "Function:" and "").
std::optional<ActionMask> parse_action_pattern(std::string_view pattern) noexcept;

}  // namespace faasgate::iam
