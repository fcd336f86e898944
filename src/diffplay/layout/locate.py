"""Where each key of a TOML document stands: tomllib parses values but forgets their lines.

`toml_lines(text)` walks the source once, tracking only structure (tables, keys, arrays,
inline tables, strings and comments), and maps every key path to the line it starts on:
`("constraints", 3, "pad") -> 14`. `line_of(lines, path)` falls back to the nearest parent,
so an error about any value can name a line.
"""


class _Scanner:
    def __init__(self, text):
        self.text, self.i, self.line = text, 0, 1
        self.lines = {}

    def peek(self, n=1):
        return self.text[self.i:self.i + n]

    def advance(self, n=1):
        chunk = self.text[self.i:self.i + n]
        self.line += chunk.count("\n")
        self.i += n

    def at_end(self):
        return self.i >= len(self.text)

    def skip_space(self, newlines=False):
        """Skip blanks and comments; with newlines=True, line breaks too."""
        while not self.at_end():
            c = self.peek()
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while not self.at_end() and self.peek() != "\n":
                    self.advance()
            else:
                return

    def record(self, path):
        self.lines.setdefault(tuple(path), self.line)

    # ---- keys and values ----

    def key(self):
        """A dotted key (`a.b."c d"`) as a list of its parts."""
        parts = []
        while True:
            self.skip_space()
            c = self.peek()
            if c in "\"'":
                start = self.i + 1
                self.string()
                parts.append(self.text[start:self.i - 1])
            else:
                start = self.i
                while not self.at_end() and (self.peek().isalnum() or self.peek() in "_-"):
                    self.advance()
                parts.append(self.text[start:self.i])
            self.skip_space()
            if self.peek() != ".":
                return parts
            self.advance()

    def string(self):
        """Skip one string of any of TOML's four kinds."""
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.advance(3)
            while not self.at_end() and self.peek(3) != quote * 3:
                self.advance(2 if quote == '"' and self.peek() == "\\" else 1)
            self.advance(3)
            while self.peek() == quote:   # up to two quotes may close a multi-line string
                self.advance()
            return
        self.advance()
        while not self.at_end() and self.peek() not in (quote, "\n"):
            self.advance(2 if quote == '"' and self.peek() == "\\" else 1)
        self.advance()

    def value(self, path):
        self.skip_space()
        c = self.peek()
        if c in "\"'":
            self.string()
        elif c == "[":
            self.array(path)
        elif c == "{":
            self.inline_table(path)
        else:
            while not self.at_end() and self.peek() not in ",]}\n#":
                self.advance()

    def array(self, path):
        self.advance()
        index = 0
        while True:
            self.skip_space(newlines=True)
            if self.at_end() or self.peek() == "]":
                self.advance()
                return
            self.record(path + [index])
            self.value(path + [index])
            index += 1
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.advance()

    def inline_table(self, path):
        self.advance()
        while True:
            self.skip_space(newlines=True)
            if self.at_end() or self.peek() == "}":
                self.advance()
                return
            self.key_value(path)
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self.advance()

    def key_value(self, table):
        line = self.line
        key = table + self.key()
        for depth in range(len(table) + 1, len(key) + 1):
            self.lines.setdefault(tuple(key[:depth]), line)
        self.skip_space()
        if self.peek() == "=":
            self.advance()
        self.value(key)


def _header(scanner, counts):
    """A `[table]` or `[[array.of.tables]]` header: the path its keys live under."""
    double = scanner.peek(2) == "[["
    scanner.advance(2 if double else 1)
    parts = scanner.key()
    scanner.advance(2 if double else 1)
    path = []
    for part in parts:   # an enclosing [[array]] adds the index of its latest element
        path.append(part)
        if tuple(path) in counts and len(path) < len(parts):
            path.append(counts[tuple(path)] - 1)
    if double:
        counts[tuple(path)] = counts.get(tuple(path), 0) + 1
        scanner.record(path)
        path.append(counts[tuple(path)] - 1)
    scanner.record(path)
    return path


def toml_lines(text):
    """Map each key path of a TOML document (tuples of keys and array indices) to its line."""
    scanner, counts, table = _Scanner(text), {}, []
    while True:
        scanner.skip_space(newlines=True)
        if scanner.at_end():
            return scanner.lines
        if scanner.peek() == "[":
            table = _header(scanner, counts)
        else:
            start = scanner.i
            scanner.key_value(table)
            if scanner.i == start:   # not TOML we understand: move on rather than loop
                scanner.advance()


def line_of(lines, path):
    """The line of `path`, or of its nearest parent that has one (1 when none does)."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return 1
