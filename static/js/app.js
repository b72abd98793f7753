// Small progressive enhancements; every page works without JavaScript.
document.querySelectorAll(".js-autosubmit").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
document.querySelectorAll(".js-autosubmit-button").forEach((button) => {
  button.classList.add("visually-hidden");
});
// The region picker (Select2) is named by its field's label: Select2 names its box
// only by the chosen value or placeholder, and marks that text a nameless textbox.
document.addEventListener("dal-element-initialized", (event) => {
  const select = event.detail.element;
  const label = select.id && document.querySelector(`label[for="${select.id}"]`);
  const container = select.nextElementSibling;
  const box = container && container.querySelector(".select2-selection");
  if (!label || !box) return;
  label.id = label.id || `${select.id}-label`;
  const rendered = box.querySelector(".select2-selection__rendered");
  if (rendered) {
    rendered.removeAttribute("role");
    rendered.removeAttribute("aria-readonly");
  }
  box.setAttribute("aria-labelledby", `${label.id} ${rendered ? rendered.id : ""}`.trim());
});
