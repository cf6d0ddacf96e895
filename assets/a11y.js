/*
 * Accessible names for Dash components that render their own inner controls.
 *
 * html.Label(htmlFor=X) only names X when X is a form control. The dcc.Slider's focusable
 * part is a handle inside X, and dcc.Dropdown's button names itself by its value, so a
 * screen reader would announce "slider, 11" or "Overall score" with no question. This
 * links each such label to the control and reads the slider value as its mark
 * ("Mar 2024") rather than the round's index. Runs in the page only; fetches nothing.
 */
(function () {
  "use strict";

  function labelId(label) {
    if (!label.id) {
      label.id = label.htmlFor + "-label";
    }
    return label.id;
  }

  function nameByLabel(control, id) {
    var current = (control.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (current.indexOf(id) === -1) {
      control.setAttribute("aria-labelledby", [id].concat(current).join(" "));
    }
  }

  function sliderValueText(container, handle) {
    var marks = container.querySelectorAll(".dash-slider-mark");
    var min = Number(handle.getAttribute("aria-valuemin"));
    var max = Number(handle.getAttribute("aria-valuemax"));
    var now = Number(handle.getAttribute("aria-valuenow"));
    // One mark per step: the mark at the handle is the value's name.
    if (marks.length === max - min + 1 && marks[now - min]) {
      var text = marks[now - min].textContent;
      if (handle.getAttribute("aria-valuetext") !== text) {
        handle.setAttribute("aria-valuetext", text);
      }
    }
  }

  function link() {
    var labels = document.querySelectorAll("label[for]");
    for (var i = 0; i < labels.length; i++) {
      var target = document.getElementById(labels[i].htmlFor);
      if (!target) {
        continue;
      }
      var handle = target.querySelector('[role="slider"]');
      if (handle) {
        nameByLabel(handle, labelId(labels[i]));
        sliderValueText(target, handle);
      } else if (target.hasAttribute("aria-labelledby")) {
        nameByLabel(target, labelId(labels[i]));
      }
    }
  }

  new MutationObserver(link).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["aria-valuenow"],
  });
})();
