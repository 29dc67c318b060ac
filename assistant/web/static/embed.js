/*
 * The widget's chat page (/embed), shown in an iframe by widget.js or on its own.
 * Answers come from /api/ask as JSON and are built with DOM calls: every quote
 * is inserted as text, so nothing from the source or the question is ever markup.
 *
 * Per answer: the urgent notice first, then the preamble (answers only) or the
 * decline's message with its suggested questions, then the quotes. A quote with
 * surrounding text (context) is never shown without it. Each answer can be
 * copied as plain text and rated; each quote can be marked not helpful
 * (POST /api/feedback). The reader's earlier questions go with each new one
 * (history), so a follow-up is answered with them in mind.
 */
(function () {
  "use strict";

  var CLOSE = "quote-assistant:close";
  var FOCUS = "quote-assistant:focus";

  var HISTORY_KEPT = 20; // the most the server takes
  var HISTORY_SENT = 5; // the last few are what a follow-up leans on
  var HEALTH_POLL_MS = 1500; // while the server loads, how often /healthz is asked
  var READY_WAIT_MS = 5 * 60 * 1000; // then give up and show the server's message

  var THANKS = "Thank you for your feedback.";
  var COPIED = "Copied.";
  var COPY_FAILED = "Copying is not allowed here. Select the text to copy it.";

  var params = new URLSearchParams(location.search);
  var framed = window.parent !== window;
  var body = document.body;
  var groupOrder = (body.getAttribute("data-group-order") || "").split(" ").filter(Boolean);
  // The fixed texts of assistant/safety.py, filled into embed.html by the server.
  var SUGGESTIONS_LABEL = body.getAttribute("data-suggestions-label") || "";
  var CONTEXT_LABEL = body.getAttribute("data-context-label") || "";

  var messages = document.getElementById("messages");
  var form = document.getElementById("ask-form");
  var input = document.getElementById("chat-input");
  var submit = form.querySelector("button[type=submit]");
  var readyNote = document.getElementById("ready-note");
  var viewer = document.getElementById("source-viewer");
  var viewerBody = viewer.querySelector(".sv-body");
  var viewerHeading = viewer.querySelector(".sv-heading");
  var lastCitation = null;

  var earlier = []; // the reader's questions answered so far in this page, oldest first
  var busy = false; // one question at a time
  var waiting = null; // while the server loads: a promise of it being ready

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function button(className, text, label) {
    var node = el("button", className, text);
    node.type = "button";
    if (label) node.setAttribute("aria-label", label); // plain text, never markup
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

  // --- Talking to the server -------------------------------------------------

  /** fetch, then the JSON body whatever the status: {ok, status, body}. Rejects only when the server is unreachable. */
  function request(path, options) {
    return fetch(new URL(path, document.baseURI), options).then(function (response) {
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

  function postJson(path, payload) {
    return request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
    });
  }

  /** The server's own words for a refusal (413, 422, 429, ...), as the chat shows them. */
  function refusal(result) {
    return new Error(result.body.error || "Something went wrong (" + result.status + ").");
  }

  /** "ok", "loading" or "error" from /healthz; "unreachable" when it cannot be asked. */
  function health() {
    return request("healthz", { headers: { Accept: "application/json" } }).then(
      function (result) {
        return result.ok ? "ok" : result.body.status || "error";
      },
      function () {
        return "unreachable";
      },
    );
  }

  function showReadyNote(shown) {
    readyNote.hidden = !shown;
    if (shown) input.setAttribute("aria-describedby", readyNote.id);
    else input.removeAttribute("aria-describedby");
  }

  /** While the server loads: the "getting ready" note under way, and a promise of true once it is ready. */
  function whenReady() {
    if (waiting) return waiting;
    var deadline = Date.now() + READY_WAIT_MS;
    showReadyNote(true);
    waiting = new Promise(function (resolve) {
      (function poll() {
        health().then(function (status) {
          if (status === "loading" && Date.now() < deadline) setTimeout(poll, HEALTH_POLL_MS);
          else resolve(status === "ok");
        });
      })();
    }).then(function (ready) {
      waiting = null;
      showReadyNote(false);
      return ready;
    });
    return waiting;
  }

  /** An answer from /api/ask; asked again, without an error, once a server that is still loading is ready. */
  function fetchAnswer(question, history) {
    return postJson("api/ask", { question: question, history: history }).then(function (result) {
      if (result.ok) return result.body;
      if (result.status !== 503) throw refusal(result);
      // 503 is "still loading" (with Retry-After) or "too slow": only the first is waited out.
      return health().then(function (status) {
        if (status !== "loading") throw refusal(result);
        return whenReady().then(function (ready) {
          if (!ready) throw refusal(result);
          return fetchAnswer(question, history);
        });
      });
    });
  }

  function sendFeedback(answerId, rating, span) {
    return postJson("api/feedback", { id: answerId, rating: rating, span: span }).then(function (result) {
      if (!result.ok) throw refusal(result);
    });
  }

  // --- Links and plain text ---------------------------------------------------

  /** The passage on the assistant's own chat page: <origin>/?doc=…&start=…&end=…, to share or keep. */
  function passageLink(snippet) {
    var page = new URL("./", document.baseURI).href;
    return page + "?doc=" + encodeURIComponent(snippet.doc) + "&start=" + snippet.start + "&end=" + snippet.end;
  }

  function originalLink(snippet) {
    var url = snippet.source_url;
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function spanId(snippet) {
    return snippet.span_id || snippet.doc + ":" + snippet.start + "-" + snippet.end;
  }

  /** Put text on the clipboard: the Clipboard API, or the older copy command where that is not allowed. */
  function copyText(text) {
    function fallback() {
      var area = el("textarea", "visually-hidden");
      area.value = text;
      area.setAttribute("readonly", "");
      area.setAttribute("aria-hidden", "true");
      var focused = document.activeElement;
      body.appendChild(area);
      area.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      area.remove();
      if (focused && focused.focus) focused.focus();
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

  // --- Answers ---------------------------------------------------------------

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

  /** The text around a quote, the quote marked in it; offsets are Python's (code points), so split by code point. */
  function renderContext(snippet) {
    var context = snippet.context;
    var box = el("div", "context");
    box.appendChild(el("p", "context-label", CONTEXT_LABEL));
    var text = el("p", "context-text");
    var chars = Array.from(context.text);
    var from = snippet.start - context.start;
    var to = snippet.end - context.start;
    if (from >= 0 && to <= chars.length && chars.slice(from, to).join("") === snippet.text) {
      text.appendChild(document.createTextNode(chars.slice(0, from).join("")));
      text.appendChild(el("mark", "context-quote", snippet.text));
      text.appendChild(document.createTextNode(chars.slice(to).join("")));
    } else {
      text.textContent = context.text;
    }
    box.appendChild(text);
    return box;
  }

  /**
   * One vote for a group of buttons (an answer's up and down, or a quote's "not helpful"): the chosen one
   * is pressed, the group takes no second vote, and the status says thank you, or why it was refused.
   */
  function vote(group, chosen, answerId, rating, span, status) {
    if (chosen.getAttribute("aria-disabled") === "true") return;
    group.forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
    });
    chosen.setAttribute("aria-pressed", "true");
    status.classList.remove("status-error");
    status.textContent = "";
    sendFeedback(answerId, rating, span).then(
      function () {
        status.textContent = THANKS;
      },
      function (error) {
        chosen.setAttribute("aria-pressed", "false");
        group.forEach(function (b) {
          b.removeAttribute("aria-disabled");
        });
        status.classList.add("status-error");
        status.textContent = error.message;
      },
    );
  }

  // Thumb outlines (Feather icons, MIT): drawn, so they show without an emoji font.
  var THUMBS = {
    up: "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3",
    down:
      "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17",
  };

  function thumb(direction) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "glyph");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", THUMBS[direction]);
    svg.appendChild(path);
    return svg;
  }

  function voteButton(className, direction, text, label) {
    var node = button(className, null, label);
    node.appendChild(thumb(direction));
    node.appendChild(document.createTextNode(text));
    node.setAttribute("aria-pressed", "false");
    return node;
  }

  /** One answer from /api/ask (the AnswerOut schema of assistant/schemas.py), built with DOM calls. */
  function renderAnswer(answer) {
    var box = el("div", "answer");
    box.setAttribute("data-answer-id", answer.id); // the chat page uses a class instead
    var status = el("p", "answer-status");
    status.setAttribute("role", "status");
    var copy = []; // the answer as plain text, paragraph by paragraph

    // The urgent notice first, whatever else the answer holds.
    if (answer.notice) {
      var urgent = el("div", "notice urgent", answer.notice);
      urgent.setAttribute("role", "alert");
      box.appendChild(urgent);
      copy.push(answer.notice);
    }
    // The preamble is above quotes only: a decline has none (null), and its message instead.
    if (answer.preamble) {
      box.appendChild(el("p", "preamble", answer.preamble));
      copy.push(answer.preamble);
    }
    if (answer.message) {
      var uncovered = el("div", "notice not-covered", answer.message);
      uncovered.setAttribute("role", "status");
      box.appendChild(uncovered);
      copy.push(answer.message);
    }
    var suggestions = answer.suggestions || [];
    if (suggestions.length) {
      var offer = el("div", "suggestions");
      var offerLabel = el("p", "suggestions-label", SUGGESTIONS_LABEL);
      offerLabel.id = "suggestions-" + answer.id;
      var list = el("ul", "suggestion-list");
      list.setAttribute("aria-labelledby", offerLabel.id);
      suggestions.forEach(function (question) {
        var item = el("li");
        var choice = button("suggestion", question);
        choice.addEventListener("click", function () {
          if (busy) return;
          input.focus(); // where the next question is typed, as after asking from the box
          ask(question);
        });
        item.appendChild(choice);
        list.appendChild(item);
      });
      offer.appendChild(offerLabel);
      offer.appendChild(list);
      box.appendChild(offer);
      copy.push(
        [SUGGESTIONS_LABEL]
          .concat(
            suggestions.map(function (q) {
              return "- " + q;
            }),
          )
          .join("\n"),
      );
    }

    var number = 0;
    sections(answer.snippets || []).forEach(function (section) {
      var parent = box;
      if (section.group) {
        var groupLabel = section.items[0].group_label || section.group;
        parent = el("section", "group group-" + section.group);
        parent.appendChild(el("h3", "group-label", groupLabel));
        box.appendChild(parent);
        copy.push(groupLabel);
      }
      section.items.forEach(function (snippet) {
        number += 1;
        var n = number;
        var title = snippet.title || snippet.doc;
        var item = el("div", "quote-item");
        var quote = el("blockquote", "quote");
        quote.appendChild(el("p", "quote-text", snippet.text));
        var footer = el("footer");
        var link = el("a", "citation", "[" + n + "] " + title);
        // The passage travels in the link itself, as on the chat page (parseCitation reads it).
        link.href = window.QuoteSourceViewer.citationHref(snippet);
        link.title = "Show this passage in the source";
        footer.appendChild(link);

        var share = el("a", "passage-link", "Share link");
        share.href = passageLink(snippet);
        share.target = "_blank";
        share.rel = "noopener";
        share.setAttribute("aria-label", "Share link to quote " + n + " on the assistant's page");
        footer.appendChild(share);

        var original = originalLink(snippet);
        if (original) {
          var article = el("a", "original", "Original article");
          article.href = original;
          article.target = "_blank";
          article.rel = "noopener noreferrer";
          article.setAttribute("aria-label", "Original article: " + title + " (opens in a new tab)");
          footer.appendChild(article);
        }

        var unhelpful = voteButton("not-helpful", "down", "Not helpful", "Not helpful: quote " + n);
        unhelpful.addEventListener("click", function () {
          vote([unhelpful], unhelpful, answer.id, "down", spanId(snippet), status);
        });
        footer.appendChild(unhelpful);

        quote.appendChild(footer);
        item.appendChild(quote);
        var lines = ["\u201C" + snippet.text + "\u201D", "[" + n + "] " + title, passageLink(snippet)];
        if (original) lines.push("Original article: " + original);
        // A quote too short to stand alone is never shown, or copied, without the text around it.
        if (snippet.context) {
          item.appendChild(renderContext(snippet));
          lines.push(CONTEXT_LABEL + ": \u201C" + snippet.context.text + "\u201D");
        }
        parent.appendChild(item);
        copy.push(lines.join("\n"));
      });
    });

    var actions = el("div", "answer-actions");
    var copyButton = button("copy", "Copy", "Copy this answer as plain text");
    var plain = copy.join("\n\n") + "\n";
    copyButton.addEventListener("click", function () {
      status.classList.remove("status-error");
      copyText(plain).then(
        function () {
          status.textContent = COPIED;
        },
        function (error) {
          status.classList.add("status-error");
          status.textContent = error.message;
        },
      );
    });
    actions.appendChild(copyButton);

    var rating = el("div", "rate");
    rating.setAttribute("role", "group");
    rating.setAttribute("aria-label", "Rate this answer");
    var up = voteButton("rate-up", "up", "Helpful");
    var down = voteButton("rate-down", "down", "Not helpful");
    [up, down].forEach(function (choice) {
      choice.addEventListener("click", function () {
        vote([up, down], choice, answer.id, choice === up ? "up" : "down", null, status);
      });
      rating.appendChild(choice);
    });
    actions.appendChild(rating);
    box.appendChild(actions);
    box.appendChild(status);
    return box;
  }

  // --- Asking ----------------------------------------------------------------

  function scrollToEnd() {
    messages.scrollTop = messages.scrollHeight;
  }

  function ask(question) {
    if (busy) return null;
    busy = true;
    submit.disabled = true;
    var empty = messages.querySelector(".empty");
    if (empty) empty.remove();
    var asked = el("p", "question", question);
    messages.appendChild(asked);
    var shown = null;
    var pending = el("p", "pending", "Looking for quotes…");
    messages.appendChild(pending);
    scrollToEnd();
    // This reader's earlier questions, oldest first: a follow-up leans on them.
    var history = earlier.slice(-HISTORY_SENT);
    return fetchAnswer(question, history)
      .then(function (answer) {
        pending.replaceWith(renderAnswer(answer));
        earlier.push(question);
        if (earlier.length > HISTORY_KEPT) earlier.shift();
        shown = asked;
      })
      .catch(function (error) {
        // fetch's own TypeError when the server cannot be reached.
        var text = error instanceof TypeError ? "The assistant cannot be reached. Please try again." : error.message;
        var problem = el("p", "error", text);
        problem.setAttribute("role", "alert");
        pending.replaceWith(problem);
      })
      .finally(function () {
        busy = false;
        submit.disabled = false;
        // Show an answer from its top (the urgent notice comes first), an error at the end.
        if (shown) messages.scrollTop = Math.max(0, shown.offsetTop - 8); // .messages is the offsetParent
        else scrollToEnd();
      });
  }

  // --- The source viewer -----------------------------------------------------

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
    if (!question || busy) return;
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

  // A server that has just started loads its model first: say so under the box until it is ready.
  health().then(function (status) {
    if (status === "loading") whenReady();
  });

  if (!framed) input.focus();
})();
