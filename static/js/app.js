// Small progressive enhancements; every page works without JavaScript.
document.querySelectorAll(".js-autosubmit").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
document.querySelectorAll(".js-autosubmit-button").forEach((button) => {
  button.classList.add("visually-hidden");
});
