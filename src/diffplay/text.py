"""Text that came from a user, made safe for where it goes: a terminal, an XML document.

A name in a data file, a label in a spec or a key in a page's message may hold control
characters. Printed raw, an escape sequence (ESC [ 2 J) reaches the terminal and acts;
written raw into SVG, any C0 control but tab and newline makes the document invalid XML, and
the picture fails to load. Both show such a character as its Python escape instead (`\\x1b`),
so the user sees what is there.
"""

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that
# reorder what a terminal shows
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# what XML 1.0 forbids: C0 controls but tab, newline and return, lone surrogates, U+FFFE/FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text):
    """`text` with every character that would act on a terminal written as its escape."""
    return _UNPRINTABLE.sub(_escaped, str(text))


def xml_text(text):
    """`text` as XML character data (and attribute values): &, <, > and " escaped, and the
    characters XML cannot hold written as their escapes."""
    text = _NOT_XML.sub(_escaped, str(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _escaped(match):
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")
