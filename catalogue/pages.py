"""Publication pages as the publisher's old website shows them, in plain text: what `import_pages` reads.

A page, line by line (blank lines between the parts may vary):

    Patient-centred leadership                     the title
    Rediscovering our purpose                      the subtitle (optional)
    Comments: 7                                    how many comments follow
    This report summarises ...                     the summary: paragraphs, a blank line between
    Key findings                                   optional, then one "•" bullet per finding
      • The leadership of the NHS ...
    Policy implications                            optional, then paragraphs
    Patient-centred leadership: Rediscovering ...  the title repeated as a caption (not kept)
    Print copy: £8.50 | Buy
    No. of pages: 52
    ISBN: 978 1 909029 08 8
    Comments                                       then each comment:
    #40464 ALF COLLINS                               its number and the name as given
    Clinical Associate                               job title (optional)
    Health Foundation                                organisation (optional)
                                                     a blank line
    A fascinating and important report ...           the body: paragraphs, a blank line between;
                                                     a single line break inside one is kept
    Add new comment                                the end of the page

`parse` reads one file into a `Page`, or raises `PageError` naming the file and the line.
It reads only; `services.pages_import` writes.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from . import isbn

BULLET = "•"
KEY_FINDINGS = "Key findings"
POLICY = "Policy implications"
COMMENTS = "Comments"
END = "Add new comment"
_COUNT = re.compile(r"Comments:\s*(?P<count>\S*)$")
_PRICE = re.compile(r"Print copy:\s*(?P<price>.*?)\s*(\|\s*Buy)?$")
_MONEY = re.compile(r"£(?P<amount>\d{1,5}(\.\d\d)?)$")
_PAGES = re.compile(r"No\. of pages:\s*(?P<pages>.*)$")
_ISBN = re.compile(r"ISBN:\s*(?P<isbn>.*)$")
_LINE_END = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"#(?P<number>\d+)(\s+(?P<name>.*))?$")
# Old sites' comment numbers run to tens of thousands; far below the column's 2,147,483,647,
# so new comments numbered after the highest never run out.
MAX_COMMENT_NUMBER = 999_999_999


class PageError(Exception):
    """A page that does not read as a publication page: the file, the line and what is wrong."""

    def __init__(self, path: str, line: int, message: str):
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}, line {line}: {message}")


@dataclass(frozen=True)
class PageComment:
    number: int
    name: str
    job_title: str
    organisation: str
    body: str
    line: int  # where "#number name" stands


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    subtitle: str
    summary: str
    key_findings: list[str]
    policy_implications: str
    price: Decimal
    pages: int
    isbn: str
    comments: list[PageComment]
    # Where each fact stands in the file, so that a fact the shop refuses can be pointed at.
    lines: dict[str, int] = field(default_factory=dict)


class _Lines:
    """The file's lines with a cursor; line numbers count from 1 as editors show them."""

    def __init__(self, path: str, text: str):
        self.path = path
        # Line endings only: str.splitlines() would also split on form feeds and U+2028 inside a comment.
        self.lines = [line.rstrip() for line in _LINE_END.split(text.removeprefix("\ufeff"))]
        self.at = 0

    @property
    def number(self) -> int:
        return self.at + 1

    def error(self, message: str, line: int | None = None) -> PageError:
        return PageError(self.path, line or min(self.number, max(len(self.lines), 1)), message)

    def skip_blank(self) -> None:
        while self.at < len(self.lines) and not self.lines[self.at].strip():
            self.at += 1

    def peek(self) -> str | None:
        """The next non-blank line (stripped), or None at the end; the cursor moves to it."""
        self.skip_blank()
        return self.lines[self.at].strip() if self.at < len(self.lines) else None

    def take(self) -> str:
        line = self.lines[self.at].strip()
        self.at += 1
        return line

    def following(self) -> str | None:
        """The first non-blank line after the cursor's line (stripped), without moving."""
        return next((line.strip() for line in self.lines[self.at + 1 :] if line.strip()), None)

    def paragraphs(self, stop) -> list[str]:
        """Paragraphs (a blank line between; lines inside one kept) up to a line for which stop(line) holds."""
        paragraphs = []
        while (line := self.peek()) is not None and not stop(line):
            block = []
            while self.at < len(self.lines) and self.lines[self.at].strip() and not stop(self.lines[self.at].strip()):
                block.append(self.take())
            paragraphs.append("\n".join(block))
        return paragraphs


# A page is a few kilobytes; a file far larger is not one.
MAX_BYTES = 1_000_000


def parse_files(files) -> tuple[list[Page], list[str]]:
    """The pages of `files`, (name, size, read) each, and every problem found ("name, line N:
    …"): the command's paths and the admin's uploads alike. A file too large to be a page is
    refused by its size, before it is read."""
    pages, problems = [], []
    for name, size, read in files:
        try:
            if size > MAX_BYTES:
                raise PageError(name, 1, f"is {size:,} bytes: a page is at most {MAX_BYTES:,}.")
            pages.append(parse_bytes(name, read()))
        except PageError as error:
            problems.append(str(error))
    return pages, problems


def parse_bytes(path: str, data: bytes) -> Page:
    """A page from a file's bytes (an upload's or a path's), named `path` in errors."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PageError(path, line, f"is not UTF-8 text ({error.reason} at byte {error.start}).") from None
    if "\x00" in text:  # no database keeps it in text, and no page has one
        raise PageError(path, text[: text.index("\x00")].count("\n") + 1, "holds a NUL character: it is not a text page.")
    return parse(path, text)


def parse(path: str, text: str) -> Page:
    lines = _Lines(path, text)
    at = {}

    title = lines.peek()
    if title is None:
        raise lines.error("the file is empty: a page starts with the publication's title.")
    if _COUNT.match(title):
        raise lines.error("the page has no title: it starts with its count of comments.")
    at["title"] = lines.number
    lines.take()

    subtitle = ""
    line = lines.peek()
    if line is not None and not _COUNT.match(line):
        at["subtitle"] = lines.number
        subtitle = lines.take()
        line = lines.peek()
    match = _COUNT.match(line or "")
    if not match:
        raise lines.error(f"expected 'Comments: N' after the title and subtitle, found {_quote(line)}.")
    if not match["count"].isdigit():
        raise lines.error(f"'Comments: {match['count']}' is not a number of comments.")
    count, at["count"] = int(match["count"]), lines.number
    lines.take()

    def caption(line: str) -> bool:
        """The title repeated ("Title: Subtitle", or with a dash) just above the price: not text to keep."""
        return line.startswith(title) and bool(_PRICE.match(lines.following() or ""))

    def facts_begin(line: str) -> bool:
        return line in (KEY_FINDINGS, POLICY) or bool(_PRICE.match(line)) or caption(line)

    lines.peek()
    at["summary"] = lines.number
    summary = lines.paragraphs(facts_begin)
    if not summary:
        raise lines.error("the page has no summary: expected its paragraphs after 'Comments: N'.")

    key_findings = []
    if lines.peek() == KEY_FINDINGS:
        lines.take()
        at["key_findings"] = lines.number
        while (line := lines.peek()) is not None and not (line == POLICY or _PRICE.match(line) or caption(line)):
            if line.startswith(BULLET):
                key_findings.append(line.removeprefix(BULLET).strip())
            elif key_findings:  # a finding running over more than one line
                key_findings[-1] = f"{key_findings[-1]} {line}"
            else:
                raise lines.error(f"expected a key finding starting with '{BULLET}', found {_quote(line)}.")
            lines.take()
        if not key_findings or not all(key_findings):
            raise lines.error(f"'{KEY_FINDINGS}' is followed by no findings.")

    policy = []
    if lines.peek() == POLICY:
        lines.take()
        at["policy_implications"] = lines.number
        policy = lines.paragraphs(lambda line: bool(_PRICE.match(line)) or caption(line))

    if (line := lines.peek()) is not None and caption(line):
        lines.take()
    facts = _facts(lines, at)

    comments = _comments(lines, count, at["count"])

    numbers = [comment.number for comment in comments]
    for comment in comments:
        if numbers.count(comment.number) > 1:
            raise lines.error(f"comment #{comment.number} appears twice on the page.", comment.line)

    return Page(
        path=path,
        title=title,
        subtitle=subtitle,
        summary="\n\n".join(summary),
        key_findings=key_findings,
        policy_implications="\n\n".join(policy),
        comments=comments,
        lines=at,
        **facts,
    )


def _facts(lines: _Lines, at: dict) -> dict:
    """'Print copy: £8.50 | Buy', 'No. of pages: 52' and 'ISBN: …', each once, in any order."""
    facts = {}
    while (line := lines.peek()) is not None and line not in (COMMENTS, END):
        if match := _PRICE.match(line):
            money = _MONEY.match(match["price"])
            if not money:
                raise lines.error(f"the price {_quote(match['price'])} is not an amount of money like £8.50.")
            name, value = "price", Decimal(money["amount"]).quantize(Decimal("0.01"))
        elif match := _PAGES.match(line):
            if not match["pages"].isdigit() or int(match["pages"]) < 1:
                raise lines.error(f"the number of pages {_quote(match['pages'])} is not a whole number above 0.")
            name, value = "pages", int(match["pages"])
        elif match := _ISBN.match(line):
            try:
                value = isbn.normalise(match["isbn"])
            except ValidationError as error:
                raise lines.error(f"the ISBN {_quote(match['isbn'])} is not valid: {error.messages[0]}") from None
            name = "isbn"
        else:
            raise lines.error(f"expected 'Print copy: £…', 'No. of pages: …' or 'ISBN: …', found {_quote(line)}.")
        if name in facts:
            raise lines.error(f"the page gives its {name} twice.")
        facts[name], at[name] = value, lines.number
        lines.take()
    missing = [label for name, label in (("price", "Print copy: £…"), ("pages", "No. of pages: …"), ("isbn", "ISBN: …")) if name not in facts]
    if missing:
        raise lines.error(f"the page lacks {', '.join(repr(label) for label in missing)} before its comments.")
    return facts


def _comments(lines: _Lines, count: int, count_line: int) -> list[PageComment]:
    """The comments, to the end of the page; as many as 'Comments: N' says.

    A line "#40467 Dr DJ Brown" opening a paragraph starts a comment. A commenter's own
    paragraph may open that way too ("#1 priority is ..."): when the first reading fails or finds
    more comments than the page counts, a second reading takes such a line for the next comment
    only if its number is above the current one's (old pages list comments in order)."""
    start = lines.at
    try:
        found = _comments_read(lines, ordered=False)
    except PageError as error:
        found, problem = None, error
    if found is None or len(found) > count:
        end, lines.at = lines.at, start
        try:
            ordered = _comments_read(lines, ordered=True)
        except PageError:
            ordered = None
        if ordered is not None and len(ordered) == count:
            return ordered
        if found is None:
            raise problem
        lines.at = end
    if len(found) != count:
        where = ", ".join(str(comment.line) for comment in found)
        raise lines.error(
            f"the page says 'Comments: {count}' but {len(found)} comment(s) start with '#number name'"
            + (f" (lines {where})." if found else "."),
            count_line,
        )
    return found


def _comments_read(lines: _Lines, *, ordered: bool) -> list[PageComment]:
    comments = []
    if lines.peek() == COMMENTS:
        lines.take()
        while (line := lines.peek()) is not None and line != END:
            comments.append(_comment(lines, ordered=ordered))
    if lines.peek() == END:
        lines.take()
    if (line := lines.peek()) is not None:
        raise lines.error(f"expected '#number name' to start a comment, or '{END}' to end the page, found {_quote(line)}.")
    return comments


def _comment(lines: _Lines, *, ordered: bool) -> PageComment:
    start = lines.number
    line = lines.take()
    match = _COMMENT.match(line)
    if not match:
        raise lines.error(f"expected '#number name' to start a comment, found {_quote(line)}.", start)
    number, name = int(match["number"]), (match["name"] or "").strip()
    if not 0 < number <= MAX_COMMENT_NUMBER:
        raise lines.error(f"comment number #{match['number']} is not between 1 and {MAX_COMMENT_NUMBER:,}.", start)
    if not name:
        raise lines.error(f"comment #{number} has no name after its number.", start)
    heading = []  # job title and organisation, up to the blank line before the body
    while lines.at < len(lines.lines) and lines.lines[lines.at].strip():
        heading.append(lines.take())
    if len(heading) > 2:
        raise lines.error(
            f"comment #{number}: expected at most a job title and an organisation under the name, "
            "then a blank line before the comment.",
            start + 3,
        )
    job_title, organisation = (heading + ["", ""])[:2]
    body = lines.paragraphs(lambda line: line == END or _starts_comment(lines, line, after=number if ordered else None))
    if not body:
        raise lines.error(f"comment #{number} has no text.", start)
    return PageComment(number, name, job_title, organisation, "\n\n".join(body), start)


def _starts_comment(lines: _Lines, line: str, *, after: int | None) -> bool:
    """'#40467 Dr DJ Brown' starts the next comment when it opens a paragraph (and, if `after`
    is given, when its number is above that); inside a paragraph, '#' is the commenter's own text."""
    match = _COMMENT.match(line)
    if not match or (lines.at and lines.lines[lines.at - 1].strip()):
        return False
    return after is None or int(match["number"]) > after


def _quote(line: str | None) -> str:
    if line is None:
        return "the end of the file"
    return repr(line if len(line) <= 60 else line[:57] + "...")
