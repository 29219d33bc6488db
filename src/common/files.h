// File helpers shared by every binary: atomic replace (temp file + fsync + rename), SHA-256, directories.
#pragma once
#include <functional>
#include <string>

namespace sst {

// Hex SHA-256 of a file's bytes (OpenSSL EVP). Throws UserError if the file cannot be read.
std::string sha256_file(const std::string& path);
// Hex SHA-256 of an in-memory buffer.
std::string sha256_bytes(const std::string& bytes);

// Writes `path` atomically: `write` fills a temporary file next to it (same directory, so the
// rename is atomic), which is fsync'ed and renamed over `path`. On any exception the temporary is
// removed and `path` is left as it was: a failure never leaves a partial file.
void write_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write);
// Convenience: atomically replace `path` with `contents`.
void write_text_atomically(const std::string& path, const std::string& contents);

// Creates `dir` (and parents) and checks that a file can be created in it; throws UserError naming it.
void ensure_writable_dir(const std::string& dir);

// fsync a file or directory by path (best effort for directories).
void fsync_path(const std::string& path);

}  // namespace sst
