// The facilitator's check-in screen (templates/registrations/checkin_screen.html):
// asks the state URL (data-state-url) for the current code shortly after the
// shown one is due to change (valid_until) and at least every 20 seconds (for
// the number checked in), then swaps the QR code, the digits, the link and the
// count. After an error it retries with a growing delay; the code shown stays
// valid one more window, so a short outage is harmless.
(() => {
  const screen = document.querySelector(".js-checkin-screen[data-state-url]");
  if (!screen) {
    return;
  }
  const url = screen.dataset.stateUrl;
  const part = (name) => screen.querySelector(`.js-checkin-${name}`);
  const MAX_DELAY = 20000;
  const MAX_ERROR_DELAY = 60000;
  let errorDelay = 5000;

  const setText = (element, text) => {
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  };

  const show = (data) => {
    part("open").hidden = !data.open;
    part("closed").hidden = data.open;
    if (!data.open) {
      return;
    }
    const qr = part("qr");
    if (qr.getAttribute("src") !== data.qr) {
      qr.setAttribute("src", data.qr);
    }
    setText(part("day"), data.day_label);
    setText(part("code"), data.code);
    setText(part("count"), String(data.checked_in));
    part("url").setAttribute("href", data.url);
  };

  const nextDelay = (data) => {
    if (!data.open) {
      return MAX_DELAY;
    }
    const untilChange = Date.parse(data.valid_until) - Date.now() + 1000;
    return Math.max(1000, Math.min(MAX_DELAY, untilChange));
  };

  const poll = async () => {
    let delay;
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      const data = await response.json();
      show(data);
      errorDelay = 5000;
      delay = nextDelay(data);
    } catch (error) {
      delay = errorDelay;
      errorDelay = Math.min(errorDelay * 2, MAX_ERROR_DELAY);
    }
    window.setTimeout(poll, delay);
  };

  window.setTimeout(poll, 1000);
})();
