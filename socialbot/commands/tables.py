"""Tables for the terminal: as wide as it is, cut with an ellipsis where a text does not fit."""

from __future__ import annotations

from collections.abc import Sequence


def fitted_table(
    fixed: list[str], flexible: list[str], rows: Sequence[tuple[str, ...]], width: int | None = None
) -> str:
    """Rows as columns as wide as the terminal: the fixed columns whole, the flexible ones sharing
    what is left, each cut with an ellipsis where it does not fit (`queue show` has every text whole)."""
    import shutil

    width = width or shutil.get_terminal_size((120, 24)).columns
    names = fixed + flexible
    natural = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    gap = 2
    room = width - sum(natural[: len(fixed)]) - gap * (len(names) - 1)
    wanted = natural[len(fixed) :]
    share = [min(w, max(4, room // len(wanted))) for w in wanted] if wanted else []
    # What a short flexible column does not use goes to the longer ones, in order.
    spare = room - sum(share)
    for i, w in enumerate(wanted):
        extra = max(0, min(w - share[i], spare))
        share[i] += extra
        spare -= extra
    widths = natural[: len(fixed)] + share

    def cell(text: str, size: int) -> str:
        return text.ljust(size) if len(text) <= size else text[: size - 1] + "…"

    lines = [(" " * gap).join(cell(n, w) for n, w in zip(names, widths, strict=True))]
    lines.append((" " * gap).join("-" * w for w in widths))
    lines += [(" " * gap).join(cell(c, w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
