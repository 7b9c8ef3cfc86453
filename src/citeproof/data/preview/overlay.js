// citeproof preview: reload on every rebuild, and lay the check's findings over the page.
// Injected only into pages the preview server serves; never written into build/.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("citeproof-findings").textContent);

  // One event per rebuild (new HTML, or new findings): show the newest state.
  var events = new EventSource("/_citeproof/events?since=" + data.version);
  events.addEventListener("reload", function () { window.location.reload(); });

  function norm(text) { return text.replace(/\s+/g, " ").trim(); }

  // The text nodes under `root`, with where each starts in their joined (whitespace-collapsed) text.
  function textIndex(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var nodes = [], joined = "", node;
    while ((node = walker.nextNode())) {
      if (node.parentElement && node.parentElement.closest(".citeproof-panel, script, style")) continue;
      var map = [], out = "";
      for (var i = 0; i < node.data.length; i++) {
        var ch = /\s/.test(node.data[i]) ? " " : node.data[i];
        if (ch === " " && (joined + out).slice(-1) === " ") continue;
        map.push(i); out += ch;
      }
      nodes.push({ node: node, start: joined.length, map: map });
      joined += out;
    }
    return { nodes: nodes, text: joined };
  }

  function locate(index, position, end) {
    for (var k = 0; k < index.nodes.length; k++) {
      var entry = index.nodes[k], local = position - entry.start;
      if (local >= 0 && (local < entry.map.length || (end && local === entry.map.length))) {
        var offset = local < entry.map.length ? entry.map[local] : entry.node.data.length;
        return { node: entry.node, offset: offset };
      }
    }
    return null;
  }

  // Wrap the first occurrence of `sentence` in a <mark>; false if the page does not show it.
  function mark(sentence, className, title) {
    var main = document.querySelector("main") || document.body;
    var index = textIndex(main);
    var wanted = norm(sentence);
    var at = index.text.indexOf(wanted);
    if (at < 0 && wanted.length > 40) { wanted = wanted.slice(0, 40); at = index.text.indexOf(wanted); }
    if (at < 0) return false;
    var start = locate(index, at, false), end = locate(index, at + wanted.length - 1, false);
    if (!start || !end) return false;
    var range = document.createRange();
    range.setStart(start.node, start.offset);
    range.setEnd(end.node, end.offset + 1);
    var element = document.createElement("mark");
    element.className = className;
    element.title = title;
    element.appendChild(range.extractContents());
    range.insertNode(element);
    return true;
  }

  var panel = document.createElement("aside");
  panel.className = "citeproof-panel";
  panel.setAttribute("aria-label", "citeproof check");
  var heading = document.createElement("p");
  heading.className = "citeproof-panel-title";
  var shown = data.findings.filter(function (f) { return f.severity !== "info"; });
  heading.textContent = data.checking ? "citeproof: checking…" :
    (shown.length ? "citeproof: " + shown.length + " finding" + (shown.length === 1 ? "" : "s") : "citeproof: no findings");
  panel.appendChild(heading);
  var list = document.createElement("ul");
  shown.forEach(function (f) {
    var extra = f.extra || {};
    var where = f.location.path + (f.location.line ? ":" + f.location.line : "");
    var title = f.rule + (typeof extra.score === "number" ? " · score " + extra.score.toFixed(2) : "") + " · " + f.message;
    var item = document.createElement("li");
    item.className = "citeproof-" + f.severity;
    item.textContent = where + ": " + f.message + " [" + f.rule + "]";
    if (extra.sentence) {
      var cls = extra.gap ? "citeproof-gap" : (extra.status === "uncited" ? "citeproof-uncited" : "citeproof-flagged");
      if (!mark(extra.sentence, cls, title)) item.textContent += " (not shown on this page)";
    }
    list.appendChild(item);
  });
  panel.appendChild(list);
  document.body.appendChild(panel);
})();
