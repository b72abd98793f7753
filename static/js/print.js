// The sign-in sheet's "Print" button: shown only when JavaScript runs (the CSP
// forbids inline handlers); the browser's own print command works without it.
document.querySelectorAll(".js-print").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
