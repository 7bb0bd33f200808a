// The page of `arabic-news-tagger serve`: sends the pasted text to POST /view and shows the view
// `predict --html` draws, in a frame that runs no script. Everything comes from this server.
"use strict";

(function () {
  const form = document.getElementById("form");
  const text = document.getElementById("text");
  const submit = document.getElementById("submit");
  const download = document.getElementById("download");
  const status = document.getElementById("status");
  const view = document.getElementById("view");
  const keyRow = document.getElementById("key-row");
  const keyInput = document.getElementById("api-key");
  let lastResult = null;

  function headers() {
    const h = {"Content-Type": "application/json"};
    if (keyInput.value) h["X-API-Key"] = keyInput.value;
    return h;
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", !!isError);
  }

  function fitFrame() {
    const doc = view.contentDocument;
    if (doc && doc.documentElement) view.style.height = (doc.documentElement.scrollHeight + 20) + "px";
  }
  view.addEventListener("load", fitFrame);
  window.addEventListener("resize", fitFrame);

  fetch("/health").then(r => r.json()).then(h => {
    keyRow.hidden = !h.api_key_required;
    return fetch("/model", {headers: headers()});
  }).then(r => r.ok ? r.json() : null).then(m => {
    if (m) {
      document.getElementById("model-info").textContent =
        `model: ${m.name || "?"} · arabic-news-tagger ${m.versions["arabic-news-tagger"] || "?"}` +
        ` · up to ${m.max_characters.toLocaleString("en")} characters per request`;
    }
  }).catch(() => {});

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) { say("النص فارغ · The text is empty", true); return; }
    submit.disabled = true;
    document.body.dataset.state = "busy";
    say("جارٍ التحليل… · Tagging…");
    const started = performance.now();
    try {
      const response = await fetch("/view", {
        method: "POST", headers: headers(),
        body: JSON.stringify({text: text.value, arguments: document.getElementById("arguments").checked}),
      });
      const data = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
      if (!response.ok) {
        if (response.status === 401) keyRow.hidden = false;
        throw new Error(data.error || `HTTP ${response.status}`);
      }
      lastResult = data.result;
      view.hidden = false;
      view.srcdoc = data.html;
      download.disabled = false;
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      say(`${lastResult.entities.length} entities, ${lastResult.events.length} events (${seconds} s)`);
      document.body.dataset.state = "done";
    } catch (err) {
      say(`خطأ · Error: ${err.message}`, true);
      document.body.dataset.state = "error";
    } finally {
      submit.disabled = false;
    }
  });

  download.addEventListener("click", () => {
    if (lastResult === null) return;
    const blob = new Blob([JSON.stringify({text: text.value, ...lastResult}, null, 2)], {type: "application/json"});
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "tagged.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
})();
