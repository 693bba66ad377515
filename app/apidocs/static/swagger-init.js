// Starts Swagger UI on /docs. A file, not an inline script, so that the page's
// Content-Security-Policy can refuse every inline script (script-src 'self').
// The page gives the addresses in data- attributes: they carry the proxy's root path.
'use strict';
(function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: new URL(root.dataset.oauth2RedirectUrl, window.location.href).href,
    // No badge from validator.swagger.io (another host, which an offline lab machine cannot
    // reach), even if the layout is ever changed to the standalone one that shows it.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
