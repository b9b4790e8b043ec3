#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tools/style-check.py [PATH...] - check the project's house style.

With no PATH it checks every file git tracks; a PATH that is a folder is
walked (hidden folders and build trees skipped). Prints one
"file:line: message" per finding and exits 1 if there was any, 0 if not.

C files (*.c, *.h) outside the kernel folder:
  spdx     the first line is /* SPDX-License-Identifier: GPL-2.0 */
           (MIT in include/, the protocol headers other systems copy);
  braces   every if, else, for, while and do body is in braces;
  comment  no // comments;
  errno    errno is printed with strerror(), never with %m, which cannot
           print the negative errno our functions return;
  prefix   a log line about a device starts "domain %u device %u: "
           (VGPU_DEV_FMT), not "dom%u: " or "domain %u: ".
Kernel code (frontend/linux/) follows the kernel's own rules: only its
SPDX form is checked (// in .c files, /* */ in headers).
Scripts (*.sh, *.py, Makefile, Kbuild, an executable starting #!) carry
"# SPDX-License-Identifier: GPL-2.0" on their first line, or on the
second after the #! line.
"""
import os
import re
import subprocess
import sys

KERNEL_DIRS = ("frontend/linux/",)
BUILD_DIRS = ("build", "build-san", "build-fuzz")
SPDX_C = "/* SPDX-License-Identifier: %s */"
SPDX_KERNEL_C = "// SPDX-License-Identifier: GPL-2.0"
SPDX_SCRIPT = "# SPDX-License-Identifier: GPL-2.0"
CONTROL = re.compile(r"\b(if|for|while|else|do)\b")
DEV_PREFIX = re.compile(r"^(dom ?%[ud]|domain %[ud]):")

findings = []


def report(path, line, message):
    findings.append((path, line, message))


def lex(text):
    """Splits C source into code and the rest.

    Returns (code, strings, comments, pp_lines): code is text with every
    comment and string or character literal blanked (newlines kept),
    strings lists (line, contents) of the string literals, comments
    lists (line, kind) with kind "//" or "/*", and pp_lines is the set
    of line numbers that belong to preprocessor directives.
    """
    code = []
    strings, comments, pp_lines = [], [], set()
    i, n, line = 0, len(text), 1
    line_start, in_pp = True, False
    while i < n:
        c = text[i]
        if c == "\n":
            if text[i - 1:i] != "\\":
                in_pp = False
            code.append(c)
            line += 1
            line_start = True
            i += 1
            continue
        if in_pp:
            pp_lines.add(line)
        if line_start and c == "#":
            in_pp = True
            pp_lines.add(line)
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            comments.append((line, "//"))
            end = text.find("\n", i)
            end = n if end < 0 else end
            code.append(" " * (end - i))
            i = end
            continue
        if text.startswith("/*", i):
            comments.append((line, "/*"))
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            chunk = text[i:end]
            code.append(re.sub(r"[^\n]", " ", chunk))
            line += chunk.count("\n")
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                strings.append((line, text[i + 1:j]))
            code.append(c + " " * (j - i - 1) + (c if j < n else ""))
            i = j + 1
            continue
        code.append(c)
        i += 1
    return "".join(code), strings, comments, pp_lines


def line_of(code, pos):
    return code.count("\n", 0, pos) + 1


def skip_space(code, pos):
    while pos < len(code) and code[pos].isspace():
        pos += 1
    return pos


def close_paren(code, pos):
    """Index just past the parenthesis that closes the one at pos."""
    depth = 0
    while pos < len(code):
        if code[pos] == "(":
            depth += 1
        elif code[pos] == ")":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return pos


def check_braces(path, code):
    for m in CONTROL.finditer(code):
        word, pos = m.group(1), skip_space(code, m.end())
        if word in ("if", "for", "while"):
            if pos >= len(code) or code[pos] != "(":
                continue
            pos = skip_space(code, close_paren(code, pos))
            if word == "while" and code[pos:pos + 1] == ";":
                before = code[:m.start()].rstrip()
                if before.endswith("}"):
                    continue    # the end of do { } while (...);
        elif word == "else" and re.match(r"if\b", code[pos:pos + 3]):
            continue
        if code[pos:pos + 1] != "{":
            report(path, line_of(code, m.start()),
                   "'%s' body without braces" % word)


def check_c(path, text):
    kernel = path.startswith(KERNEL_DIRS)
    first = text.split("\n", 1)[0]
    if kernel:
        want = SPDX_KERNEL_C if path.endswith(".c") else SPDX_C % "GPL-2.0"
    else:
        want = SPDX_C % ("MIT" if path.startswith("include/") and
                         first == SPDX_C % "MIT" else "GPL-2.0")
    if first != want:
        report(path, 1, "first line must be '%s'" % want)
    code, strings, comments, pp_lines = lex(text)
    for line, kind in comments:
        if kind == "//" and line > 1:
            report(path, line, "// comment: use /* */")
    for line, s in strings:
        if re.search(r"%m", s.replace("%%", "")):
            report(path, line, "%m in a format: print strerror(errno)")
        if not kernel and DEV_PREFIX.match(s):
            report(path, line, "log prefix: use VGPU_DEV_FMT "
                   "(\"domain %u device %u: \")")
    if not kernel:
        check_braces(path, blank_lines(code, pp_lines))


def blank_lines(code, numbers):
    """code with the given lines (preprocessor directives) blanked."""
    lines = code.split("\n")
    for n in numbers:
        lines[n - 1] = " " * len(lines[n - 1])
    return "\n".join(lines)


def is_script(path, text):
    base = os.path.basename(path)
    return (base in ("Makefile", "Kbuild") or
            base.endswith((".sh", ".py", ".mk")) or
            (text.startswith("#!") and os.access(path, os.X_OK)))


def check_script(path, text):
    lines = text.split("\n")
    n = 1 if lines[0].startswith("#!") else 0
    if len(lines) <= n or lines[n] != SPDX_SCRIPT:
        report(path, n + 1, "line %d must be '%s'" % (n + 1, SPDX_SCRIPT))


def check_file(path):
    path = os.path.normpath(path)
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        report(path, 0, "cannot read: %s" % e.strerror)
        return
    if path.endswith((".c", ".h")):
        check_c(path, text)
    elif is_script(path, text):
        check_script(path, text)


def walk(folder):
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs
                         if not d.startswith(".") and d not in BUILD_DIRS)
        for name in sorted(files):
            yield os.path.join(root, name)


def tracked_files():
    """Every file git tracks here; outside a git tree, the whole folder."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], check=True,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return ["."]
    return [p for p in out.split("\0") if p and os.path.isfile(p)]


def main(args):
    paths = []
    for arg in args or tracked_files():
        paths.extend(walk(arg) if os.path.isdir(arg) else [arg])
    for path in paths:
        start = len(findings)
        check_file(path)
        findings[start:] = sorted(findings[start:], key=lambda f: f[1])
    for finding in findings:
        print("%s:%d: %s" % finding)
    if findings:
        print("style-check: %d finding(s) in %d file(s)" %
              (len(findings), len({f[0] for f in findings})),
              file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
