/*
 * Plotly runs while the layout is on its way, on the pages that open on a map
 * (DESIGN 7, first load), not after the layout has come back and React has drawn the
 * graph.
 *
 * Dash's dcc.Graph loads plotly.js itself once it is first drawn: after the layout
 * request and the first render, so plotly's download and its second of script evaluation
 * wait behind them. On a map page the server's HTML asks for plotly.js at once
 * (<link rel="preload" data-plotly-early>, dashboard.static_cache.plotly_preload); this
 * file runs it as soon as Dash's renderer has sent its layout request, so the server
 * builds the layout while the browser evaluates plotly.js (started any earlier, the
 * evaluation would hold the renderer back from sending it). The page's "load" event
 * starts it if no such request is seen.
 *
 * dcc.Graph waits on ``Promise.resolve(window.Plotly || <its own script>)``: until
 * plotly.js has run, window.Plotly is a thenable that settles when it has, so the graph
 * waits for this script rather than loading and running plotly.js a second time (on a
 * slow link the layout can come back first). plotly.js then replaces it with itself.
 *
 * A same-origin file (script-src 'self', DESIGN 5.1) loading a same-origin file; the
 * fetch wrapper only watches, as assets/session.js does.
 */
(function () {
  "use strict";

  var link = document.querySelector('link[rel="preload"][data-plotly-early]');
  if (!link || window.Plotly) {
    return;
  }
  var script = document.createElement("script");
  script.src = link.href;
  script.async = true;
  var placeholder;
  var ran = new Promise(function (resolve, reject) {
    script.onload = function () {
      if (window.Plotly === placeholder) {
        reject(new Error("plotly.js did not define window.Plotly"));
      } else {
        resolve(window.Plotly);
      }
    };
    script.onerror = function () {
      // Let dcc.Graph load it its own way (and report its own error) if it has not
      // asked yet.
      if (window.Plotly === placeholder) {
        delete window.Plotly;
      }
      reject(new Error("plotly.js could not be loaded from " + link.href));
    };
  });
  placeholder = {
    then: function (done, failed) {
      return ran.then(done, failed);
    },
  };
  window.Plotly = placeholder;

  var started = false;
  function start() {
    if (!started) {
      started = true;
      document.head.appendChild(script);
    }
  }

  var original = window.fetch;
  if (typeof original === "function") {
    window.fetch = function (resource, init) {
      var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
      var answer = original.call(this, resource, init);
      if (!started && /\/_dash-layout/.test(String(url))) {
        setTimeout(start, 0); // after the request has gone out
      }
      return answer;
    };
  }
  window.addEventListener("load", start);
})();
