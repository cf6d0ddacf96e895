/*
 * Accessible names and roles for Dash components that render their own inner controls.
 *
 * - html.Label(htmlFor=X) only names X when X is a form control. The dcc.Slider's
 *   focusable part is a handle inside X, and dcc.Dropdown's button names itself by its
 *   value, so a screen reader would announce "slider, 11" or "Overall score" with no
 *   question. This links each such label to the control and reads the slider value as
 *   the round's name ("Mar 2024") rather than its index: from the names listed in the
 *   ``data-value-labels`` attribute of an ancestor (the marks label only some rounds), or
 *   else from the mark at the handle.
 * - dcc.RadioItems and dcc.Checklist draw native radio buttons and check boxes, but wrap
 *   them in role="listbox" / role="option": an option holding a focusable input is a
 *   "nested interactive" control, and the unnamed listbox hides the fieldset's legend.
 *   The roles are removed, so the native inputs and their fieldset speak for themselves
 *   (and arrow keys move between the radio buttons of a group, as in any form).
 * - dcc.Dropdown puts a focusable, aria-hidden input before its button (the button is
 *   out of the tab order): the keyboard lands on something hidden from screen readers.
 *   The button takes the tab stop, the hidden input leaves it. Its open list is the same
 *   listbox of options holding radio buttons: it becomes a dialog (named by the label)
 *   of plain radio buttons.
 *
 * Runs in the page only; fetches nothing.
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

  function valueLabels(container) {
    var holder = container.closest("[data-value-labels]");
    if (!holder) {
      return null;
    }
    try {
      return JSON.parse(holder.getAttribute("data-value-labels"));
    } catch (error) {
      return null;
    }
  }

  function sliderValueText(container, handle) {
    var min = Number(handle.getAttribute("aria-valuemin"));
    var max = Number(handle.getAttribute("aria-valuemax"));
    var now = Number(handle.getAttribute("aria-valuenow"));
    var text = null;
    var names = valueLabels(container);
    if (names && names.length === max - min + 1) {
      text = names[now - min];
    } else {
      // One mark per step: the mark at the handle is the value's name.
      var marks = container.querySelectorAll(".dash-slider-mark");
      if (marks.length === max - min + 1 && marks[now - min]) {
        text = marks[now - min].textContent;
      }
    }
    if (text && handle.getAttribute("aria-valuetext") !== text) {
      handle.setAttribute("aria-valuetext", text);
    }
  }

  var CHOICE_LISTS = ".dash-radioitems, .dash-checklist, .dash-dropdown-options";

  function plainChoices() {
    var lists = document.querySelectorAll(".dash-radioitems[role], .dash-checklist[role]");
    for (var i = 0; i < lists.length; i++) {
      lists[i].removeAttribute("role");
    }
    var options = document.querySelectorAll(".dash-options-list-option[role=option]");
    for (var j = 0; j < options.length; j++) {
      if (options[j].closest(CHOICE_LISTS)) {
        options[j].removeAttribute("role");
        options[j].removeAttribute("aria-selected");
      }
    }
  }

  // An open dropdown: a dialog of native radio buttons (or check boxes), named, like its
  // button, by the control's label.
  function openDropdowns() {
    var panels = document.querySelectorAll(".dash-dropdown-content[role=dialog]");
    for (var i = 0; i < panels.length; i++) {
      var wrapper = panels[i].closest(".dash-dropdown-wrapper");
      var button = wrapper && wrapper.querySelector("button.dash-dropdown");
      var label = button && button.id && document.querySelector('label[for="' + button.id + '"]');
      if (label && panels[i].getAttribute("aria-labelledby") !== labelId(label)) {
        panels[i].setAttribute("aria-labelledby", labelId(label));
      }
      var list = panels[i].querySelector(".dash-dropdown-options[role=listbox]");
      if (list) {
        list.removeAttribute("role");
      }
    }
    var buttons = document.querySelectorAll("button.dash-dropdown[aria-haspopup=listbox]");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute("aria-haspopup", "dialog");
    }
  }

  function dropdownTabStops() {
    var targets = document.querySelectorAll(".dash-dropdown-focus-target");
    for (var i = 0; i < targets.length; i++) {
      var button = targets[i].nextElementSibling;
      if (!button || button.tagName !== "BUTTON" || button.disabled) {
        continue;
      }
      if (targets[i].tabIndex !== -1) {
        targets[i].tabIndex = -1;
      }
      if (button.tabIndex !== 0) {
        button.tabIndex = 0;
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
    plainChoices();
    openDropdowns();
    dropdownTabStops();
  }

  new MutationObserver(link).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["aria-valuenow", "role", "tabindex"],
  });
})();
