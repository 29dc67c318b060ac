/*
 * Embeddable chat widget. One tag on any page:
 *
 *   <script src="https://HOST/widget.js" async
 *           data-title="Ask the source" data-accent="#0f766e"
 *           data-position="bottom-right" data-greeting="Hi! Ask me about back spasms."></script>
 *
 * adds a launcher button that opens the chat (HOST/embed) in an iframe. The
 * launcher and panel live in a shadow root, so host styles do not reach them
 * and theirs do not leak out; the chat itself is a separate document.
 * Which sites may frame the chat is the server's ASSISTANT_ALLOWED_ORIGINS.
 */
(function () {
  "use strict";

  var CLOSE = "quote-assistant:close";
  var FOCUS = "quote-assistant:focus";

  var script =
    document.currentScript ||
    // currentScript is null when run from a callback; find our tag by name instead.
    Array.prototype.slice.call(document.querySelectorAll("script[src]")).filter(function (s) {
      return /\/widget\.js(\?|#|$)/.test(s.src);
    })[0];
  if (!script || window.__quoteAssistantWidget) return;
  window.__quoteAssistantWidget = true;

  // The server is wherever this script came from.
  var base = new URL(".", script.src);
  var origin = base.origin;

  var title = script.getAttribute("data-title") || "Ask the source";
  var greeting = script.getAttribute("data-greeting") || "";
  var position = script.getAttribute("data-position") === "bottom-left" ? "left" : "right";
  var accent = script.getAttribute("data-accent") || "";
  // Only a real colour reaches the stylesheet: the attribute is the host's, the CSS is ours.
  if (!(accent && window.CSS && CSS.supports("color", accent))) accent = "#4f46e5";

  var STYLE = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".launcher { position: fixed; bottom: 20px; SIDE: 20px; z-index: 2147483000;",
    "  width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer;",
    "  background: ACCENT; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25);",
    "  display: flex; align-items: center; justify-content: center; padding: 0; }",
    ".launcher:focus-visible { outline: 3px solid #111827; outline-offset: 3px; }",
    ".launcher svg { width: 28px; height: 28px; }",
    ".panel { position: fixed; bottom: 88px; SIDE: 20px; z-index: 2147483000;",
    "  width: min(400px, calc(100vw - 32px)); height: min(620px, calc(100vh - 120px));",
    "  display: flex; flex-direction: column; background: #fff; border-radius: 14px; overflow: hidden;",
    "  box-shadow: 0 12px 40px rgba(0,0,0,.3); border: 1px solid #d1d5db;",
    "  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #111827; }",
    ".panel[hidden] { display: none; }",
    ".bar { display: flex; align-items: center; justify-content: space-between; gap: 8px;",
    "  padding: 8px 10px 8px 14px; background: ACCENT; color: #fff; }",
    ".bar h2 { margin: 0; font-size: 15px; font-weight: 600; }",
    ".close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1;",
    "  width: 36px; height: 36px; border-radius: 8px; cursor: pointer; }",
    ".close:focus-visible { outline: 2px solid #fff; }",
    "iframe { flex: 1; width: 100%; border: 0; background: #fff; }",
    "@media (max-width: 480px) { .panel { SIDE: 8px; bottom: 80px; width: calc(100vw - 16px);",
    "  height: calc(100vh - 96px); } }",
  ]
    .join("\n")
    .replace(/SIDE/g, position)
    .replace(/ACCENT/g, accent);

  var ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" ' +
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' +
    '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';

  function mount() {
    var host = document.createElement("div");
    host.setAttribute("data-quote-assistant", "");
    var root = host.attachShadow({ mode: "open" });

    var style = document.createElement("style");
    style.textContent = STYLE;

    var launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.setAttribute("data-assistant-launcher", "");
    launcher.setAttribute("aria-label", title);
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "quote-assistant-panel");
    launcher.innerHTML = ICON; // a constant, never host data

    var panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "quote-assistant-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "quote-assistant-title");
    panel.hidden = true;

    var bar = document.createElement("div");
    bar.className = "bar";
    var heading = document.createElement("h2");
    heading.id = "quote-assistant-title";
    heading.textContent = title;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", "Close " + title);
    close.textContent = "\u00d7";
    bar.appendChild(heading);
    bar.appendChild(close);

    var frame = document.createElement("iframe");
    frame.setAttribute("data-assistant-frame", "");
    frame.title = title;
    // The chat's Copy button writes its answer to the clipboard; nothing else is delegated to the frame.
    frame.setAttribute("allow", "clipboard-write");
    panel.appendChild(bar);
    panel.appendChild(frame);

    root.appendChild(style);
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(host);

    var loaded = false;

    function focusChat() {
      frame.focus();
      if (frame.contentWindow) frame.contentWindow.postMessage({ type: FOCUS }, origin);
    }

    function open() {
      if (!frame.getAttribute("src")) {
        // Loaded on first open only, so a page that never opens the chat pays nothing for it.
        var src = new URL("embed", base);
        src.searchParams.set("title", title);
        src.searchParams.set("accent", accent);
        if (greeting) src.searchParams.set("greeting", greeting);
        frame.addEventListener("load", function () {
          loaded = true;
          if (!panel.hidden) focusChat();
        });
        frame.src = src.toString();
      }
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      if (loaded) focusChat();
      else close.focus();
    }

    function shut() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    launcher.addEventListener("click", function () {
      if (panel.hidden) open();
      else shut();
    });
    close.addEventListener("click", shut);
    // Esc while focus is on the launcher or the panel bar (keys inside the frame arrive as messages).
    root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) {
        event.preventDefault();
        shut();
      }
    });
    window.addEventListener("message", function (event) {
      if (event.source === frame.contentWindow && event.origin === origin && event.data && event.data.type === CLOSE) {
        if (!panel.hidden) shut();
      }
    });
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
