/*
 * The widget's chat page (/embed), shown in an iframe by widget.js or on its own.
 * Answers come from /api/ask as JSON and are built with DOM calls: every quote
 * is inserted as text, so nothing from the source or the question is ever markup.
 */
(function () {
  "use strict";

  var CLOSE = "quote-assistant:close";
  var FOCUS = "quote-assistant:focus";

  var params = new URLSearchParams(location.search);
  var framed = window.parent !== window;
  var groupOrder = (document.body.getAttribute("data-group-order") || "").split(" ").filter(Boolean);

  var messages = document.getElementById("messages");
  var form = document.getElementById("ask-form");
  var input = document.getElementById("chat-input");
  var viewer = document.getElementById("source-viewer");
  var viewerBody = viewer.querySelector(".sv-body");
  var viewerHeading = viewer.querySelector(".sv-heading");
  var lastCitation = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  // Options from the embedding tag, passed by widget.js. Only a valid CSS colour is used.
  var accent = params.get("accent");
  if (accent && window.CSS && CSS.supports("color", accent)) {
    document.documentElement.style.setProperty("--accent", accent);
  }
  if (params.get("title")) document.title = params.get("title");
  var greeting = params.get("greeting");
  if (greeting) {
    var empty = messages.querySelector(".empty");
    if (empty) empty.textContent = greeting;
  }

  /** Quotes in display order: those on no side first, then each side in the server's order (as ui.sections). */
  function sections(snippets) {
    var order = [null].concat(groupOrder);
    snippets.forEach(function (s) {
      if (s.group && order.indexOf(s.group) < 0) order.push(s.group);
    });
    return order
      .map(function (group) {
        return {
          group: group,
          items: snippets.filter(function (s) {
            return (s.group || null) === group;
          }),
        };
      })
      .filter(function (section) {
        return section.items.length > 0;
      });
  }

  /** One answer from /api/ask (the AnswerOut schema of assistant/schemas.py), built with DOM calls. */
  function renderAnswer(answer) {
    var box = el("div", "answer");
    box.setAttribute("data-answer-id", answer.id); // for feedback later; the chat page uses a class instead
    if (answer.notice) {
      var urgent = el("div", "notice urgent", answer.notice);
      urgent.setAttribute("role", "alert");
      box.appendChild(urgent);
    }
    if (answer.preamble) box.appendChild(el("p", "preamble", answer.preamble));
    if (answer.message) {
      var uncovered = el("div", "notice not-covered", answer.message);
      uncovered.setAttribute("role", "status");
      box.appendChild(uncovered);
    }
    var number = 0;
    sections(answer.snippets).forEach(function (section) {
      var parent = box;
      if (section.group) {
        parent = el("section", "group group-" + section.group);
        parent.appendChild(el("h3", "group-label", section.items[0].group_label || section.group));
        box.appendChild(parent);
      }
      section.items.forEach(function (snippet) {
        number += 1;
        var quote = el("blockquote", "quote");
        quote.appendChild(el("p", "quote-text", snippet.text));
        var footer = el("footer");
        var link = el("a", "citation", "[" + number + "] " + (snippet.title || snippet.doc));
        // The passage travels in the link itself, as on the chat page (parseCitation reads it).
        link.href = window.QuoteSourceViewer.citationHref(snippet);
        link.title = "Show this passage in the source";
        footer.appendChild(link);
        quote.appendChild(footer);
        parent.appendChild(quote);
      });
    });
    return box;
  }

  function scrollToEnd() {
    messages.scrollTop = messages.scrollHeight;
  }

  function ask(question) {
    var empty = messages.querySelector(".empty");
    if (empty) empty.remove();
    var asked = el("p", "question", question);
    messages.appendChild(asked);
    var shown = null;
    var pending = el("p", "pending", "Looking for quotes…");
    messages.appendChild(pending);
    scrollToEnd();
    form.querySelector("button").disabled = true;
    return fetch(new URL("api/ask", document.baseURI), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ question: question }),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            if (!response.ok) throw new Error(body.error || "Something went wrong (" + response.status + ").");
            return body;
          });
      })
      .then(function (answer) {
        pending.replaceWith(renderAnswer(answer));
        shown = asked;
      })
      .catch(function (error) {
        var problem = el("p", "error", error.message);
        problem.setAttribute("role", "alert");
        pending.replaceWith(problem);
      })
      .finally(function () {
        form.querySelector("button").disabled = false;
        // Show an answer from its top (the urgent notice comes first), an error at the end.
        if (shown) messages.scrollTop = Math.max(0, shown.offsetTop - 8); // .messages is the offsetParent
        else scrollToEnd();
      });
  }

  function openViewer(ref, citation) {
    lastCitation = citation;
    viewer.hidden = false;
    messages.setAttribute("aria-hidden", "true");
    viewerHeading.focus({ preventScroll: true });
    window.QuoteSourceViewer.show(viewerBody, ref, false);
  }

  function closeViewer() {
    viewer.hidden = true;
    messages.removeAttribute("aria-hidden");
    if (lastCitation && document.contains(lastCitation)) lastCitation.focus();
    else input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });

  messages.addEventListener("click", function (event) {
    var citation = event.target instanceof Element ? event.target.closest("a.citation") : null;
    if (!citation) return;
    event.preventDefault();
    var ref = window.QuoteSourceViewer.parseCitation(citation);
    if (ref) openViewer(ref, citation);
  });

  viewer.querySelector(".viewer-back").addEventListener("click", closeViewer);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (!viewer.hidden) {
      event.preventDefault();
      closeViewer();
    } else if (framed) {
      // The panel around this frame belongs to the host page; ask widget.js to close it.
      // The message carries no data, so any parent may receive it.
      event.preventDefault();
      window.parent.postMessage({ type: CLOSE }, "*");
    }
  });

  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === FOCUS) input.focus();
  });

  if (!framed) input.focus();
})();
