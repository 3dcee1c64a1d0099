"""The share picture of a listed product without photos: a 1200 × 630 PNG for OpenGraph and Twitter previews.

Zalo and Facebook take only raster images (≥ 600 × 315; 1200 × 630 recommended), so the generated SVG tile of
cards does not do there. The picture shows the product's name, its OCOP mark and stars and its province, drawn
with the vendored DejaVu Sans (Vietnamese coverage; ``static/fonts/README.md``). It is a pure function of a
``ShareCard``, kept in memory (about 40 KB each, bounded), and its fingerprint is the ETag and the URL's version.
"""

import hashlib
import io
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from marketplace.extensions import db
from marketplace.reference.lookup import criteria_sets, provinces
from marketplace.registry.models import Certificate, Product
from marketplace.shop.catalog.rules import listed_products

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
#: Changes whenever the drawing changes, so fingerprints (ETags, URL versions) change with it.
DRAWING_VERSION = "1"
GOLD = "#fcd34d"
WHITE = "#ffffff"
#: Name sizes tried in turn until the name fits in ``NAME_LINES`` lines; the last one cuts it with an ellipsis.
NAME_SIZES = (78, 70, 62, 54, 48)
NAME_LINES = 3


@dataclass(frozen=True)
class ShareCard:
    """Everything the picture shows (hashable: the in-memory cache's key)."""

    name: str
    stars: int
    province: str
    color: str  #: the sector's colour, as on the generated tiles of cards
    mark: str  #: "OCOP 4 sao", translated by the caller
    site: str  #: the site's name, translated by the caller

    @property
    def fingerprint(self):
        """A short digest of the picture's content: its ETag and the version in its URL."""
        text = "\x1f".join((DRAWING_VERSION, self.name, str(self.stars), self.province, self.color, self.mark,
                            self.site))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def listed_facts(product_id, day):
    """(name, stars, province code, criteria-set code) of a product listed on ``day``, else None (one query)."""
    query = (listed_products(day).with_only_columns(Product.name, Certificate.stars, Product.province_code,
                                                    Product.criteria_set_code)
             .where(Product.id == product_id)
             .order_by(Certificate.valid_from.desc(), Certificate.id.desc()).limit(1))
    return db.session.execute(query).first()


def share_card(name, stars, province_code, criteria_set_code, mark, site):
    """The card of a product from its stored facts and the caller's translated labels."""
    return ShareCard(name=unicodedata.normalize("NFC", name), stars=stars, province=provinces()[province_code].name,
                     color=criteria_sets()[criteria_set_code].color, mark=mark, site=site)


@lru_cache(maxsize=256)
def share_png(card):
    """The PNG bytes of ``card`` (drawn once per content while it stays among the 256 most recent)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), card.color)
    draw = ImageDraw.Draw(image)
    _draw_background(draw, card.color)
    _draw_mark(draw, card)
    _draw_name(draw, card.name)
    _draw_footer(draw, card)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


@cache
def font(size, bold=True):
    """DejaVu Sans (bold or book) at ``size`` pixels, loaded once."""
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def mix(color, other, share):
    """``color`` (``#rrggbb``) moved ``share`` (0–1) of the way towards ``other``, as an RGB tuple."""
    first, second = _rgb(color), _rgb(other)
    return tuple(round(a + (b - a) * share) for a, b in zip(first, second, strict=True))


def _rgb(color):
    """``#rrggbb`` as an (r, g, b) tuple."""
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def _draw_background(draw, color):
    """Two soft circles (as on the SVG tiles) and a darker band for the footer."""
    draw.ellipse((WIDTH - 330, -250, WIDTH + 170, 250), fill=mix(color, WHITE, 0.10))
    draw.ellipse((-160, 330, 200, 690), fill=mix(color, WHITE, 0.08))
    draw.rectangle((0, HEIGHT - 104, WIDTH, HEIGHT), fill=mix(color, "#000000", 0.28))


def _draw_mark(draw, card):
    """The OCOP mark ("OCOP 4 sao") on a white pill, then five stars: as many gold as the certificate has."""
    label_font = font(40)
    left, top, right, bottom = draw.textbbox((0, 0), card.mark, font=label_font, anchor="lt")
    pill = (MARGIN, 64, MARGIN + right - left + 48, 64 + 72)
    draw.rounded_rectangle(pill, radius=36, fill=WHITE)
    draw.text((MARGIN + 24, 100), card.mark, font=label_font, fill=card.color, anchor="lm")
    stars_font, left = font(52), pill[2] + 24
    draw.text((left, 100), "★" * card.stars, font=stars_font, fill=GOLD, anchor="lm")
    left += draw.textlength("★" * card.stars, font=stars_font)
    draw.text((left, 100), "★" * (5 - card.stars), font=stars_font, fill=mix(card.color, WHITE, 0.35), anchor="lm")


def _draw_name(draw, name):
    """The product's name, as large as fits in three lines, centred in the space between mark and footer."""
    size, lines = fit_name(draw, name)
    line_height = round(size * 1.28)
    top = 166 + (HEIGHT - 104 - 166 - line_height * len(lines)) // 2
    for number, line in enumerate(lines):
        draw.text((MARGIN, top + number * line_height), line, font=font(size), fill=WHITE, anchor="la")


def _draw_footer(draw, card):
    """The site's name on the left, the province on the right, in the footer band."""
    middle = HEIGHT - 52
    draw.text((MARGIN, middle), "★ " + card.site, font=font(34), fill=WHITE, anchor="lm")
    draw.text((WIDTH - MARGIN, middle), card.province, font=font(34, bold=False), fill=WHITE, anchor="rm")


def fit_name(draw, name):
    """(font size, lines) of the largest size at which ``name`` wraps into ``NAME_LINES`` lines."""
    width = WIDTH - 2 * MARGIN
    for size in NAME_SIZES:
        lines = wrap(draw, name, font(size), width)
        if len(lines) <= NAME_LINES:
            return size, lines
    size = NAME_SIZES[-1]
    lines = wrap(draw, name, font(size), width)[:NAME_LINES]
    return size, [*lines[:-1], ellipsize(draw, lines[-1], font(size), width)]


def wrap(draw, text, face, width):
    """``text`` broken into lines at spaces so that each fits ``width`` pixels (a longer word keeps its line)."""
    lines = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=face) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def ellipsize(draw, text, face, width):
    """``text`` cut short: words dropped from its end until it fits ``width`` pixels with an ellipsis."""
    words = text.split()
    while len(words) > 1 and draw.textlength(" ".join(words) + "…", font=face) > width:
        words.pop()
    return " ".join(words) + "…"
