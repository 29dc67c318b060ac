/*
 * Shows a quoted passage in the context of its source document.
 * Shared by the chat page (chat.js) and the widget's page (embed.js).
 *
 * The server splits the text into before / quote / after, so nothing here
 * slices by offsets (Python counts code points, JavaScript UTF-16 units), and
 * every piece of source text is inserted as text, never as markup.
 */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  /** The passage a citation points at, from its href "#source?doc=…&start=…&end=…". */
  function parseCitation(link) {
    var href = link.getAttribute("href") || "";
    var query = href.indexOf("?");
    if (query < 0) return null;
    var params = new URLSearchParams(href.slice(query + 1));
    var doc = params.get("doc");
    var start = parseInt(params.get("start"), 10);
    var end = parseInt(params.get("end"), 10);
    if (!doc || isNaN(start) || isNaN(end)) return null;
    return { doc: doc, start: start, end: end };
  }

  function citationHref(snippet) {
    var params = new URLSearchParams({ doc: snippet.doc, start: String(snippet.start), end: String(snippet.end) });
    return "#source?" + params.toString();
  }

  function sourceUrl(ref, whole) {
    var path = ref.doc.split("/").map(encodeURIComponent).join("/");
    var url = new URL("api/source/" + path, document.baseURI);
    if (ref.start != null) {
      url.searchParams.set("start", String(ref.start));
      url.searchParams.set("end", String(ref.end));
    }
    if (whole) url.searchParams.set("whole", "true");
    return url;
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          if (!response.ok) throw new Error(body.error || "The source could not be loaded (" + response.status + ").");
          return body;
        });
    });
  }

  function render(body, passage, ref, whole) {
    body.textContent = "";
    body.appendChild(el("h3", "sv-title", passage.title || passage.doc));
    var hasQuote = passage.quote_start != null;
    var note = !hasQuote
      ? "The whole source text."
      : whole
        ? "The whole source text, with the quoted passage highlighted."
        : "The quoted passage, highlighted, with the text around it.";
    body.appendChild(el("p", "sv-meta", note));

    var text = el("div", "sv-text");
    text.tabIndex = 0; // a scrollable region must be reachable by keyboard
    text.setAttribute("role", "region");
    text.setAttribute("aria-label", "Source text");
    if (passage.start > 0) text.appendChild(el("span", "sv-gap", "… "));
    text.appendChild(document.createTextNode(passage.before));
    var mark = null;
    if (hasQuote) {
      mark = el("mark", "sv-quote", passage.quote);
      text.appendChild(mark);
      text.appendChild(document.createTextNode(passage.after));
    }
    if (passage.end < passage.chars) text.appendChild(el("span", "sv-gap", " …"));
    body.appendChild(text);

    var actions = el("p", "sv-actions");
    if (hasQuote) {
      var toggle = el("button", whole ? "sv-passage" : "sv-whole", whole ? "Show only the passage" : "Read the whole source");
      toggle.type = "button";
      toggle.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        show(body, ref, !whole);
      });
      actions.appendChild(toggle);
    }
    if (passage.source_url && /^https?:\/\//i.test(passage.source_url)) {
      var original = el("a", "sv-original", "Original page");
      original.href = passage.source_url;
      original.target = "_blank";
      original.rel = "noopener noreferrer";
      actions.appendChild(original);
    }
    if (actions.childNodes.length) body.appendChild(actions);

    if (mark) {
      mark.scrollIntoView({ block: "center", behavior: "instant" });
    } else {
      text.scrollTop = 0;
    }
    return mark;
  }

  /** Fetch and show a passage (or a whole document when ref has no start) in body. */
  function show(body, ref, whole) {
    body.setAttribute("aria-busy", "true");
    return getJson(sourceUrl(ref, whole))
      .then(function (passage) {
        return render(body, passage, ref, whole);
      })
      .catch(function (error) {
        body.textContent = "";
        body.appendChild(el("p", "sv-error", error.message));
        return null;
      })
      .finally(function () {
        body.removeAttribute("aria-busy");
      });
  }

  /** Show the first source document in full: for "read the whole source" before any citation. */
  function showFirstDocument(body) {
    return getJson(new URL("api/sources", document.baseURI))
      .then(function (docs) {
        if (!docs.length) throw new Error("There is no source document.");
        return show(body, { doc: docs[0].doc }, true);
      })
      .catch(function (error) {
        body.textContent = "";
        body.appendChild(el("p", "sv-error", error.message));
      });
  }

  window.QuoteSourceViewer = {
    parseCitation: parseCitation,
    citationHref: citationHref,
    show: show,
    showFirstDocument: showFirstDocument,
  };
})();
