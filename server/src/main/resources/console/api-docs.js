// The API page: Swagger UI over the appliance's own OpenAPI document. Requests it sends carry
// the session cookie, and the session's CSRF token for anything but GET (as the API requires).
(function () {
  'use strict';
  window.addEventListener('DOMContentLoaded', function () {
    var el = document.getElementById('swagger-ui');
    window.SwaggerUIBundle({
      url: el.getAttribute('data-url'),
      domNode: el,
      deepLinking: true,
      requestInterceptor: function (req) {
        req.headers['X-CSRF-Token'] = window.perfmetrics.csrf();
        return req;
      }
    });
  });
})();
