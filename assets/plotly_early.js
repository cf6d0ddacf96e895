/*
 * Plotly starts loading with the page on the pages that open on a map, not after the
 * layout has come back and React has drawn the graph (DESIGN 7, first load).
 *
 * Dash's dcc.Graph loads plotly.js itself once it is first drawn: after the layout
 * request and the first render, so its download and its second of script evaluation wait
 * behind them. On a map page the server's HTML asks for plotly.js at once
 * (<link rel="preload" data-plotly-early>, dashboard.static_cache.plotly_preload); this
 * file, run with the other scripts before Dash's renderer starts, then executes it as
 * soon as it has arrived, while the layout request is on its way.
 *
 * dcc.Graph waits on ``Promise.resolve(window.Plotly || <its own script>)``: until
 * plotly.js has run, window.Plotly is a thenable that settles when it has, so the graph
 * waits for this script rather than loading and running plotly.js a second time (on a
 * slow link the layout can come back first). plotly.js then replaces it with itself.
 *
 * A same-origin file (script-src 'self', DESIGN 5.1) loading a same-origin file.
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
      // Let dcc.Graph load it its own way (and report its own error).
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
  document.head.appendChild(script);
})();
