"""Checks a `flywheel report` HTML page: it parses with balanced tags, has one SVG chart per model section, lists
feature-table rows, and references nothing outside itself.

Run: python3 scripts/check-report.py REPORT.html   — prints one JSON object.
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_LEAVES = {"rect", "line", "circle", "polyline", "path", "text", "title"}


class Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.sections: list[dict] = []
        self.feature_rows: dict[str, int] = {}
        self.external: list[str] = []
        self.in_h2 = False
        self.section_kind = ""
        self.evidence_charts = 0
        self.retirement_charts = 0
        self.cell = -1
        self.row_cells: list[str] = []
        self.table_is_features = False
        self.saw_doctype = False

    def handle_decl(self, decl: str) -> None:
        self.saw_doctype = self.saw_doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value and name in ("src", "href", "xlink:href", "action") or (value and re.search(r"https?://", value)):
                self.external.append(f"{tag} {name}={value}")
        if tag in ("script", "link", "img", "iframe", "object"):
            self.external.append(f"<{tag}>")
        if tag == "section":
            kind = attributes.get("class", "")
            self.section_kind = kind
            if "model" in kind:
                self.sections.append({"title": "", "svgs": 0})
        if tag == "svg" and self.stack and self.stack[-1] == "section":
            if "model" in self.section_kind and self.sections:
                self.sections[-1]["svgs"] += 1
            elif "retired" in self.section_kind:
                self.retirement_charts += 1
            elif "evidence" in self.section_kind:
                self.evidence_charts += 1
        if tag == "h2":
            self.in_h2 = True
        if tag == "tr":
            self.row_cells = []
        if tag in ("td", "th"):
            self.row_cells.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        for name, value in attrs:
            if value and re.search(r"https?://", value):
                self.external.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}> at {self.getpos()}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "h2":
            self.in_h2 = False
        if tag == "section":
            self.section_kind = ""
        if tag == "tr" and self.row_cells and self.row_cells[0] == "feature":
            self.table_is_features = True
        elif tag == "tr" and self.table_is_features and self.row_cells and len(self.row_cells) == 6:
            name = self.row_cells[0]
            self.feature_rows[name] = self.feature_rows.get(name, 0) + 1
        if tag == "table":
            self.table_is_features = False

    def handle_data(self, data):
        if self.in_h2 and self.sections and self.stack[-1] == "h2" and "section" in self.stack:
            self.sections[-1]["title"] += data
        if self.row_cells and self.stack and self.stack[-1] in ("td", "th"):
            self.row_cells[-1] += data.strip()


def main() -> None:
    text = open(sys.argv[1], encoding="utf-8").read()
    checker = Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.errors.append(f"unclosed: {checker.stack}")
    if re.search(r"url\(|@import", text):
        checker.external.append("css url()/@import")
    print(json.dumps({
        "doctype": checker.saw_doctype,
        "errors": checker.errors,
        "models": {s["title"].split(" — ")[0].strip(): s["svgs"] for s in checker.sections},
        "featureRows": checker.feature_rows,
        "evidenceCharts": checker.evidence_charts,
        "retirementCharts": checker.retirement_charts,
        "external": checker.external,
        "bytes": len(text.encode("utf-8")),
    }))


if __name__ == "__main__":
    main()
