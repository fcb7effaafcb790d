#!/usr/bin/env python3
"""Put a generated section into a Markdown file.

Usage: put-section.py FILE NAME SECTION_FILE

SECTION_FILE holds the new section, from `<!-- BEGIN NAME -->` to
`<!-- END NAME -->`; it replaces the one in FILE, or is appended when FILE
has none. Used by bench/run.sh, bench/soak.sh and fuzz/run.sh.
"""
import re
import sys

path, name, section_file = sys.argv[1:4]
section = open(section_file, encoding="utf-8").read()
text = open(path, encoding="utf-8").read()
pattern = re.compile(r"<!-- BEGIN %s -->.*<!-- END %s -->\n?" % (re.escape(name), re.escape(name)), re.S)
if pattern.search(text):
    text = pattern.sub(lambda m: section, text)
else:
    text += "\n" + section
open(path, "w", encoding="utf-8").write(text)
