// The pages of a training's grid (templates/trainings/includes/_grid_pages.html,
// used by the attendance and score grids): each page is its own form, so a link
// to another page ([data-grid-page]) or the name search ([data-grid-search]) asks
// first when boxes of this page were changed and not saved. The question is the
// form's data-unsaved-warning. A form shown again with errors
// (data-grid-unsaved) holds unsaved values from the start. Boxes ticked by the
// live check-ins (data-live-ticked, attendance-live.js) are saved marks, not
// changes.
(() => {
  const form = document.querySelector("form[data-unsaved-warning]");
  if (!form) {
    return;
  }
  let saving = false;

  const changed = (element) => {
    if (!(element instanceof HTMLInputElement)) {
      return false;
    }
    if (element.type === "checkbox") {
      const saved = element.dataset.liveTicked === "true" || element.defaultChecked;
      return element.checked !== saved;
    }
    if (element.type === "text") {
      return element.value !== element.defaultValue;
    }
    return false;
  };

  const unsaved = () =>
    !saving &&
    (form.hasAttribute("data-grid-unsaved") || Array.from(form.elements).some(changed));

  const ask = (event) => {
    if (unsaved() && !window.confirm(form.dataset.unsavedWarning)) {
      event.preventDefault();
    }
  };

  form.addEventListener("submit", () => {
    saving = true;
  });
  document.querySelectorAll("a[data-grid-page]").forEach((link) => {
    link.addEventListener("click", ask);
  });
  document.querySelectorAll("form[data-grid-search]").forEach((search) => {
    search.addEventListener("submit", ask);
  });
})();
