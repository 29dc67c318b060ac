/*
 * Chat page: a click on a citation shows its passage in #source-viewer.
 * Citations are rendered by the server inside Gradio's chat, which re-renders
 * messages at will, so one delegated listener on the document handles them all.
 */
(function () {
  "use strict";

  /*
   * Refusals the server sends before Gradio sees a call (429 too many
   * questions, 413 too large, 422 not plain text) would otherwise vanish: the
   * page shows their message, politely, above the question box.
   */
  function showRefusal(message) {
    var input = document.getElementById("chat-input");
    if (!input) return;
    var notice = document.getElementById("chat-refusal");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "chat-refusal";
      notice.className = "qa-refusal";
      notice.setAttribute("role", "status");
      input.parentNode.insertBefore(notice, input);
    }
    notice.textContent = message;
  }

  var originalFetch = window.fetch.bind(window);
  window.fetch = function (resource, init) {
    return originalFetch(resource, init).then(function (response) {
      var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
      if (url.indexOf("/gradio_api/") !== -1 && [413, 422, 429].indexOf(response.status) !== -1) {
        response
          .clone()
          .json()
          .then(function (body) {
            if (body && typeof body.error === "string") showRefusal(body.error);
          })
          .catch(function () {});
      } else if (url.indexOf("/gradio_api/queue/join") !== -1 && response.ok) {
        var notice = document.getElementById("chat-refusal");
        if (notice) notice.textContent = "";
      }
      return response;
    });
  };

  function viewerBody() {
    var root = document.getElementById("source-viewer");
    return root ? root.querySelector(".sv-body") : null;
  }

  function focusViewer() {
    var heading = document.querySelector("#source-viewer .sv-heading");
    if (heading) heading.focus({ preventScroll: true });
  }

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      var viewer = window.QuoteSourceViewer;
      var body = viewerBody();
      if (!viewer || !body) return;

      var citation = target.closest("a.citation");
      if (citation && !citation.closest("#source-viewer")) {
        var ref = viewer.parseCitation(citation);
        if (!ref) return;
        event.preventDefault();
        focusViewer();
        viewer.show(body, ref, false);
        return;
      }
      // The "read the whole source" button of the empty viewer (later ones handle themselves).
      var whole = target.closest("#source-viewer .sv-empty ~ .sv-actions .sv-whole");
      if (whole) {
        event.preventDefault();
        viewer.showFirstDocument(body);
      }
    },
    true
  );

  // Show each new answer from its question down. Gradio's autoscroll (off) would
  // jump to the bottom, past the urgent notice that an answer starts with.
  var seen = 0;
  var queued = false;

  function scrollParent(node) {
    for (var n = node.parentElement; n; n = n.parentElement) {
      var overflow = getComputedStyle(n).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && n.scrollHeight > n.clientHeight) return n;
    }
    return null;
  }

  function revealNewAnswer() {
    queued = false;
    var answers = document.querySelectorAll("#chat .qa-answer");
    if (answers.length > seen) {
      var answer = answers[answers.length - 1];
      var questions = document.querySelectorAll("#chat .qa-question");
      var top = questions.length ? questions[questions.length - 1] : answer;
      var box = scrollParent(answer);
      if (box) box.scrollTop += top.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    }
    seen = answers.length; // drops to 0 when the chat is cleared
  }

  new MutationObserver(function () {
    if (!queued) {
      queued = true;
      requestAnimationFrame(revealNewAnswer);
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
