// Starts Swagger UI on /docs. A file, not an inline script: the page's
// Content-Security-Policy runs scripts from this server only.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge from the public validator: the page talks to this server only.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
