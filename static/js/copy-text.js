// "Copy" buttons (class js-copy-text): copy the value of the field whose id is in
// data-copy-target, and say so in the form's .js-copy-status. Shown only when
// JavaScript runs (the CSP forbids inline handlers). The text is selected first,
// so that a browser refusing both clipboard routes leaves it ready for Ctrl+C.
document.querySelectorAll(".js-copy-text").forEach((button) => {
  const field = document.getElementById(button.dataset.copyTarget);
  if (!field) {
    return;
  }
  const status = button.closest("form")?.querySelector(".js-copy-status");
  const say = (text) => {
    if (status) {
      status.textContent = text;
    }
  };
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.focus();
    field.select();
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch {
        copied = false;
      }
    }
    if (!copied) {
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
    say(copied ? button.dataset.copied : button.dataset.copyFailed);
  });
});
