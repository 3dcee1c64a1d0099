"""Share picture: how long drawing one 1200×630 card takes, cold (the target is under 50 ms a picture).

    .venv/bin/python benchmarks/share_image_bench.py [--rounds N]

Draws the longest realistic name (three wrapped lines, an ellipsis) without the in-memory cache, after the
fonts are loaded once, and writes benchmarks/results/share_image.json.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import save, summary  # noqa: E402
from marketplace.shop.catalog.share_image import ShareCard, font, share_png  # noqa: E402

LONG_NAME = ("Nước mắm truyền thống Phú Quốc thượng hạng loại đặc biệt 40 độ đạm của Hợp tác xã Hải sản "
             "Nghiêm Ưng Thịnh Phát Đạt Đông Hưng tỉnh An Giang")
SHORT_NAME = "Chè Đinh Tân Cương"


def draw_times(name, rounds):
    """Milliseconds to draw the card of ``name`` ``rounds`` times, bypassing the cache."""
    card = ShareCard(name, 5, "Thái Nguyên", "#15803d", "OCOP 5 sao", "Chợ OCOP")
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        share_png.__wrapped__(card)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    rounds = parser.parse_args().rounds
    font(78), font(40), font(52), font(34), font(34, False)  # loaded once per process, not per picture
    save("share_image", {"target_ms": 50,
                         "long_name": summary(draw_times(LONG_NAME, rounds)),
                         "short_name": summary(draw_times(SHORT_NAME, rounds))})


if __name__ == "__main__":
    main()
