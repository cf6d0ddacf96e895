/* Cell renderers and a comparator for the dash-ag-grid tables (priorities page).
 *
 * Text from data (area names, labels) is only ever a React text child: React escapes it,
 * so a name such as <img src=x onerror=alert(1)> shows as those characters. No renderer
 * writes markup from a string. Links and colours from the row data are checked before use.
 * Other pages may add renderers: each file extends the namespaces, never replaces them.
 */
(function () {
  "use strict";
  var components = (window.dashAgGridComponentFunctions =
    window.dashAgGridComponentFunctions || {});
  var functions = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
  var h = function () {
    return React.createElement.apply(React, arguments);
  };

  function missing(value) {
    return value === null || value === undefined || (typeof value === "number" && isNaN(value));
  }

  // An app-relative path only: never javascript:, data: or another host.
  function safePath(href) {
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/"
      && href.charAt(1) !== "\\" ? href : null;
  }

  function safeColour(colour) {
    return typeof colour === "string" && /^#[0-9a-fA-F]{3,8}$/.test(colour) ? colour : "#cfcfcf";
  }

  // Ascending or descending, rows without a value go last.
  functions.prioritiesNullsLast = function (a, b, nodeA, nodeB, isDescending) {
    var am = missing(a);
    var bm = missing(b);
    if (am && bm) return 0;
    if (am) return isDescending ? -1 : 1;
    if (bm) return isDescending ? 1 : -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  };

  // The locality's name as a link to its page; a plain click stays in the app.
  components.PrioritiesAreaLink = function (props) {
    var data = props.data || {};
    var href = safePath(data.href);
    var text = missing(props.value) ? "" : String(props.value);
    if (!href) return h("span", null, text);
    return h(
      "a",
      {
        href: href,
        className: "area-link",
        onClick: function (event) {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
            || event.altKey) {
            return;
          }
          event.preventDefault();
          window.history.pushState({}, "", href);
          window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
          window.scrollTo(0, 0);
        },
      },
      text
    );
  };

  components.PrioritiesClass = function (props) {
    var data = props.data || {};
    return h(
      "span",
      { className: "class-chip" },
      h("span", {
        className: "class-swatch",
        style: { backgroundColor: safeColour(data.class_colour) },
        "aria-hidden": "true",
      }),
      h("span", { className: "class-name" }, String(data.class_label || ""))
    );
  };

  components.PrioritiesWeakest = function (props) {
    var data = props.data || {};
    if (!data.weakest_label) return h("span", { className: "muted" }, "–");
    return h(
      "span",
      { className: "weakest", title: String(data.weakest_label) },
      h("span", { className: "weakest-score" }, String(data.weakest_text || "")),
      h("span", { className: "weakest-label" }, String(data.weakest_label))
    );
  };

  components.PrioritiesReliability = function (props) {
    var data = props.data || {};
    var text = String(data.reliability_text || "–");
    if (!data.low_reliability) return h("span", { className: "reliability" }, text);
    return h(
      "span",
      { className: "reliability reliability-low", title: String(props.lowTitle || "") },
      h("span", { className: "reliability-icon", "aria-hidden": "true" }, "\u26a0"),
      h("span", null, text),
      h("span", { className: "reliability-word" }, String(props.lowLabel || ""))
    );
  };

  // "12 to 18 of 150" and a small bar: the band over all ranks, the median as a tick.
  components.PrioritiesRankBand = function (props) {
    var data = props.data || {};
    var total = data.ranked_areas;
    if (missing(data.median_rank) || missing(total) || total < 1) {
      return h("span", { className: "muted" }, "–");
    }
    var span = Math.max(total - 1, 1);
    var left = ((data.rank_low - 1) / span) * 100;
    var width = Math.max(((data.rank_high - data.rank_low) / span) * 100, 1.5);
    var tick = ((data.median_rank - 1) / span) * 100;
    return h(
      "span",
      { className: "rank-band" },
      h("span", { className: "rank-band-text" }, String(data.band_text || "")),
      h(
        "span",
        { className: "rank-band-track", "aria-hidden": "true" },
        h("span", {
          className: "rank-band-range",
          style: { left: left + "%", width: Math.min(width, 100 - left) + "%" },
        }),
        h("span", { className: "rank-band-median", style: { left: tick + "%" } })
      )
    );
  };

  components.PrioritiesSmallSample = function (props) {
    var data = props.data || {};
    if (!data.small) return h("span", { className: "muted" }, "–");
    if (!data.withheld) return h("span", { className: "small-sample" }, String(data.small_text));
    return h(
      "span",
      { className: "small-sample small-sample-withheld", title: String(props.withheldTitle || "") },
      h("span", { "aria-hidden": "true" }, "\u26a0 "),
      h("span", null, String(data.small_text) + " \u00b7 " + String(props.withheldLabel || ""))
    );
  };
})();
