#include "dataset/class_labels.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"
#include "common/text.h"
#include "dataset/line_errors.h"

namespace sst::dataset {
namespace {

using line_errors::fail;
using line_errors::quote;

bool is_plain_integer(const std::string& s) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The label of one JSON line as its name: a string as written (trimmed), an integer in decimal.
std::string json_label(const nlohmann::json& v, const std::string& name, size_t line_no) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (!v.is_string())
    fail(name, line_no, "\"label\" is " + std::string(v.type_name()) + " (expected a string or an integer)");
  std::string s = text::trim(v.get<std::string>(), " \t\r\n\v\f");
  if (s.empty()) fail(name, line_no, "label missing (empty \"label\")");
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20)
      fail(name, line_no, "label " + quote(s) + " contains a control character");
  return s;
}

std::string json_text(const nlohmann::json& obj, const std::string& name, size_t line_no) {
  const bool has_text = obj.contains("text"), has_sentence = obj.contains("sentence");
  if (has_text && has_sentence) fail(name, line_no, "both \"text\" and \"sentence\" (expected one)");
  if (!has_text && !has_sentence) fail(name, line_no, "no \"text\" field");
  const nlohmann::json& v = obj.at(has_text ? "text" : "sentence");
  if (!v.is_string()) fail(name, line_no, "\"text\" is " + std::string(v.type_name()) + " (expected a string)");
  std::string s = text::trim(v.get<std::string>(), " \t\r\n\v\f");
  if (s.empty()) fail(name, line_no, "empty text");
  if (s.find('\0') != std::string::npos) fail(name, line_no, "text contains a NUL character");
  return s;
}

void add_json_line(TextData& out, const std::string& line, const std::string& name, size_t line_no) {
  nlohmann::json obj;
  try {
    obj = nlohmann::json::parse(line);  // validates UTF-8
  } catch (const nlohmann::json::exception& e) {
    fail(name, line_no, "not a JSON object: " + printable_message(e.what()));
  }
  if (!obj.is_object()) fail(name, line_no, "not a JSON object (expected {\"text\": ..., \"label\": ...})");
  std::string sentence = json_text(obj, name, line_no);
  const bool labeled = obj.contains("label") && !obj.at("label").is_null();
  if (out.size() == 0) out.labeled = labeled;
  if (labeled != out.labeled)
    fail(name, line_no, labeled ? "has a \"label\" but the lines before have none" : "label missing");
  out.sentences.push_back(std::move(sentence));
  out.labels.push_back(labeled ? json_label(obj.at("label"), name, line_no) : std::string());
  out.lines.push_back(line_no);
}

}  // namespace

TextData parse_jsonl(const std::string& text, const std::string& name) {
  TextData out;
  size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0, line_no = 0, pending_blank = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (text::trim(line, " \t\r\v\f").empty()) {
      if (pending_blank == 0) pending_blank = line_no;
      continue;
    }
    if (pending_blank != 0) fail(name, pending_blank, "empty line");
    add_json_line(out, line, name, line_no);
  }
  if (out.size() == 0) throw UserError(name + ": no examples (expected one JSON object per line)");
  return out;
}

TextData read_jsonl_file(const std::string& path) { return parse_jsonl(read_input_file(path), path); }

std::vector<std::string> class_names_of(const TextData& train, const std::string& path) {
  std::set<std::string> seen;
  for (size_t i = 0; i < train.size(); ++i) {
    if (!seen.insert(train.labels[i]).second) continue;
    if (static_cast<int>(seen.size()) > kMaxClasses)
      fail(path, train.lines[i],
           "label " + quote(train.labels[i]) + " is distinct label number " + std::to_string(seen.size()) +
               "; at most " + std::to_string(kMaxClasses) + " classes (is the label column right?)");
  }
  if (seen.size() < 2)
    throw UserError(path + ": " + std::to_string(seen.size()) + " distinct label" +
                    (seen.size() == 1 ? " (" + quote(*seen.begin()) + ")" : "") + " in " +
                    std::to_string(train.size()) + " examples; classification needs at least 2");
  std::vector<std::string> names(seen.begin(), seen.end());
  if (std::all_of(names.begin(), names.end(), is_plain_integer))
    std::sort(names.begin(), names.end(),
              [](const std::string& a, const std::string& b) { return std::stol(a) < std::stol(b); });
  return names;
}

std::vector<int8_t> class_ids_of(const TextData& data, const std::vector<std::string>& names, const std::string& path,
                                 const std::string& train_path) {
  std::map<std::string, int8_t> id;
  for (size_t k = 0; k < names.size(); ++k) id[names[k]] = static_cast<int8_t>(k);
  std::vector<int8_t> out(data.size(), -1);
  if (!data.labeled) return out;
  for (size_t i = 0; i < data.size(); ++i) {
    auto it = id.find(data.labels[i]);
    if (it == id.end())
      fail(path, data.lines[i],
           "label " + quote(data.labels[i]) + " does not occur in the training set (" + train_path + " has " +
               std::to_string(names.size()) + " labels)");
    out[i] = it->second;
  }
  return out;
}

}  // namespace sst::dataset
