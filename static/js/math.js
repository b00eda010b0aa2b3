/* Typeset TeX math with the vendored KaTeX (static/vendor/katex) in every element marked data-math.
   Without JavaScript the text stays as written ($…$), which is still readable. */
(function () {
  "use strict";
  function render() {
    if (typeof window.renderMathInElement !== "function") return;
    var options = {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false }
      ],
      throwOnError: false,
      ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option", "input"]
    };
    var nodes = document.querySelectorAll("[data-math]");
    for (var i = 0; i < nodes.length; i++) {
      try { window.renderMathInElement(nodes[i], options); } catch (e) { /* leave the raw TeX */ }
    }
    document.documentElement.classList.add("math-ready");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
