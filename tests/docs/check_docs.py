#!/usr/bin/env python3
"""Checks that the commands the README and docs/ show still work as written (issue 27, "docs that stay true").

For every Markdown file (README.md, docs/**/*.md):
  * each command in a code block or inline code span that calls one of the project's binaries
    (sst-*, build/bin/sst-*, or a shell variable set to one in the same block) must have a `--help` that exits 0
    (with its subcommand: `sst-analyze fit --help`), and every `--option` the command passes must appear
    in that help text;
  * every project file a code span or a relative link names (configs/..., launch/..., slurm/..., docs/...,
    bench/..., tests/...) must exist;
  * every interval "[x, y]" quoted after a link to a committed fit.json (up to the next heading or the next
    such link) must be in that file: each end, as rounded in the text, is a number of the file (a value, or
    one inside a verdict's reason).
Prints one line per problem as FILE:LINE: what, and exits 1 if there is any; 0 and a count otherwise.

  check_docs.py --root SOURCE_DIR --bin-dir BUILD/bin
"""
import argparse
import json
import pathlib
import re
import shlex
import subprocess
import sys

BINARIES = ("sst-prep", "sst-train", "sst-sweep", "sst-analyze")
WITH_SUBCOMMANDS = ("sst-sweep", "sst-analyze")
# A path into the repository as docs write it; a placeholder (X, *, <...>, ...) is not a path.
PATH_RE = re.compile(r"(?<![\w/.$-])((?:configs|launch|slurm|docs|bench|tests|data_prep|analysis|src)/[\w./-]*\w)")
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
FENCE_RE = re.compile(r"^\s*```")
SWEEP_RE = re.compile(r"configs/sweeps/[\w.-]+\.ini")
RUNS_RE = re.compile(r"(\d[\d,]*) runs\b")
INLINE_RE = re.compile(r"`([^`\n]+)`")
NUMBER = r"[-−]?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
NUMBER_RE = re.compile(NUMBER)
INTERVAL_RE = re.compile(r"\[(" + NUMBER + r"), (" + NUMBER + r")\]")
STOP_TOKENS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "&"}


def json_numbers(value):
    """Every number in a parsed JSON value, those written inside its strings included."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in json_numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in json_numbers(v)]
    if isinstance(value, str):
        return [float(m.replace("−", "-")) for m in NUMBER_RE.findall(value)]
    return [float(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def quoted_matches(quoted, numbers):
    """Whether the text's number (0.18, 1.96e+05) is one of numbers rounded as the text rounds it."""
    q = float(quoted.replace("−", "-"))
    mantissa = re.split(r"e", quoted)[0]
    half = 0.5 * 10 ** -len(mantissa.split(".")[1]) if "." in mantissa else 0.5
    if "e" in quoted:
        half *= 10 ** int(quoted.split("e")[1])
    return any(abs(x - q) <= half * (1 + 1e-9) for x in numbers)


def code_lines(text):
    """(line number, code, is_block) for each line of a fenced block and each inline code span."""
    in_block = False
    pending, pending_no = "", 0
    for no, line in enumerate(text.splitlines(), 1):
        if FENCE_RE.match(line):
            in_block = not in_block
            continue
        if in_block:
            # A trailing backslash continues the command on the next line.
            if line.rstrip().endswith("\\"):
                pending_no = pending_no or no
                pending += line.rstrip()[:-1] + " "
                continue
            yield (pending_no or no), pending + line, True
            pending, pending_no = "", 0
        else:
            for span in INLINE_RE.findall(line):
                yield no, span, False


def split_command(code):
    """Shell words of one line, comments dropped; None where the line is not shell (a table, prose)."""
    lexer = shlex.shlex(code, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:
        return None


class Checker:
    def __init__(self, root, bin_dir):
        self.root, self.bin_dir = root, bin_dir
        self.helps = {}
        self.problems = []
        self.commands = 0

    def help_text(self, binary, sub):
        key = (binary, sub)
        if key not in self.helps:
            argv = [str(self.bin_dir / binary)] + ([sub] if sub else []) + ["--help"]
            try:
                done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                self.helps[key] = (done.returncode, done.stdout + done.stderr)
            except OSError as e:
                self.helps[key] = (127, str(e))
        return self.helps[key]

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def check_command(self, where, words, aliases):
        for i, word in enumerate(words):
            word = aliases.get(word, word)
            name = pathlib.PurePath(word).name
            if name not in BINARIES or word not in (name, "build/bin/" + name):
                continue
            rest = []
            for w in words[i + 1:]:
                if w in STOP_TOKENS:
                    break
                rest.append(w)
            sub = rest[0] if name in WITH_SUBCOMMANDS and rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]) else None
            code, text = self.help_text(name, sub)
            shown = " ".join(filter(None, [name, sub, "--help"]))
            self.commands += 1
            if code != 0:
                self.problem(where, f"`{shown}` exited {code}: {text.strip().splitlines()[0] if text.strip() else ''}")
                continue
            for w in rest:
                option = w.lstrip("[").rstrip("]").split("=", 1)[0]
                if not option.startswith("--") or "..." in option or option == "--":
                    continue
                if option.startswith("--section.") or not re.search(re.escape(option) + r"(?![\w.-])", text):
                    if option.startswith("--section."):
                        continue
                    self.problem(where, f"{option} is not an option of `{shown[:-len(' --help')]}` (not in its --help)")

    def exists(self, path, after):
        if after.startswith((".*", ".{")):  # src/model/transformer.* or .{h,cpp}: some file of that stem
            return any(self.root.glob(path + ".*"))
        if (self.root / path).exists():
            return True
        # A file the tools create at run time, named by .gitignore (slurm/site.env), is not missing.
        ignored = subprocess.run(["git", "-C", str(self.root), "check-ignore", "-q", path])
        return ignored.returncode == 0

    def check_paths(self, where, code):
        for m in PATH_RE.finditer(code):
            path = m.group(1)
            if re.search(r"[A-Z]{2,}|\bX\b|_N\b", path):
                continue  # a placeholder such as configs/sweeps/NAME.ini
            if not self.exists(path, code[m.end():]):
                self.problem(where, f"{path} does not exist")

    def check_run_count(self, where, line):
        sweeps, counts = set(SWEEP_RE.findall(line)), RUNS_RE.findall(line)
        if len(sweeps) != 1 or len(counts) != 1 or not (self.root / next(iter(sweeps))).exists():
            return
        sweep = next(iter(sweeps))
        done = subprocess.run([str(self.bin_dir / "sst-sweep"), "expand", str(self.root / sweep), "--count"],
                              capture_output=True, text=True, timeout=60)
        claimed = int(counts[0].replace(",", ""))
        if done.returncode != 0:
            self.problem(where, f"`sst-sweep expand {sweep} --count` exited {done.returncode}")
        elif int(done.stdout.strip()) != claimed:
            self.problem(where, f"says {claimed} runs for {sweep}, which expands to {done.stdout.strip()}")

    def check_fit_quotes(self, where, md, line, numbers):
        """Checks the intervals a line quotes against the fit.json last linked; returns the numbers in scope."""
        if line.startswith("#"):
            return None
        for target in LINK_RE.findall(line):
            path = (md.parent / target.split("#", 1)[0])
            if target.endswith("fit.json") and path.is_file():
                numbers = json_numbers(json.loads(path.read_text(encoding="utf-8")))
        for m in INTERVAL_RE.finditer(line if numbers is not None else ""):
            missing = [q for q in m.groups() if not quoted_matches(q, numbers)]
            if missing:
                self.problem(where, f"the interval {m.group(0)} is not in the fit.json linked above it "
                             f"(not a number of it: {', '.join(missing)})")
        return numbers

    def check_file(self, md):
        rel = md.relative_to(self.root)
        text = md.read_text(encoding="utf-8")
        aliases = {}
        for no, code, is_block in code_lines(text):
            where = f"{rel}:{no}"
            self.check_paths(where, code)
            words = split_command(code)
            if not words:
                continue
            for w in words:  # A=build/bin/sst-analyze, then $A evaluate ...
                m = re.fullmatch(r"([A-Za-z_]\w*)=(build/bin/sst-[a-z]+)", w)
                if m:
                    aliases["$" + m.group(1)] = m.group(2)
            self.check_command(where, words, aliases)
        fit_numbers = None  # the numbers of the fit.json the lines since its link quote
        for no, line in enumerate(text.splitlines(), 1):
            self.check_run_count(f"{rel}:{no}", line)
            fit_numbers = self.check_fit_quotes(f"{rel}:{no}", md, line, fit_numbers)
            for target in LINK_RE.findall(line):
                if re.match(r"[a-z]+:", target) or target.startswith("#"):
                    continue
                path = (md.parent / target.split("#", 1)[0]).resolve()
                if not path.exists():
                    self.problem(f"{rel}:{no}", f"the link {target} names no file")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=pathlib.Path)
    parser.add_argument("--bin-dir", required=True, type=pathlib.Path)
    args = parser.parse_args()
    root = args.root.resolve()
    checker = Checker(root, args.bin_dir.resolve())
    files = [root / "README.md"] + sorted((root / "docs").rglob("*.md"))
    for md in files:
        checker.check_file(md)
    for line in checker.problems:
        print(line)
    if checker.problems:
        print(f"check_docs: {len(checker.problems)} problem(s) in the README and docs", file=sys.stderr)
        return 1
    print(f"check_docs: {checker.commands} commands and every named file in {len(files)} documents check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
