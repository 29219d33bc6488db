#!/usr/bin/env python3
"""clang-tidy's inputs for launch/lint.sh: compile commands it can use, and one cache key per source.

  tidy_cache.py BUILD_DIR OUT_DIR SOURCE...

Writes OUT_DIR/compile_commands.json: BUILD_DIR's commands without the precompiled-header flags (GCC's PCH,
CMakeLists.txt, means nothing to clang; every source includes what it uses, so the flags are not needed).
Prints one line per SOURCE: a key and the source, tab-separated. The key is a SHA-256 of what clang-tidy's
verdict depends on: its version (of $CLANG_TIDY, else the clang-tidy on PATH), .clang-tidy, the command (paths made relative to the clone), and the
content of every file the build's dependency files (.o.d, and the PCH's .gch.d) say the source reads; Ninja
reads those files into its own log and deletes them, so in a Ninja build the same lists come from
`ninja -t deps`. A source with no dependency list (not built yet) gets the key "-": always checked, never
cached.
"""
import hashlib
import json
import os
import subprocess
import sys


def strip_pch(command):
    words, out, skip = command.split(), [], False
    for i, w in enumerate(words):
        if skip:
            skip = False
        elif w == "-include" and i + 1 < len(words) and words[i + 1].endswith("cmake_pch.hxx"):
            skip = True
        elif w != "-Winvalid-pch":
            out.append(w)
    return " ".join(out)


def pch_of(command):
    words = command.split()
    for i, w in enumerate(words[:-1]):
        if w == "-include" and words[i + 1].endswith("cmake_pch.hxx"):
            return words[i + 1]
    return None


def depfile_paths(depfile, directory):
    with open(depfile, encoding="utf-8", errors="replace") as f:
        words = f.read().replace("\\\n", " ").split()
    return [os.path.normpath(os.path.join(directory, w)) for w in words if not w.endswith(":")]


def read_deps(output, directory, logged):
    """What OUTPUT's compile read: its dependency file (Make), else Ninja's log; None when neither has it."""
    if os.path.exists(output + ".d"):
        return depfile_paths(output + ".d", directory)
    return logged.get(output)


def ninja_deps(build):
    """{absolute output path: [absolute paths it read]} from Ninja's log (empty for a Make build). An entry
    older than its output (STALE) is left out: the output was rebuilt without its list being recorded."""
    if not os.path.exists(os.path.join(build, ".ninja_deps")):
        return {}
    text = subprocess.run(["ninja", "-C", build, "-t", "deps"], capture_output=True, text=True, check=True).stdout
    deps, current = {}, None
    for line in text.splitlines():
        if line.startswith((" ", "\t")):
            if current is not None:
                current.append(os.path.normpath(os.path.join(build, line.strip())))
        elif line.endswith("(VALID)"):
            current = deps.setdefault(os.path.normpath(os.path.join(build, line.split(": #deps")[0])), [])
        else:
            current = None
    return deps


def main():
    build, out_dir, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    repo = os.getcwd()
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        entries = json.load(f)
    by_file = {os.path.relpath(e["file"], repo): e for e in entries}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "compile_commands.json.tmp"), "w", encoding="utf-8") as f:
        json.dump([dict(e, command=strip_pch(e["command"])) for e in entries], f, indent=1)
    os.replace(os.path.join(out_dir, "compile_commands.json.tmp"), os.path.join(out_dir, "compile_commands.json"))

    tidy = os.environ.get("CLANG_TIDY", "clang-tidy")
    version = subprocess.run([tidy, "--version"], capture_output=True, text=True, check=True).stdout
    with open(".clang-tidy", "rb") as f:
        config = f.read()
    file_digest = {}
    logged = ninja_deps(os.path.abspath(build))

    def digest(path):
        if path not in file_digest:
            try:
                with open(path, "rb") as f:
                    file_digest[path] = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                file_digest[path] = "missing"
        return file_digest[path]

    for src in sources:
        e = by_file.get(src)
        key = "-"
        if e is not None:
            words = e["command"].split()
            obj = words[words.index("-o") + 1] if "-o" in words else None
            outputs = [os.path.normpath(os.path.join(e["directory"], obj))] if obj else []
            pch = pch_of(e["command"])
            if pch:
                outputs.append(pch + ".gch")
            lists = [read_deps(o, e["directory"], logged) for o in outputs]
            if outputs and all(d is not None for d in lists):
                h = hashlib.sha256(version.encode() + config)
                h.update(strip_pch(e["command"]).replace(os.path.abspath(build), "BUILD").replace(repo, ".").encode())
                deps = sorted({p for d in lists for p in d})
                for p in deps:
                    name = os.path.relpath(p, repo) if p.startswith(repo + os.sep) else p
                    h.update(name.encode() + b"\0" + digest(p).encode())
                key = h.hexdigest()
        print(f"{key}\t{src}")


if __name__ == "__main__":
    main()
