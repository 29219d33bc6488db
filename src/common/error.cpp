// printable_message: what every user-facing message goes through before it reaches a terminal.
#include "common/error.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace sst {
namespace {

// The length of the well-formed UTF-8 sequence at s[i] (1..4), or 0 if the bytes there are not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  std::uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, surrogate
  return n;
}

std::string hex_escape(const char* format, unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// One character of `s` at i, printable; `used` gets the bytes it took.
std::string printable_at(std::string_view s, std::size_t i, std::size_t& used) {
  const auto b = static_cast<unsigned char>(s[i]);
  const std::size_t n = utf8_length(s, i);
  used = n == 0 ? 1 : n;
  if (n == 0) return hex_escape("\\x%02x", b);  // a byte that is not UTF-8
  if (n == 1) {
    if (b == '\n') return "\\n";
    if (b == '\t') return "\\t";
    if (b == '\r') return "\\r";
    if (b < 0x20 || b == 0x7F) return hex_escape("\\x%02x", b);
    return std::string(1, static_cast<char>(b));
  }
  if (s.compare(i, 3, "\xEF\xBB\xBF") == 0) return "<BOM>";
  // C1 controls (U+0080..U+009F: 0xC2 0x80..0x9F) act as escape sequences on some terminals.
  const auto c = static_cast<unsigned char>(s[i + 1]);
  if (b == 0xC2 && c <= 0x9F) return hex_escape("\\u%04x", c);
  return std::string(s.substr(i, n));
}

// text[from, to) made printable.
std::string printable_range(std::string_view text, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from, used = 0; i < to; i += used) out += printable_at(text.substr(0, to), i, used);
  return out;
}

}  // namespace

std::string printable_message(std::string_view text) {
  if (text.size() <= kMaxMessageBytes) {
    std::string whole = printable_range(text, 0, text.size());
    if (whole.size() <= kMaxMessageBytes) return whole;
  }
  // Too long: the start and the end (where a message says what is wrong), the middle left out. An
  // escaped byte takes at most 4 characters, so the result stays under kMaxMessageBytes.
  constexpr std::size_t kHead = 400, kTailBytes = 40;
  std::size_t head_end = 0;
  std::string head;
  for (std::size_t used = 0; head_end < text.size() && head.size() < kHead; head_end += used)
    head += printable_at(text, head_end, used);
  std::size_t tail_start = std::max(head_end, text.size() - std::min(text.size(), kTailBytes));
  // Start the tail on a character: skip UTF-8 continuation bytes.
  for (int k = 0; k < 3 && tail_start < text.size() && (static_cast<unsigned char>(text[tail_start]) & 0xC0) == 0x80;
       ++k)
    ++tail_start;
  return head + " ... (" + std::to_string(tail_start - head_end) + " bytes left out) ... " +
         printable_range(text, tail_start, text.size());
}

}  // namespace sst
