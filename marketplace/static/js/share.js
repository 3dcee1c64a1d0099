// Product page sharing: the phone's share sheet (Zalo, Messenger…) where the browser offers one, and "copy link".
(function () {
  "use strict";
  var share = document.querySelector("[data-share-url]");
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: share.dataset.shareTitle, url: share.dataset.shareUrl }).catch(function () {});
    });
  }
  var copy = document.querySelector("[data-copy-url]");
  if (copy) {
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = copy.dataset.copied; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(copy.dataset.copyUrl).then(done, function () { window.prompt("", copy.dataset.copyUrl); });
      } else {
        window.prompt("", copy.dataset.copyUrl);
      }
    });
  }
})();
