// The admin's export page (templates/admin/import_export/export.html): "Select
// all" ticks or clears every column's checkbox. It replaces
// django-import-export's inline onchange handler, which the
// Content-Security-Policy blocks.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("input.select-toggle");
  if (!toggle) {
    return;
  }
  const boxes = () =>
    document.querySelectorAll(
      '.selectable-field-export-row input[type="checkbox"]',
    );
  toggle.addEventListener("change", () => {
    boxes().forEach((box) => {
      box.checked = toggle.checked;
    });
  });
  // Unticking one column unticks "Select all"; ticking the last one ticks it.
  boxes().forEach((box) => {
    box.addEventListener("change", () => {
      toggle.checked = Array.from(boxes()).every((each) => each.checked);
    });
  });
});
