/*
 * When the reader's session ends while a page is open, say so and offer the login.
 *
 * A private server answers Dash's requests (callbacks, layout, background-job polls)
 * with 401 once the session has expired or was ended elsewhere; Dash alone would show
 * nothing. This wraps window.fetch, and on a 401 from one of Dash's own requests fills
 * the page's session notice (dashboard.components.session) with the message of the
 * document's language and a link to the login page whose ``next`` is the address being
 * read, so signing in brings the reader back to the same view. A public server answers
 * an ended session as any reader would be answered (the public view) with the header
 * ENDED_HEADER: the notice then says the page now withholds small samples.
 *
 * A same-origin file: it runs under the Content-Security-Policy (script-src 'self'),
 * fetches nothing itself, and changes no response's status or body.
 */
(function () {
  "use strict";

  var DASH_REQUEST = /\/_dash-(update-component|layout|dependencies)/;
  // A public server's answer to an ended session (dashboard.serving.access.SESSION_ENDED).
  var ENDED_HEADER = "X-Solutions-Session-Ended";

  function texts(notice) {
    var all = {};
    try {
      all = JSON.parse(notice.getAttribute("data-texts") || "{}");
    } catch (error) {
      all = {};
    }
    var lang = (document.documentElement.lang || "en").split("-")[0];
    return { lang: lang, words: all[lang] || all.en || null };
  }

  function loginHref(notice, lang) {
    var next = window.location.pathname + window.location.search + window.location.hash;
    var query = "next=" + encodeURIComponent(next);
    if (lang && lang !== "en") {
      query += "&lang=" + encodeURIComponent(lang);
    }
    return (notice.getAttribute("data-login") || "/login") + "?" + query;
  }

  function showEnded(kind) {
    var notice = document.getElementById("session-notice");
    if (!notice) {
      return;
    }
    var found = texts(notice);
    if (!found.words) {
      return;
    }
    var message = document.createElement("p");
    message.textContent = kind === "public" ? found.words.public : found.words.message;
    var link = document.createElement("a");
    link.className = "session-notice-link";
    link.href = loginHref(notice, found.lang);
    link.textContent = found.words.link;
    notice.replaceChildren(message, link);
    notice.hidden = false;
  }

  function urlOf(resource) {
    if (typeof resource === "string") {
      return resource;
    }
    return (resource && resource.url) || String(resource);
  }

  var original = window.fetch;
  if (typeof original !== "function") {
    return;
  }
  window.fetch = function (resource, init) {
    var url = urlOf(resource);
    return original.call(this, resource, init).then(function (response) {
      if (response.headers.get(ENDED_HEADER) === "public" && DASH_REQUEST.test(url)) {
        showEnded("public");
      }
      if (response.status === 401 && DASH_REQUEST.test(url)) {
        showEnded("private");
        // Dash reads a 401's body twice (its JWT-expiry check, then its error handler):
        // the second read would fail as an uncaught "body stream already read".
        var read = response.text.bind(response);
        var body = null;
        response.text = function () {
          body = body || read();
          return body;
        };
      }
      return response;
    });
  };
})();
