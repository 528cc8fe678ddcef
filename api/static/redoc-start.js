// Starts ReDoc on /redoc. A file, not an inline script: the page's
// Content-Security-Policy runs scripts from this server only.
"use strict";
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapi, { expandResponses: "200,201" }, root);
})();
