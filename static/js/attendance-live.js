// Live check-ins on the attendance grid (templates/trainings/training_attendance.html):
// every 10 seconds asks the form's data-live-url for the present marks of the
// training and ticks the matching checkboxes, except those the user has changed
// on this page (what they are editing is never overwritten; nothing is ever
// unticked); the server sends only this grid page's marks. A note says how many people checked in since the page was opened
// (data-live-since), and asks for a reload when someone marked present is not on
// the grid yet: enrolled after the page was opened (an enrolment id above
// data-live-newest, the newest when it was opened); someone on another page of
// the grid (trainings/includes/_grid_pages.html) is not missing. The grid's Save
// is unchanged: staff can correct any mark.
(() => {
  const form = document.querySelector("#attendance-form[data-live-url]");
  if (!form) {
    return;
  }
  const note = document.querySelector(".js-attendance-live");
  const since = form.dataset.liveSince || "";
  const newest = Number(form.dataset.liveNewest || "0");
  // The marks of this grid page only (its page and search, as in the address),
  // and whether anyone enrolled after the page was opened is marked present.
  const shown = new URLSearchParams(window.location.search);
  const params = new URLSearchParams({ since, newest: String(newest) });
  ["page", "q"].forEach((name) => {
    if (shown.get(name)) {
      params.set(name, shown.get(name));
    }
  });
  const url = `${form.dataset.liveUrl}?${params}`;
  const INTERVAL = 10000;
  const MAX_ERROR_DELAY = 60000;
  const touched = new Set();
  let errorDelay = INTERVAL;

  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box instanceof HTMLInputElement && box.name === "present") {
      touched.add(box.value);
    }
  });

  const boxes = () => {
    const byValue = new Map();
    form.querySelectorAll('input[type="checkbox"][name="present"]').forEach((box) => {
      byValue.set(box.value, box);
    });
    return byValue;
  };

  const show = (data) => {
    const byValue = boxes();
    const missing = Boolean(data.newer_present);
    data.present.forEach((value) => {
      const box = byValue.get(value);
      if (box && !box.checked && !touched.has(value)) {
        box.checked = true;
        box.dataset.liveTicked = "true";
      }
    });
    if (!note) {
      return;
    }
    const parts = [];
    if (data.checked_in_since > 0) {
      parts.push(data.checked_in_note);
    }
    if (missing) {
      parts.push(data.reload_note);
    }
    const text = parts.join(" ");
    if (note.textContent !== text) {
      note.textContent = text;
    }
    note.hidden = !text;
    note.dataset.checkedInSince = String(data.checked_in_since);
  };

  const poll = async () => {
    let delay = INTERVAL;
    if (!document.hidden) {
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          cache: "no-store",
        });
        if (!response.ok) {
          throw new Error(`HTTP ${response.status}`);
        }
        show(await response.json());
        errorDelay = INTERVAL;
      } catch (error) {
        delay = errorDelay;
        errorDelay = Math.min(errorDelay * 2, MAX_ERROR_DELAY);
      }
    }
    window.setTimeout(poll, delay);
  };

  window.setTimeout(poll, INTERVAL);
})();
