/*
 * The admin page (/admin): asks for the admin token, keeps it in this tab's
 * sessionStorage only, reads GET /api/admin/report with it, and shows the
 * report. Everything is built with DOM calls, the chart as SVG elements: the
 * page's policy allows no inline script or style and nothing from elsewhere.
 */
(function () {
  "use strict";

  var KEY = "quote-assistant-admin-token";
  var SVG = "http://www.w3.org/2000/svg";

  var form = document.getElementById("token-form");
  var tokenInput = document.getElementById("token");
  var status = document.getElementById("admin-status");
  var report = document.getElementById("report");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function svg(tag, attributes) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, String(attributes[name]));
    });
    return node;
  }

  function storedToken() {
    try {
      return sessionStorage.getItem(KEY);
    } catch (error) {
      return null;
    }
  }

  function storeToken(token) {
    try {
      if (token) sessionStorage.setItem(KEY, token);
      else sessionStorage.removeItem(KEY);
    } catch (error) {
      /* storage off: the token lives in this page only */
    }
  }

  var token = storedToken();

  function say(text, error) {
    status.textContent = text;
    status.classList.toggle("admin-error", !!error);
  }

  function showForm() {
    report.hidden = true;
    form.hidden = false;
    tokenInput.value = "";
    tokenInput.focus();
  }

  /** The chat page's link to a passage, from a span id "doc:start-end" (the doc may itself hold colons). */
  function passageLink(span) {
    var match = /^(.*):(\d+)-(\d+)$/.exec(span);
    if (!match) return null;
    var params = new URLSearchParams({ doc: match[1], start: match[2], end: match[3] });
    return new URL("./?" + params.toString(), document.baseURI).href;
  }

  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return iso;
    return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function table(caption, headings) {
    var node = el("table", "admin-table");
    if (caption) node.appendChild(el("caption", "visually-hidden", caption));
    var head = el("thead");
    var row = el("tr");
    headings.forEach(function (heading) {
      // A heading is its text, or [text, "number"] for a column of numbers (right-aligned).
      var text = Array.isArray(heading) ? heading[0] : heading;
      var cell = el("th", Array.isArray(heading) ? heading[1] : null, text);
      cell.scope = "col";
      row.appendChild(cell);
    });
    head.appendChild(row);
    node.appendChild(head);
    node.appendChild(el("tbody"));
    return node;
  }

  function renderRatings(ratings) {
    var list = document.getElementById("ratings");
    list.textContent = "";
    [
      ["Helpful answers", ratings.up],
      ["Answers rated not helpful", ratings.down],
      ["Quotes marked not helpful", ratings.quote_not_helpful],
    ].forEach(function (pair) {
      var item = el("div", "rating");
      item.appendChild(el("dt", null, pair[0]));
      item.appendChild(el("dd", null, String(pair[1] || 0)));
      list.appendChild(item);
    });
  }

  /** Questions per day as a bar chart: one bar per day, its count above it, every other label kept when crowded. */
  function renderChart(days) {
    var box = document.getElementById("per-day");
    box.textContent = "";
    if (!days.length) {
      box.appendChild(el("p", "empty", "No questions logged yet."));
      return;
    }
    var width = 720;
    var height = 240;
    var top = 20;
    var bottom = 44;
    var left = 36;
    var right = 8;
    var max = Math.max.apply(
      null,
      days.map(function (d) {
        return d.questions;
      })
    );
    var plotWidth = width - left - right;
    var plotHeight = height - top - bottom;
    var step = plotWidth / days.length;
    var barWidth = Math.max(2, Math.min(48, step * 0.7));
    var every = Math.ceil(days.length / 12);

    var chart = svg("svg", {
      viewBox: "0 0 " + width + " " + height,
      class: "bars",
      role: "img",
      "aria-labelledby": "chart-title",
    });
    var title = svg("title", { id: "chart-title" });
    title.textContent =
      "Questions per day: " +
      days
        .map(function (d) {
          return d.day + ": " + d.questions;
        })
        .join(", ");
    chart.appendChild(title);
    chart.appendChild(svg("line", { x1: left, y1: top + plotHeight, x2: width - right, y2: top + plotHeight, class: "axis" }));
    var maxLabel = svg("text", { x: left - 6, y: top + 4, class: "tick", "text-anchor": "end" });
    maxLabel.textContent = String(max);
    chart.appendChild(maxLabel);
    var zero = svg("text", { x: left - 6, y: top + plotHeight, class: "tick", "text-anchor": "end" });
    zero.textContent = "0";
    chart.appendChild(zero);

    days.forEach(function (day, i) {
      var barHeight = max ? (day.questions / max) * plotHeight : 0;
      var x = left + i * step + (step - barWidth) / 2;
      var y = top + plotHeight - barHeight;
      var bar = svg("rect", { x: x, y: y, width: barWidth, height: Math.max(barHeight, 1), class: "bar" });
      var tip = svg("title");
      tip.textContent = day.day + ": " + day.questions;
      bar.appendChild(tip);
      chart.appendChild(bar);
      if (step >= 18) {
        var count = svg("text", { x: x + barWidth / 2, y: y - 4, class: "count", "text-anchor": "middle" });
        count.textContent = String(day.questions);
        chart.appendChild(count);
      }
      if (i % every === 0) {
        var label = svg("text", { x: x + barWidth / 2, y: top + plotHeight + 16, class: "tick", "text-anchor": "middle" });
        label.textContent = day.day.slice(5); // MM-DD
        chart.appendChild(label);
      }
    });
    box.appendChild(chart);
  }

  function renderGroups(groups) {
    var box = document.getElementById("groups");
    box.textContent = "";
    if (!groups.length) {
      box.appendChild(el("p", "empty", "No question was declined or rated down."));
      return;
    }
    var sorted = groups.slice().sort(function (a, b) {
      return b.count - a.count || String(b.last_seen).localeCompare(String(a.last_seen));
    });
    var node = table("Questions the source did not answer", [
      "Question",
      ["Times asked", "number"],
      ["Declined", "number"],
      ["Rated down", "number"],
      "Last asked",
    ]);
    var body = node.querySelector("tbody");
    sorted.forEach(function (group) {
      var row = el("tr");
      var question = el("td", "question");
      question.appendChild(el("p", "label", group.label));
      var others = (group.examples || []).filter(function (example) {
        return example !== group.label;
      });
      if (others.length) {
        var list = el("ul", "examples");
        others.forEach(function (example) {
          list.appendChild(el("li", null, example));
        });
        question.appendChild(list);
      }
      row.appendChild(question);
      row.appendChild(el("td", "number", String(group.count)));
      row.appendChild(el("td", "number", String(group.declined)));
      row.appendChild(el("td", "number", String(group.rated_down)));
      row.appendChild(el("td", "when", formatTime(group.last_seen)));
      body.appendChild(row);
    });
    box.appendChild(node);
  }

  function renderQuotes(quotes) {
    var box = document.getElementById("quotes");
    box.textContent = "";
    if (!quotes.length) {
      box.appendChild(el("p", "empty", "No quote was marked not helpful."));
      return;
    }
    var node = table("Quotes most often marked not helpful", ["Quote", ["Times marked", "number"]]);
    var body = node.querySelector("tbody");
    quotes.forEach(function (quote) {
      var row = el("tr");
      var cell = el("td", "span");
      var href = passageLink(quote.span);
      if (href) {
        var link = el("a", null, quote.span);
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener";
        link.title = "Open this passage on the chat page";
        cell.appendChild(link);
      } else {
        cell.textContent = quote.span;
      }
      row.appendChild(cell);
      row.appendChild(el("td", "number", String(quote.count)));
      body.appendChild(row);
    });
    box.appendChild(node);
  }

  function render(data) {
    renderRatings(data.ratings || {});
    renderChart(data.per_day || []);
    renderGroups(data.groups || []);
    renderQuotes(data.unhelpful_quotes || []);
    form.hidden = true;
    report.hidden = false;
  }

  function load() {
    if (!token) {
      showForm();
      return;
    }
    say("Loading the report…", false);
    fetch(new URL("api/admin/report", document.baseURI), {
      headers: { Accept: "application/json", Authorization: "Bearer " + token },
      cache: "no-store",
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            return { status: response.status, ok: response.ok, body: body || {} };
          });
      })
      .then(
        function (result) {
          if (result.ok) {
            say("", false);
            render(result.body);
            return;
          }
          if (result.status === 401) {
            token = null;
            storeToken(null);
            say("That token is not right. Please try again.", true);
            showForm();
            return;
          }
          if (result.status === 404) {
            say("The report is turned off on this server (no admin token is set).", true);
            return;
          }
          say(result.body.error || "The report could not be loaded (" + result.status + ").", true);
        },
        function () {
          say("The server could not be reached. Please try again.", true);
        }
      );
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var typed = tokenInput.value.trim();
    if (!typed) return;
    token = typed;
    storeToken(typed);
    tokenInput.value = "";
    load();
  });

  document.getElementById("refresh").addEventListener("click", load);
  document.getElementById("sign-out").addEventListener("click", function () {
    token = null;
    storeToken(null);
    say("Signed out.", false);
    showForm();
  });

  load();
})();
