"""Server-side SVG charts: no JavaScript, no CDN, no inline styles (the CSP forbids them).

Charts are images with a text alternative (``role="img"``, ``aria-label``, ``<title>`` and a ``<desc>``
listing every value); labels and values are drawn as text, and every chart is accompanied by a table.
"""

from markupsafe import Markup, escape

WIDTH = 560
ROW_HEIGHT = 28
BAR_HEIGHT = 18
PADDING = 6
FONT_SIZE = 14
CHAR_WIDTH = 7.6  #: average width of a 14px system-ui character, for the label column
MAX_LABEL_CHARS = 30
VALUE_ROOM = 64  #: the least room right of the longest bar for its value
VALUE_CHAR_WIDTH = 8.4  #: average width of a bold 14px character, so the longest value is drawn whole
DEFAULT_COLOR = "#166534"


def _short(label):
    return label if len(label) <= MAX_LABEL_CHARS else label[:MAX_LABEL_CHARS - 1].rstrip() + "…"


def value_room(texts):
    """Room right of the longest bar for the widest value text (never cut off at the chart's edge)."""
    widest = max((len(text) for text in texts), default=0)
    return max(VALUE_ROOM, round(widest * VALUE_CHAR_WIDTH) + 2 * PADDING)


def bar_chart(rows, label, value_format=str, css_class="", width=WIDTH):
    """A horizontal bar chart of ``rows`` — ``(label, value)`` or ``(label, value, colour)`` — as SVG Markup.

    ``label`` names the chart (its accessible name); ``value_format`` turns a value into the text drawn
    after its bar (e.g. a locale-aware number formatter), always whole: the room after the bars fits the widest
    value. Long labels are shortened on the bar and given in full in the row's ``<title>`` and in the ``<desc>``.
    ``width`` is the drawing's width (a narrower one keeps text legible when a phone scales the chart down).
    """
    rows = [(str(row[0]), row[1], row[2] if len(row) > 2 else DEFAULT_COLOR) for row in rows]
    longest = max((len(_short(text)) for text, _, _ in rows), default=0)
    label_width = round(min(longest, MAX_LABEL_CHARS) * CHAR_WIDTH) + 2 * PADDING
    bar_room = max(width - label_width - value_room([value_format(value) for _, value, _ in rows]), 0)
    top = max((value for _, value, _ in rows), default=0) or 1
    height = len(rows) * ROW_HEIGHT + 2 * PADDING
    description = "; ".join(f"{text}: {value_format(value)}" for text, value, _ in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart {escape(css_class)}" role="img" '
        f'aria-label="{escape(label)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(label)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]
    for index, (text, value, color) in enumerate(rows):
        y = PADDING + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        bar = round(bar_room * value / top, 1) if value else 0
        parts.append(
            f'<g class="bar-row"><title>{escape(text)}: {escape(value_format(value))}</title>'
            f'<text class="bar-label" x="{label_width - PADDING}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="central" font-size="{FONT_SIZE}" fill="#1c1917">{escape(_short(text))}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + (ROW_HEIGHT - BAR_HEIGHT) / 2}" width="{bar}" '
            f'height="{BAR_HEIGHT}" rx="3" fill="{escape(color)}"/>'
            f'<text class="bar-value" x="{label_width + bar + PADDING}" y="{middle}" dominant-baseline="central" '
            f'font-size="{FONT_SIZE}" font-weight="600" fill="#1c1917">{escape(value_format(value))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
