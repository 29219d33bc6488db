// Typed option tables over Boost.Program_options: every option is declared once, bound to its field,
// with its help text and the values it accepts, and the table itself rejects a bad value at parse time
// (an enum's unknown name, a number outside its range, NaN/Inf) with a message naming the key.
#pragma once
#include <boost/program_options.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/enum_names.h"
#include "common/error.h"
#include "common/range.h"

namespace sst {

// Lets Boost parse any enum with EnumNames (found by argument-dependent lookup; the int beats Boost's
// own template, whose last parameter is a long). For an enum in a namespace below sst, that namespace
// needs `using sst::validate;` where the table is built (data_prep/main.cpp).
template <typename E, std::enable_if_t<IsNamedEnum<E>::value, int> = 0>
void validate(boost::any& v, const std::vector<std::string>& tokens, E*, int) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(v);
  const std::string& s = po::validators::get_single_string(tokens);
  auto parsed = parse_enum<E>(s);
  if (!parsed)
    throw po::error_with_option_name("the argument ('" + s + "') for option '%canonical_option%' is invalid: must be " +
                                     enum_choices<E>(" or "));
  v = boost::any(*parsed);
}

// Whether an option may differ between the parts of one run (a run resumed from its checkpoint).
enum class Resume {
  kMayChange,  // the budget, logging, threads, ...: a resumed run may set it anew
  kMustMatch,  // shapes the run's trajectory (learning rate, batches): a resumed run must keep it
};

// One table of options: binds each key to a field and keeps how to print it back. sst-train's keys are
// section-qualified ("train.lr", errors "config: train.lr ..."); a command line tool's are its flags
// ("vocab-size", with error prefix "--": "--vocab-size = 3: must be in [8, 1000000]").
class OptionTable {
 public:
  explicit OptionTable(const std::string& caption, std::string error_prefix = "config: ")
      : desc_(caption), error_prefix_(std::move(error_prefix)) {}

  // `field` holds the default and receives the parsed value. `value_name` is the help's placeholder ("N");
  // without one, an enum's help starts with its choices ("cls | mean: ...").
  template <typename T>
  void add(const std::string& key, T& field, const std::string& help, Range range = {},
           Resume resume = Resume::kMayChange, const std::string& value_name = "") {
    if (resume == Resume::kMustMatch) must_match_.push_back(key);
    auto* value = checked_value(key, field, range);
    if constexpr (IsNamedEnum<T>::value) {
      value->default_value(field, enum_name(field));
    } else {
      value->default_value(field, text_of(field));
    }
    if (!value_name.empty()) value->value_name(value_name);
    const bool list_choices = IsNamedEnum<T>::value && value_name.empty();  // else the placeholder shows them
    const std::string shown = list_choices ? choices_of<T>() + ": " + help : help;
    desc_.add_options()(key.c_str(), value, shown.c_str());
    render_.emplace_back(key, [&field] {
      if constexpr (IsNamedEnum<T>::value)
        return enum_name(field);
      else
        return text_of(field);
    });
  }
  // An option without a default that must be given (a path): not printed back by to_ini().
  template <typename T>
  void add_required(const std::string& key, T& field, const std::string& value_name, const std::string& help,
                    Range range = {}) {
    auto* value = checked_value(key, field, range);
    value->required()->value_name(value_name);
    desc_.add_options()(key.c_str(), value, help.c_str());
  }

  // An option that may be absent (no default): `field` holds a value only when it was given (a number in
  // `range`; a path or name as given).
  template <typename T>
  void add_optional(const std::string& key, std::optional<T>& field, const std::string& value_name,
                    const std::string& help, Range range = {}) {
    auto* value = boost::program_options::value<T>()->value_name(value_name);
    value->notifier([&field, key, range, prefix = error_prefix_](const T& v) {
      if constexpr (std::is_arithmetic_v<T>) {
        if (!range.contains(static_cast<double>(v)))
          throw UserError(prefix + key + " = " + text_of(v) + ": " + range.text());
      }
      field = v;
    });
    desc_.add_options()(key.c_str(), value, help.c_str());
  }
  // A switch: given means true (no value).
  void add_flag(const std::string& key, bool& field, const std::string& help) {
    desc_.add_options()(key.c_str(), boost::program_options::bool_switch(&field), help.c_str());
    render_.emplace_back(key, [&field] { return text_of(field); });
  }
  // A repeatable value ("--ignore a --ignore b"; with PerFlag::kMany also "--budget 1e18 1e19"); a number must
  // be finite and in `range`.
  enum class PerFlag { kOne, kMany };
  template <typename T>
  void add_list(const std::string& key, std::vector<T>& field, const std::string& value_name, const std::string& help,
                Range range = {}, PerFlag per_flag = PerFlag::kOne) {
    auto* value = boost::program_options::value(&field)->composing()->value_name(value_name);
    if (per_flag == PerFlag::kMany) value->multitoken();
    if constexpr (std::is_arithmetic_v<T>) {
      value->notifier([key, range, prefix = error_prefix_](const std::vector<T>& values) {
        for (T v : values) {
          if (!std::isfinite(static_cast<double>(v)))
            throw UserError(prefix + key + " must be a finite number, got " + text_of(v));
          if (!range.contains(static_cast<double>(v)))
            throw UserError(prefix + key + " = " + text_of(v) + ": " + range.text());
        }
      });
    }
    desc_.add_options()(key.c_str(), value, help.c_str());
  }

  const boost::program_options::options_description& description() const { return desc_; }
  // The keys added with Resume::kMustMatch, in table order.
  const std::vector<std::string>& must_match_on_resume() const { return must_match_; }
  // Every option with its current value, as INI: one [section] per key prefix, in table order.
  std::string to_ini() const;

  template <typename T>
  static std::string choices_of() {
    if constexpr (IsNamedEnum<T>::value)
      return enum_choices<T>();
    else
      return "";
  }

  template <typename T>
  static std::string text_of(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v ? "true" : "false";
    } else {
      std::ostringstream os;
      os.precision(10);
      os << v;
      return os.str();
    }
  }

 private:
  // The Boost value bound to `field`, rejecting NaN/Inf and numbers outside `range` with a message
  // naming the key.
  template <typename T>
  boost::program_options::typed_value<T>* checked_value(const std::string& key, T& field, Range range) {
    auto* value = boost::program_options::value(&field);
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      value->notifier([key, range, prefix = error_prefix_](const T& v) {
        if constexpr (std::is_floating_point_v<T>) {
          if (!std::isfinite(v)) throw UserError(prefix + key + " must be a finite number, got " + text_of(v));
        }
        if (!range.contains(static_cast<double>(v)))
          throw UserError(prefix + key + " = " + text_of(v) + ": " + range.text());
      });
    }
    return value;
  }

  boost::program_options::options_description desc_;
  std::string error_prefix_;
  std::vector<std::pair<std::string, std::function<std::string()>>> render_;
  std::vector<std::string> must_match_;
};

}  // namespace sst
