/* Offline search over window.DIGEST_SEARCH (the shards in assets/search/).
   Progressive enhancement: without JavaScript the page says so and every
   article stays reachable from the digest. */
(function () {
  "use strict";
  var shards = window.DIGEST_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var output = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!shards || !form || !input || !output) { return; }
  var messages = JSON.parse(document.getElementById("search-messages").textContent);
  document.documentElement.classList.add("js-search");

  // The same rule as site_builder/search.py words_of(): quotes inside words
  // (Hebrew abbreviations, geresh) are dropped, then runs of letters are words.
  function words(text) {
    var plain = text.toLowerCase().replace(/["'\u05f3\u05f4]/g, "");
    return plain.match(/[\p{L}\p{M}\p{N}_]+/gu) || [];
  }

  function forms(word, shard) {
    var result = [word];
    shard.prefixes.forEach(function (prefix) {
      if (word.indexOf(prefix) === 0 && word.length - prefix.length >= shard.minStem) {
        result.push(word.slice(prefix.length));
      }
    });
    return result;
  }

  function matches(word, shard) {
    var hits = {};
    forms(word, shard).forEach(function (form) {
      (shard.index[form] || []).forEach(function (n) { hits[n] = true; });
    });
    return hits;
  }

  // The index comes in shards (one script each); a document is found when every
  // word of the query matches it.  Results: newest first, then by address.
  function search(query) {
    var terms = words(query);
    if (!terms.length) { return []; }
    var found = [];
    shards.forEach(function (shard) {
      var sets = terms.map(function (term) { return matches(term, shard); });
      Object.keys(sets[0]).forEach(function (n) {
        if (sets.every(function (set) { return set[n]; })) {
          found.push(shard.documents[Number(n)]);
        }
      });
    });
    return found.sort(function (a, b) {
      if (a.d !== b.d) { return a.d < b.d ? 1 : -1; }
      return a.u < b.u ? -1 : (a.u > b.u ? 1 : 0);
    });
  }

  function show(query) {
    output.textContent = "";
    if (!query.trim()) { status.textContent = ""; return; }
    var found = search(query);
    status.textContent = found.length
      ? messages.results.replace("{n}", String(found.length))
      : messages.nothing;
    found.forEach(function (doc) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = doc.u;
      link.textContent = doc.t;
      link.lang = doc.l;
      link.dir = doc.l === "he" ? "rtl" : "ltr";
      item.appendChild(link);
      if (doc.s) {
        // The lead's own direction is inline, as the title's: both line up on the page's side.
        var dek = document.createElement("p");
        var text = document.createElement("span");
        dek.className = "dek";
        text.textContent = doc.s;
        text.lang = doc.l;
        text.dir = link.dir;
        dek.appendChild(text);
        item.appendChild(dek);
      }
      output.appendChild(item);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
  input.addEventListener("input", function () { show(input.value); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; show(initial); }
})();
