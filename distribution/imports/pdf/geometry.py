"""Words -> printed lines -> segments: the page as pdfplumber's word boxes, grouped the way a reader sees it.

A segment is a run of words on one line with no wide gap inside: one column's worth of text, or a
label and its value when they are printed close together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Segment:
    """Words on one line with no wide gap between them: one column's worth of text."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    segments: tuple[Segment, ...]

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def height(self) -> float:
        heights = sorted(word.height for word in self.words)
        return max(heights[len(heights) // 2], 1.0)

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


def lines_from_words(raw_words: Iterable[dict[str, Any]]) -> list[Line]:
    words = sorted(
        (
            Word(str(w["text"]), float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]))
            for w in raw_words
        ),
        key=lambda word: (word.top, word.x0),
    )
    groups: list[list[Word]] = []
    for word in words:
        # Same tolerance as pdfplumber's own text extraction (y_tolerance=3).
        if groups and abs(word.top - groups[-1][0].top) <= 3:
            groups[-1].append(word)
        else:
            groups.append([word])
    lines = []
    for group in groups:
        group.sort(key=lambda word: word.x0)
        lines.append(Line(tuple(group), _segments(group)))
    return lines


def _segments(words: Sequence[Word]) -> tuple[Segment, ...]:
    segments: list[list[Word]] = []
    for word in words:
        # A gap wider than ~1.2 em is a column gap or a tab stop, not a space between words.
        if segments and word.x0 - segments[-1][-1].x1 <= max(1.2 * word.height, 6.0):
            segments[-1].append(word)
        else:
            segments.append([word])
    return tuple(Segment(tuple(segment)) for segment in segments)
