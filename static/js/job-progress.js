// The progress of a background job (templates/jobs/job_detail.html): asks the
// job's status URL (data-status-url) about once a second, backing off a little
// each time and more after an error, and updates the bar, the texts and the
// links without a reload. Without JavaScript the page has a Refresh link.
(() => {
  const box = document.querySelector(".js-job-progress[data-status-url]");
  if (!box) {
    return;
  }
  const url = box.dataset.statusUrl;
  const bar = box.querySelector("progress");
  const part = (name) => box.querySelector(`.js-job-${name}`);
  const finished = (status) => status === "succeeded" || status === "failed";
  const FIRST_DELAY = 1000;
  const MAX_DELAY = 5000;
  const MAX_ERROR_DELAY = 30000;
  let delay = FIRST_DELAY;

  const setText = (element, text) => {
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  };

  const setLink = (element, href) => {
    if (!element) {
      return;
    }
    if (href) {
      element.setAttribute("href", href);
      element.hidden = false;
    } else {
      element.hidden = true;
    }
  };

  const show = (data) => {
    if (data.percent === null) {
      bar.removeAttribute("value");
      bar.textContent = "";
    } else {
      bar.value = data.percent;
      bar.textContent = `${data.percent}%`;
    }
    setText(part("status-label"), data.status_label);
    setText(part("progress-text"), data.progress_text);
    const message = part("message");
    setText(message, data.message ? `· ${data.message}` : "");
    message.hidden = !data.message;
    const error = part("error");
    setText(error, data.error || "");
    error.hidden = !data.error;
    setLink(part("download"), data.download_url);
    setLink(part("next"), data.next_url);
    // The expired notice sits outside the box, after it.
    const expired = document.querySelector(".js-job-expired");
    if (expired) {
      expired.hidden = !data.expired;
    }
    part("refresh").hidden = finished(data.status);
    box.dataset.status = data.status;
  };

  const poll = async () => {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.status === 404 || response.status === 403) {
        return; // Gone or not ours any more: the Refresh link stays.
      }
      if (!response.ok) {
        throw new Error(`status ${response.status}`);
      }
      const data = await response.json();
      show(data);
      if (finished(data.status)) {
        return;
      }
      delay = Math.min(MAX_DELAY, delay * 1.2);
    } catch {
      // Offline, a restart, or a login page instead of JSON: wait longer.
      delay = Math.min(MAX_ERROR_DELAY, delay * 2);
    }
    window.setTimeout(poll, delay);
  };

  if (!finished(box.dataset.status)) {
    window.setTimeout(poll, delay);
  }
})();
