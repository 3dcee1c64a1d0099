/* Product gallery: the slides swipe by CSS scroll-snap; this adds the "2 / 5" count on phones and makes the
   thumbnails scroll the strip (not the page) and mark the photo shown. Works without it: thumbnails are links. */
(function () {
  "use strict";

  function setUp(gallery) {
    var track = gallery.querySelector(".gallery-track");
    var slides = gallery.querySelectorAll(".gallery-slide");
    var thumbs = gallery.querySelectorAll("[data-gallery-thumb]");
    var count = gallery.querySelector("[data-gallery-count]");
    if (!track || slides.length < 2) { return; }

    function current() {
      return Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
    }

    function mark(index) {
      if (count) { count.textContent = (index + 1) + " / " + slides.length; }
      thumbs.forEach(function (thumb, i) {
        if (i === index) { thumb.setAttribute("aria-current", "true"); } else { thumb.removeAttribute("aria-current"); }
      });
    }

    thumbs.forEach(function (thumb, i) {
      thumb.addEventListener("click", function (event) {
        event.preventDefault();
        track.scrollTo({ left: slides[i].offsetLeft - track.offsetLeft, behavior: "smooth" });
        mark(i);
      });
    });
    track.addEventListener("scroll", function () { mark(current()); }, { passive: true });
    if (count) { count.hidden = false; }
    mark(current());
  }

  document.querySelectorAll("[data-gallery]").forEach(setUp);
}());
