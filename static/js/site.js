/* Behaviour shared by every page (the pages carry no inline script or event attributes). */
(function () {
  "use strict";
  // A select marked data-autosubmit sends its form when a choice is made (the language switch).
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
})();
