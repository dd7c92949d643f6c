"""The PDF's building blocks: an A4 page with DejaVu Sans and a footer, titles, headings,
paragraphs and one table layout for every table of the report. Typed text is printed as typed
(fpdf2's markdown stays off; the page-count alias is not something a keyboard makes)."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MARGIN = 15.0
GREY = (96, 104, 112)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(227, 232, 238))
CHANGED = FontFace(emphasis="BOLD")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
PAGES_ALIAS = "\U000f0000\U000f0001"  # fpdf2 puts the page count here (not «{nb}»: typable)


class Pdf(FPDF):
    """A4 with DejaVu Sans and a footer naming the teacher and the page."""

    def __init__(self, footer: str, teacher: str) -> None:
        super().__init__(format="A4")
        self.footer_template, self.teacher = footer, teacher
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 3)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*GREY)
        footer = self.footer_template.format(
            teacher=self.teacher, n=self.page_no(), total=PAGES_ALIAS
        )
        self.cell(0, 5, footer, align="C")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        if self.get_y() > self.page_break_trigger - 30:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def paragraph(
        self, text: str, *, size: float = 9.5, bold: bool = False, grey: bool = False
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        if grey:
            self.set_text_color(*GREY)
        self.multi_cell(0, size * 0.5, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(1)

    def image_centred(self, png: bytes, width: float) -> None:
        self.image(io.BytesIO(png), x=(self.w - width) / 2, w=width)

    def table_of(
        self,
        widths: Sequence[float],
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        bold: Sequence[Sequence[bool]] = (),
    ) -> None:
        """One table: a header row, then the rows (a cell in bold where `bold` says so)."""
        self.set_font(FONT, size=8)
        with self.table(
            col_widths=tuple(widths),
            width=sum(widths),
            align="LEFT",
            text_align="LEFT",
            v_align="TOP",
            headings_style=HEADINGS,
            line_height=4,
            padding=1.2,
        ) as table:
            table.row(list(header))
            for n, values in enumerate(rows):
                row = table.row()
                flags = bold[n] if n < len(bold) else ()
                for m, value in enumerate(values):
                    row.cell(clean(value), style=CHANGED if m < len(flags) and flags[m] else None)


def clean(text: str) -> str:
    """Typed text without control characters the font cannot show (tabs become spaces); a
    character DejaVu Sans has no glyph for (most emoji) is named in brackets, «[smiling face
    with smiling eyes]», so the coach still reads that it was there."""
    text = CONTROL.sub("", text.replace("\t", " "))
    glyphs = _glyphs()  # with the line break, which no font draws but every paragraph keeps
    if all(ord(ch) in glyphs for ch in text):
        return text
    return "".join(ch if ord(ch) in glyphs else _named(ch) for ch in text)


def _named(char: str) -> str:
    name = unicodedata.name(char, "")
    if not name or name.startswith(("EMOJI MODIFIER", "VARIATION SELECTOR", "ZERO WIDTH")):
        return ""  # a skin tone, a presentation selector, a joiner: part of the emoji before
    return f"[{name.lower()}]"


@cache
def _glyphs() -> frozenset[int]:
    """The code points DejaVu Sans draws."""
    return frozenset(TTFont(FONT_DIR / "DejaVuSans.ttf").getBestCmap()) | {ord("\n")}
