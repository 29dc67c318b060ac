/*
 * The chat page's behaviour around the answers the server renders (assistant/web/ui.py).
 *
 * Gradio's chat re-renders messages at will and its sanitizer drops aria- and
 * data- attributes, so:
 * - one delegated click listener on the document handles every citation and
 *   button of every answer (copy, ratings, "not helpful", suggested questions);
 * - a MutationObserver re-applies what this script adds to an answer (aria
 *   attributes, the state of votes, status lines) whenever Gradio redraws it,
 *   from state kept here by answer id.
 *
 * Also here: the start-up state (the question box waits while /healthz says
 * the model is loading), the server's refusals shown as one polite line
 * instead of Gradio's red error marks, a shared passage (?doc=…&start=…&end=…)
 * opened in the source viewer, and "Back to the answers" on a narrow screen.
 */
(function () {
  "use strict";

  var THANKS = "Thank you for your feedback.";
  var COPIED = "Copied.";
  var COPY_FAILED = "Copying is not allowed here. Select the text to copy it.";
  var NOT_SENT = "Sorry, your feedback was not sent.";
  var NOT_SENT_RETRY = "Sorry, your feedback was not sent. Please try again in a moment.";
  var GETTING_READY = "The assistant is getting ready. You can ask your question in a moment.";
  var NOT_STARTED = "The assistant could not start. Please try again later.";
  var HEALTH_POLL_MS = 1000;

  var originalFetch = window.fetch.bind(window);

  function byId(id) {
    return document.getElementById(id);
  }

  function setAttr(node, name, value) {
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function toggleClass(node, name, on) {
    if (node.classList.contains(name) !== on) node.classList.toggle(name, on);
  }

  function apiUrl(path) {
    return new URL(path, document.baseURI);
  }

  /** fetch, then the JSON body whatever the status: {ok, status, body}. Rejects only when the server is unreachable. */
  function request(path, options) {
    return originalFetch(apiUrl(path), options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          return { ok: response.ok, status: response.status, body: data || {} };
        });
    });
  }

  // --- A line above the question box: refusals, and "getting ready" ---------------------------

  function noteAboveInput(id, className) {
    var input = byId("chat-input");
    if (!input) return null;
    var note = byId(id);
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = className;
      note.setAttribute("role", "status");
      input.parentNode.insertBefore(note, input);
    }
    return note;
  }

  /*
   * Refusals the server sends before Gradio sees a call (429 too many
   * questions, 413 too large, 422 not plain text) would otherwise vanish, and
   * Gradio shows its own errors (gr.Error) as a red toast: the page shows
   * either, politely, above the question box.
   */
  function showRefusal(message) {
    var notice = noteAboveInput("chat-refusal", "qa-refusal");
    if (notice) setText(notice, message);
  }

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
        var notice = byId("chat-refusal");
        if (notice) notice.textContent = "";
      }
      return response;
    });
  };

  /** Gradio's error toasts become the polite line (their red marks are hidden by chat.css). */
  function adoptErrorToasts() {
    var toasts = document.querySelectorAll(".toast-body.error");
    for (var i = 0; i < toasts.length; i++) {
      var toast = toasts[i];
      if (toast.classList.contains("qa-adopted")) continue;
      toast.classList.add("qa-adopted");
      var text = toast.querySelector("[data-testid='toast-text']");
      if (text && text.textContent.trim()) showRefusal(text.textContent.trim());
      var close = toast.querySelector("[data-testid='toast-close']");
      if (close) close.click();
    }
  }

  // --- Start-up: the question box waits until the model is loaded ----------------------------

  var ready = null; // null: not known yet; false: loading (or failed); true: ready
  var failed = false;

  function askControls() {
    return document.querySelectorAll(
      "#chat-input textarea, #chat-input button, #examples button, #chat button.qa-suggestion"
    );
  }

  function applyReadiness() {
    if (ready === null) return;
    var controls = askControls();
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      if (!ready && !control.disabled) {
        control.disabled = true;
        control.classList.add("qa-waiting");
      } else if (ready && control.classList.contains("qa-waiting")) {
        control.disabled = false;
        control.classList.remove("qa-waiting");
      }
    }
    var box = document.querySelector("#chat-input textarea");
    var note = ready ? byId("chat-ready") : noteAboveInput("chat-ready", "qa-ready-note");
    if (note) setText(note, ready ? "" : failed ? NOT_STARTED : GETTING_READY);
    if (box) {
      if (ready) {
        if (box.getAttribute("aria-describedby") === "chat-ready") box.removeAttribute("aria-describedby");
      } else {
        setAttr(box, "aria-describedby", "chat-ready");
      }
    }
  }

  function setReady(value) {
    if (ready === value) return;
    ready = value;
    applyReadiness();
    if (ready) openSharedPassage();
  }

  function checkHealth() {
    request("healthz", { headers: { Accept: "application/json" } }).then(
      function (result) {
        if (result.ok) {
          setReady(true);
          return;
        }
        failed = result.body.status === "error";
        setReady(false);
        applyReadiness();
        setTimeout(checkHealth, failed ? HEALTH_POLL_MS * 5 : HEALTH_POLL_MS);
      },
      function () {
        setReady(false);
        setTimeout(checkHealth, HEALTH_POLL_MS * 2);
      }
    );
  }

  // --- Asking a question as if it were typed ------------------------------------------------

  function askQuestion(text) {
    var box = document.querySelector("#chat-input textarea");
    var submit = document.querySelector("#chat-input .submit-button");
    if (!box || !submit || box.disabled || ready === false) return;
    var setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
    setValue.call(box, text);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus({ preventScroll: true });
    // Let Gradio take the new value before the click sends it.
    setTimeout(function () {
      submit.click();
    }, 0);
  }

  // --- The source viewer ----------------------------------------------------------------------

  function viewerBody() {
    var root = byId("source-viewer");
    return root ? root.querySelector(".sv-body") : null;
  }

  function focusViewer() {
    var heading = document.querySelector("#source-viewer .sv-heading");
    if (heading) heading.focus({ preventScroll: true });
  }

  // Where the reader came from, for "Back to the answers": the answer's id and the citation's href.
  var cameFrom = null;

  function showBack() {
    var back = document.querySelector("#source-viewer .sv-back");
    if (back) back.hidden = false;
  }

  function citationCameFrom() {
    if (!cameFrom) return null;
    var answer = document.querySelector("#chat .qa-answer-id-" + cameFrom.id);
    var links = answer ? answer.querySelectorAll("a.citation") : [];
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === cameFrom.href) return links[i];
    }
    return null;
  }

  function backToAnswers() {
    var citation = citationCameFrom();
    var target = citation || document.querySelector("#chat-input textarea");
    if (!target) return;
    target.scrollIntoView({ block: "center", behavior: "instant" });
    target.focus({ preventScroll: true });
  }

  /** A passage named in the page's address (a shared link): shown once the assistant is ready. */
  var shared = (function () {
    var params = new URLSearchParams(location.search);
    var doc = params.get("doc");
    var start = parseInt(params.get("start"), 10);
    var end = parseInt(params.get("end"), 10);
    if (!doc || isNaN(start) || isNaN(end)) return null;
    return { doc: doc, start: start, end: end };
  })();

  function openSharedPassage() {
    var viewer = window.QuoteSourceViewer;
    var body = viewerBody();
    if (!shared || !ready || !viewer || !body) return;
    var ref = shared;
    shared = null;
    showBack();
    focusViewer();
    viewer.show(body, ref, false);
  }

  // --- Answers: text, state, aria ---------------------------------------------------------------

  function answerId(answer) {
    var match = /(?:^|\s)qa-answer-id-([0-9a-f]+)(?:\s|$)/.exec(answer.className);
    return match ? match[1] : null;
  }

  function textOf(node) {
    return node ? node.textContent.trim() : "";
  }

  /** An answer as plain text: notice, preamble or message, suggestions, then each quote with its citation and link. */
  function answerText(answer) {
    var parts = [];
    [".qa-urgent", ".qa-preamble", ".qa-not-covered"].forEach(function (selector) {
      var text = textOf(answer.querySelector(selector));
      if (text) parts.push(text);
    });
    var offer = answer.querySelector(".qa-suggestions");
    if (offer) {
      var lines = [textOf(offer.querySelector(".qa-suggestions-label"))];
      offer.querySelectorAll(".qa-suggestion").forEach(function (choice) {
        lines.push("- " + textOf(choice));
      });
      parts.push(lines.join("\n"));
    }
    answer.querySelectorAll(".qa-group-label, .qa-quote-item").forEach(function (node) {
      if (node.classList.contains("qa-group-label")) {
        parts.push(textOf(node));
        return;
      }
      var share = node.querySelector("a.qa-share");
      var quote = [
        "\u201C" + textOf(node.querySelector(".qa-quote-text")) + "\u201D",
        textOf(node.querySelector("a.citation")),
      ];
      if (share) quote.push(new URL(share.getAttribute("href"), location.href).href);
      var original = node.querySelector("a.qa-original");
      if (original) quote.push("Original article: " + original.href);
      var context = node.querySelector(".qa-context");
      if (context) {
        quote.push(
          textOf(context.querySelector(".qa-context-label")) +
            ": \u201C" +
            textOf(context.querySelector(".qa-context-text")) +
            "\u201D"
        );
      }
      parts.push(quote.join("\n"));
    });
    return parts.join("\n\n") + "\n";
  }

  /** Put text on the clipboard: the Clipboard API, or the older copy command where that is not allowed. */
  function copyText(text) {
    function fallback() {
      var area = document.createElement("textarea");
      area.className = "qa-offscreen";
      area.value = text;
      area.setAttribute("readonly", "");
      area.setAttribute("aria-hidden", "true");
      var focused = document.activeElement;
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      area.remove();
      if (focused && focused.focus) focused.focus({ preventScroll: true });
      if (!copied) throw new Error(COPY_FAILED);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).catch(fallback);
    }
    return new Promise(function (resolve) {
      fallback();
      resolve();
    });
  }

  // Per answer id: its vote ({choice, state: "sending"|"sent"}), its quotes' votes by span, its status line.
  var votes = {};
  var quoteVotes = {};
  var statuses = {};

  function setStatus(id, text, error) {
    statuses[id] = { text: text, error: !!error };
    refresh();
  }

  function sendFeedback(id, rating, span) {
    return request("api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ id: id, rating: rating, span: span }),
    }).then(
      function (result) {
        if (!result.ok) throw new Error(result.body.error ? NOT_SENT + " " + result.body.error : NOT_SENT_RETRY);
      },
      function () {
        throw new Error(NOT_SENT_RETRY);
      }
    );
  }

  /** One vote: recorded at once (so a second click does nothing), forgotten again if the server refuses it. */
  function vote(store, key, id, rating, span) {
    if (store[key]) return;
    store[key] = { choice: span || rating };
    setStatus(id, "", false);
    sendFeedback(id, rating, span).then(
      function () {
        setStatus(id, THANKS, false);
      },
      function (error) {
        delete store[key];
        setStatus(id, error.message, true);
      }
    );
  }

  function applyVoteButton(button, chosen, label) {
    setAttr(button, "aria-pressed", chosen === button.value ? "true" : "false");
    setAttr(button, "aria-disabled", chosen ? "true" : "false");
    if (label) setAttr(button, "aria-label", label);
  }

  /** What this script adds to an answer; run again whenever Gradio redraws it (every change is idempotent). */
  function enhanceAnswer(answer) {
    var id = answerId(answer);
    if (!id) return;
    var mine = votes[id];
    var rate = answer.querySelector(".qa-rate");
    if (rate) setAttr(rate, "aria-label", "Rate this answer");
    answer.querySelectorAll(".qa-rate button").forEach(function (button) {
      applyVoteButton(button, mine && mine.choice, null);
    });
    var copy = answer.querySelector(".qa-copy");
    if (copy) setAttr(copy, "aria-label", "Copy this answer as plain text");
    answer.querySelectorAll(".qa-quote-item").forEach(function (item, index) {
      var n = index + 1;
      var down = item.querySelector(".qa-quote-down");
      if (down) {
        var given = quoteVotes[id + " " + down.value];
        applyVoteButton(down, given && given.choice, "Not helpful: quote " + n);
      }
      var share = item.querySelector("a.qa-share");
      if (share) setAttr(share, "aria-label", "Share link to quote " + n + " (opens in a new tab)");
      var original = item.querySelector("a.qa-original");
      if (original) setAttr(original, "aria-label", "Original article of quote " + n + " (opens in a new tab)");
      var context = item.querySelector(".qa-context");
      if (context) setAttr(context, "aria-label", textOf(context.querySelector(".qa-context-label")));
    });
    var offer = answer.querySelector(".qa-suggestions ul");
    if (offer) setAttr(offer, "aria-label", textOf(answer.querySelector(".qa-suggestions-label")));
    var status = answer.querySelector(".qa-status");
    if (status) {
      var shown = statuses[id] || { text: "", error: false };
      setText(status, shown.text);
      toggleClass(status, "qa-status-error", shown.error);
    }
  }

  /** Gradio labels each message with its content, markup and all: a short plain-text label instead. */
  function plainLabel(node) {
    var kind = node.getAttribute("data-testid");
    var text;
    if (kind === "user") {
      text = "Your question: " + textOf(node.querySelector(".qa-question"));
    } else if (kind === "bot") {
      var first = node.querySelector(".qa-urgent, .qa-preamble, .qa-not-covered");
      text = "Answer: " + textOf(first);
    } else {
      var scratch = document.createElement("div");
      scratch.innerHTML = (node.getAttribute("aria-label") || "").replace(/<[^>]*>/g, " ");
      text = scratch.textContent;
    }
    text = text.replace(/\s+/g, " ").trim();
    return text.length > 160 ? text.slice(0, 159) + "\u2026" : text;
  }

  function fixLabels() {
    var labelled = document.querySelectorAll("#chat [aria-label]");
    for (var i = 0; i < labelled.length; i++) {
      var label = labelled[i].getAttribute("aria-label");
      if (label && label.indexOf("<") !== -1) labelled[i].setAttribute("aria-label", plainLabel(labelled[i]));
    }
  }

  // --- Clicks ----------------------------------------------------------------------------------

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      var viewer = window.QuoteSourceViewer;
      var body = viewerBody();

      var citation = target.closest("a.citation");
      if (citation && !citation.closest("#source-viewer")) {
        if (!viewer || !body) return;
        var ref = viewer.parseCitation(citation);
        if (!ref) return;
        event.preventDefault();
        var from = citation.closest(".qa-answer");
        cameFrom = from && answerId(from) ? { id: answerId(from), href: citation.getAttribute("href") } : null;
        showBack();
        focusViewer();
        viewer.show(body, ref, false);
        return;
      }
      if (target.closest("#source-viewer .sv-back")) {
        event.preventDefault();
        backToAnswers();
        return;
      }
      // The "read the whole source" button of the empty viewer (later ones handle themselves).
      var whole = target.closest("#source-viewer .sv-empty ~ .sv-actions .sv-whole");
      if (whole) {
        if (!viewer || !body) return;
        event.preventDefault();
        viewer.showFirstDocument(body);
        return;
      }

      var answer = target.closest("#chat .qa-answer");
      var id = answer && answerId(answer);
      if (!id) return;
      var button = target.closest("button");
      if (!button) return;
      if (button.classList.contains("qa-suggestion")) {
        event.preventDefault();
        askQuestion(button.textContent.trim());
      } else if (button.classList.contains("qa-copy")) {
        event.preventDefault();
        copyText(answerText(answer)).then(
          function () {
            setStatus(id, COPIED, false);
          },
          function (error) {
            setStatus(id, error.message, true);
          }
        );
      } else if (button.matches(".qa-rate button")) {
        event.preventDefault();
        vote(votes, id, id, button.value, null);
      } else if (button.classList.contains("qa-quote-down")) {
        event.preventDefault();
        vote(quoteVotes, id + " " + button.value, id, "down", button.value);
      }
    },
    true
  );

  // --- Keeping up with Gradio's redraws --------------------------------------------------------

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

  function refresh() {
    queued = false;
    revealNewAnswer();
    fixLabels();
    document.querySelectorAll("#chat .qa-answer").forEach(enhanceAnswer);
    adoptErrorToasts();
    applyReadiness();
    openSharedPassage();
  }

  new MutationObserver(function () {
    if (!queued) {
      queued = true;
      requestAnimationFrame(refresh);
    }
  }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"] });

  checkHealth();
})();
