/* The document page: confirm or correct every field of one page from the keyboard.
 *
 * Values come from the JSON API; every correction is sent when the reviewer leaves the
 * field (PUT with If-Match: the page version), one request after the other, so the
 * version always follows. A refused stale write stops all saving and says so.
 * Layout, labels and the shortcut list are in templates/document.html.
 */
import { LinkPanel } from "./document_link.js";
import { PageApi, STALE, STALE_MESSAGE } from "./review_api.js";

const root = document.getElementById("doc");
if (root) start(JSON.parse(document.getElementById("doc-config").textContent));

function start(config) {
  const MANNERS = { visit: "走访", phone: "电话", other: "其他" };
  const KEYED = {
    manner: { 1: "visit", 2: "phone", 3: "other", 0: null },
    signed: { y: true, 1: true, n: false, 0: false },
  };
  const RELINK = new Set(["name", "phone", "sector", "committee", "year"]);
  const SUGGEST = new Set(["name", "sector", "committee"]);
  const VALIDATE = new Set(["date", "phone", "year"]);
  const CLAIM_RENEW_MS = 5 * 60 * 1000;

  const state = { stale: false, busy: false, leaving: false };
  const fields = [];
  const byKey = new Map();
  const byJump = new Map(); // jump letter → field: Alt + the letter shown with the field
  const $ = (id) => document.getElementById(id);
  const api = new PageApi(config.pageId, config.csrf, () => showSaving());
  const base = api.base;
  const link = new LinkPanel({
    api, form: config.form, sourceLabels: config.linkSourceLabels, onStale: (m) => stale(m),
    contactName: () => (byKey.get("contact_name") ? byKey.get("contact_name").saved : null),
  });
  const pane = root.querySelector(".doc-image");
  const confirmButton = $("doc-confirm");
  const reasonDialog = $("doc-reason-dialog");

  // --- fields --------------------------------------------------------------------------

  function show(f, value) {
    if (f.kind === "manner") return value ? MANNERS[value] || String(value) : "";
    if (f.kind === "signed") return value === true ? "有" : value === false ? "无" : "";
    return value === null || value === undefined ? "" : String(value);
  }
  function entered(f) {
    if (f.kind in KEYED) return f.choice;
    const text = f.input.value.trim();
    return text === "" ? null : text;
  }
  const changed = (f) => show(f, entered(f)).trim() !== show(f, f.target).trim();
  const isActive = (f) => document.activeElement === f.input;

  function fill(f, data) {
    f.saved = data ? data.value : null;
    f.confidence = data ? data.confidence : 0;
    f.target = f.saved;
    f.choice = f.saved;
    f.input.value = show(f, f.saved);
    const note = data && data.note ? config.noteLabels[data.note] || data.note : "";
    f.raw.textContent = `识别：${data && data.raw ? data.raw : "（空）"}${note ? ` · ${note}` : ""}`;
  }

  function setState(f, name, message) {
    f.el.classList.remove("saving", "saved", "failed");
    if (name) f.el.classList.add(name);
    if (message !== undefined) hint(f, message, name === "failed");
  }
  function hint(f, text, bad) {
    f.hint.textContent = text || "";
    f.hint.classList.toggle("invalid", Boolean(bad));
  }

  function commit(f) {
    if (!config.editable) return;
    if (!changed(f)) { // back to the stored value: an earlier refusal no longer applies
      if (f.el.classList.contains("failed") && !state.stale) setState(f, null, "");
      return;
    }
    const value = entered(f);
    f.target = value;
    setState(f, "saving");
    api.enqueue(() => save(f, value));
  }

  async function save(f, value) {
    if (state.stale) { remember(f, value); setState(f, "failed"); return; }
    const r = await api.call("PUT", `${base}/fields/${f.key}`, { value }, { versioned: true });
    if (!r.ok) {
      f.target = f.saved; // leaving the field again retries
      if (r.code === STALE) { stale(r.message); remember(f, value); }
      setState(f, "failed", r.message);
      return;
    }
    api.version = r.data.page_version;
    f.saved = r.data.value;
    if (show(f, f.target) === show(f, value)) { // nothing newer typed meanwhile
      f.target = f.saved;
      f.choice = f.saved;
      if (!isActive(f) || f.kind in KEYED) f.input.value = show(f, f.saved);
    }
    f.el.classList.add("done");
    setState(f, "saved", isActive(f) ? undefined : "");
    if (RELINK.has(f.kind)) await refresh();
  }

  /** After a change that can relink the page: other fields and the link may have moved. */
  async function refresh() {
    const r = await api.get();
    if (!r.ok) return;
    if (r.data.version !== api.version) { stale(STALE_MESSAGE); return; }
    for (const data of r.data.fields) {
      const f = byKey.get(data.key);
      if (f && !isActive(f) && !changed(f) && !f.el.classList.contains("saving")) fill(f, data);
    }
    await link.load(r.data);
  }

  function restore(f) {
    f.choice = f.ocr;
    f.input.value = show(f, f.ocr);
    closeList(f);
    hint(f, "已恢复识别结果", false);
    f.input.select();
    commit(f);
  }

  // --- moving around -------------------------------------------------------------------

  // Uncertain fields likeliest mistake first (the calibrated doubt of their kind and
  // confidence; then least sure, then reading order), so a reviewer reaches them with the
  // fewest keys.
  // The order is fixed when the page loads: a correction that relinks the page and
  // re-reads other fields' confidence never reshuffles what Enter visits next.
  const doubtOf = (f) => (f.key in config.doubt ? config.doubt[f.key] : 1 - f.confidence);
  const rank = () => fields.filter((f) => f.review)
    .sort((a, b) => doubtOf(b) - doubtOf(a) || a.confidence - b.confidence
      || fields.indexOf(a) - fields.indexOf(b));
  let order = [];
  const uncertain = () => order;

  // Arrows move like a spreadsheet: ↓/↑ to the same column of the next/previous row (the
  // header fields are one column), ←/→ to the previous/next field — unless the reviewer is
  // editing inside the value (the caret is not at that end of it).
  const ARROWS = { ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1] };
  const ROW_KEY = /^(rows|contacts)\.(\d+)\./;

  function place(f) {
    const m = ROW_KEY.exec(f.key);
    if (!m) return { row: fields.filter((g) => !ROW_KEY.test(g.key)).indexOf(f), col: 0 };
    const header = fields.filter((g) => !ROW_KEY.test(g.key)).length;
    const row = fields.filter((g) => ROW_KEY.exec(g.key)?.[2] === m[2]);
    return { row: header + Number(m[2]) - 1, col: row.indexOf(f) };
  }

  function neighbour(f, down, right) {
    if (right) return fields[fields.indexOf(f) + right];
    const at = place(f);
    const row = fields.filter((g) => place(g).row === at.row + down);
    return row[Math.min(at.col, row.length - 1)];
  }

  function leavesSideways(f, right) {
    const input = f.input;
    if (input.readOnly || !input.value) return true;
    const { selectionStart: start, selectionEnd: end, value } = input;
    if (start === 0 && end === value.length) return true; // whole value selected: not editing
    return right > 0 ? start === value.length : end === 0;
  }

  function next(f, step) {
    const list = uncertain();
    const at = list.indexOf(f);
    const target = at < 0 ? list.find((g) => fields.indexOf(g) > fields.indexOf(f)) : list[at + step];
    if (target) target.input.focus();
    else if (step > 0 && confirmButton) confirmButton.focus();
  }

  function activate(f) {
    for (const el of root.querySelectorAll(".doc-field.active, rect.active")) el.classList.remove("active");
    f.el.classList.add("active");
    if (!f.rect) return;
    f.rect.classList.add("active");
    const box = f.rect.getBoundingClientRect();
    const view = pane.getBoundingClientRect();
    if (box.top < view.top || box.bottom > view.bottom) pane.scrollTop += box.top - view.top - view.height / 3;
    if (box.left < view.left || box.right > view.right) pane.scrollLeft += box.left - view.left - 20;
  }

  function onKey(f, e) {
    if (e.isComposing || e.keyCode === 229) return; // the IME owns the keys
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) return; // confirm, below
    const open = !f.list.hidden;
    if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      pickable(f, f.picked + (e.key === "ArrowDown" ? 1 : -1));
    } else if (open && (e.key === "Enter" || e.key === "Tab") && f.picked >= 0) {
      e.preventDefault();
      choose(f, f.items[f.picked]);
      next(f, e.shiftKey ? -1 : 1);
    } else if (e.key === "Tab" || e.key === "Enter") {
      e.preventDefault();
      closeList(f);
      commit(f);
      next(f, e.shiftKey ? -1 : 1);
    } else if (e.key in ARROWS && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey
               && (ARROWS[e.key][0] !== 0 || leavesSideways(f, ARROWS[e.key][1]))) {
      e.preventDefault();
      const g = neighbour(f, ...ARROWS[e.key]);
      if (g) g.input.focus();
    } else if (e.key === "Escape") {
      e.preventDefault();
      if (open) closeList(f);
      else restore(f);
    } else if (f.kind in KEYED && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const keys = KEYED[f.kind];
      const key = e.key.toLowerCase();
      const clear = e.key === "Backspace" || e.key === "Delete";
      if (!(key in keys) && !clear) return;
      e.preventDefault();
      f.choice = clear ? null : keys[key];
      f.input.value = show(f, f.choice);
      f.input.select();
      commit(f);
    }
  }

  // --- suggestions and validation as one types -------------------------------------------

  function typed(f) {
    setState(f, null);
    clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      if (SUGGEST.has(f.kind)) suggest(f);
      if (VALIDATE.has(f.kind)) validate(f);
    }, 120);
  }

  async function validate(f) {
    const text = f.input.value.trim();
    const seq = (f.checks += 1);
    if (!text) { hint(f, "", false); return; }
    const r = await api.call("POST", `${base}/validate/${f.key}`, { value: text });
    if (seq !== f.checks || !r.ok) return;
    if (r.data.ok) hint(f, `→ ${show(f, r.data.value)}`, false);
    else hint(f, r.data.message, true);
  }

  async function suggest(f) {
    const q = f.input.value.trim();
    const seq = (f.asks += 1);
    if (!q) { closeList(f); return; }
    const r = await api.get(`/suggest/${f.key}?q=${encodeURIComponent(q)}`);
    if (seq !== f.asks || !r.ok || !isActive(f)) return;
    f.items = r.data;
    f.list.replaceChildren(...f.items.map((item, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.append(item.value);
      if (item.detail) { const small = document.createElement("small"); small.textContent = item.detail; li.append(small); }
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(f, f.items[i]); });
      return li;
    }));
    f.list.hidden = f.items.length === 0;
    // Initials (`mbc`) or a close match: Enter takes the first; otherwise Enter keeps what was typed.
    const sure = f.items.length && (/^[a-z]+$/i.test(q) || f.items[0].score >= 0.8);
    pickable(f, sure ? 0 : -1);
  }

  function pickable(f, i) {
    f.picked = Math.max(-1, Math.min(i, f.items.length - 1));
    [...f.list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === f.picked)));
  }
  function choose(f, item) {
    f.input.value = item.value;
    closeList(f);
    commit(f);
  }
  function closeList(f) {
    f.list.hidden = true;
    f.items = [];
    f.picked = -1;
  }

  // --- claims, status, confirm, reject, reopen ---------------------------------------------

  async function claim() {
    const r = await api.call("POST", `${base}/claim`);
    const box = $("doc-claim");
    box.hidden = r.ok || r.status !== 409;
    if (!box.hidden) box.textContent = `${r.message} 两人同时修改时，后保存的修改会被拒绝。`;
  }
  const release = () => api.call("DELETE", `${base}/claim`, undefined, { keepalive: true });

  function showSaving() {
    const el = $("doc-save");
    el.classList.toggle("failed", state.stale);
    if (state.stale) el.textContent = "未保存";
    else if (api.pending) el.textContent = "保存中…";
    else el.textContent = fields.some((f) => f.el.classList.contains("done")) ? "已全部保存" : "";
  }

  function banner(text, { reload = false } = {}) {
    const box = $("doc-banner");
    box.querySelector(".doc-banner-text").textContent = text;
    $("doc-reload").hidden = !reload;
    box.hidden = false;
    if (reload) $("doc-reload").focus();
  }
  function stale(message) {
    if (state.stale) return;
    state.stale = true;
    banner(message || STALE_MESSAGE, { reload: true });
    showSaving();
  }
  function remember(f, value) {
    const li = document.createElement("li");
    li.textContent = `未保存：${f.label} = ${show(f, value) || "（空）"}`;
    $("doc-banner").querySelector(".doc-unsaved").append(li);
  }

  async function flush() {
    const f = fields.find(isActive);
    if (f) commit(f);
    await link.commit();
    await api.queue;
  }

  /** Ctrl+Enter says every value shown is right. A page not linked yet first saves its
   * uncertain names and phones as they stand, so linking can go by them (as Ctrl+Enter in
   * the field grid accepts the values it shows). */
  async function acceptIdentity() {
    for (const f of uncertain()) {
      if (!RELINK.has(f.kind) || f.el.classList.contains("done") || changed(f) || f.saved === null) continue;
      setState(f, "saving");
      api.enqueue(() => save(f, f.saved));
    }
    await api.queue;
  }

  async function confirmAndNext() {
    if (!config.editable || state.busy) return;
    state.busy = true;
    try {
      await flush();
      if (state.stale) return;
      const failed = fields.find((f) => f.el.classList.contains("failed"));
      if (failed) { banner("有字段未能保存，请先更正标红的字段。"); failed.input.focus(); return; }
      if (!link.linked()) await acceptIdentity();
      if (state.stale) return;
      if (!link.linked()) {
        const what = config.form === "service_card" ? "委员和联系对象" : "委员";
        banner(`确认前请先关联${what}（按 L）；无法关联的请按 R 退回。`);
        link.focus();
        return;
      }
      const r = await api.call("POST", `${base}/confirm`, undefined, { versioned: true });
      if (!r.ok) { if (r.code === STALE) stale(r.message); else banner(r.message); return; }
      await openNext();
    } finally {
      state.busy = false;
    }
  }

  async function openNext() {
    state.leaving = true;
    await release();
    const r = await api.get("/next");
    window.location.assign(r.ok && r.data.page_id ? `/pages/${r.data.page_id}` : "/");
  }

  function askReason(action) {
    $("doc-reason-title").textContent = action === "reject" ? "退回此卡片" : "重新审核此卡片";
    reasonDialog.dataset.action = action;
    reasonDialog.returnValue = "";
    // A page read as blank, or as no form of ours, comes with its reason to reject it: the
    // reviewer looks at the image and presses Enter, or types another reason over it.
    const reason = $("doc-reason");
    reason.value = action === "reject" ? reason.dataset.suggested : "";
    reasonDialog.showModal();
    reason.focus();
    reason.select();
  }

  async function answered() {
    const reason = $("doc-reason").value.trim();
    const action = reasonDialog.dataset.action;
    if (reasonDialog.returnValue !== "ok" || !reason) return;
    if (action === "reject") await flush();
    const r = await api.call("POST", `${base}/${action}`, { reason }, { versioned: true });
    if (!r.ok) { if (r.code === STALE) stale(r.message); else banner(r.message); return; }
    if (action === "reject") await openNext();
    else window.location.reload();
  }

  // --- wiring --------------------------------------------------------------------------------

  for (const el of root.querySelectorAll(".doc-field")) {
    const slot = config.slots.find((s) => s.key === el.dataset.key);
    const f = { key: el.dataset.key, kind: el.dataset.kind, label: slot ? slot.label : el.dataset.key, el,
      input: el.querySelector(".doc-input"), hint: el.querySelector(".doc-hint"),
      raw: el.querySelector(".doc-raw"), list: el.querySelector(".doc-suggest"),
      rect: root.querySelector(`rect[data-key="${CSS.escape(el.dataset.key)}"]`),
      review: el.classList.contains("review"), saved: null, target: null, choice: null, ocr: null,
      items: [], picked: -1, timer: 0, checks: 0, asks: 0 };
    fields.push(f);
    byKey.set(f.key, f);
    if (slot && slot.jump) byJump.set(slot.jump, f);
    f.input.addEventListener("focus", () => { activate(f); f.input.select(); });
    f.input.addEventListener("blur", () => { closeList(f); commit(f); });
    f.input.addEventListener("keydown", (e) => onKey(f, e));
    f.input.addEventListener("input", () => typed(f));
    if (f.rect) {
      f.rect.addEventListener("click", () => {
        if (f.input.disabled) { activate(f); f.el.scrollIntoView({ block: "nearest" }); } else f.input.focus();
      });
    }
  }

  for (const button of root.querySelectorAll(".doc-set-form")) {
    button.addEventListener("click", async () => {
      const r = await api.call("PUT", `${base}/form`, { form: button.dataset.form }, { versioned: true });
      if (!r.ok) { if (r.code === STALE) stale(r.message); else banner(r.message); return; }
      state.leaving = true;
      window.location.reload();
    });
  }
  confirmButton?.addEventListener("click", confirmAndNext);
  $("doc-reject")?.addEventListener("click", () => askReason("reject"));
  $("doc-reopen")?.addEventListener("click", () => askReason("reopen"));
  $("doc-reload").addEventListener("click", () => { state.leaving = true; window.location.reload(); });
  reasonDialog.addEventListener("close", answered);

  const typing = (el) => el && ((el.tagName === "INPUT" && !el.readOnly) || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.isComposing || document.querySelector("dialog[open]")) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); confirmAndNext(); return; }
    const jumped = e.altKey && !e.ctrlKey && !e.metaKey && /^Key([A-Z])$/.exec(e.code);
    const to = jumped && byJump.get(e.shiftKey ? jumped[1] : jumped[1].toLowerCase());
    if (to && !to.input.disabled) { e.preventDefault(); to.input.focus(); return; } // saves the one left
    const letter = e.altKey || (!typing(e.target) && !e.ctrlKey && !e.metaKey);
    if (letter && e.code === "KeyL" && link.member) { e.preventDefault(); link.focus(); }
    else if (letter && e.code === "KeyR" && config.editable) { e.preventDefault(); askReason("reject"); }
    else if (letter && e.code === "KeyO" && $("doc-reopen")) { e.preventDefault(); askReason("reopen"); }
    else if (e.key === "?" && !typing(e.target)) {
      e.preventDefault();
      const dialog = $("doc-keys-dialog");
      dialog.querySelector(".doc-keys-copy").replaceChildren($("doc-keylist").cloneNode(true));
      dialog.showModal();
    } else if (e.target === confirmButton && (e.key === "ArrowDown" || e.key === "ArrowUp") && fields.length) {
      e.preventDefault(); // from the confirm button back onto the first or the last field
      fields[e.key === "ArrowDown" ? 0 : fields.length - 1].input.focus();
    } else if (e.key === "Enter" && e.target === document.body && config.editable && !uncertain().length) {
      e.preventDefault();
      confirmAndNext();
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (state.leaving) return;
    const f = fields.find(isActive);
    if (f) commit(f);
    if (api.pending || link.dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("pagehide", () => { if (config.editable) release(); });

  async function load() {
    const claimed = config.editable ? claim() : null;
    const detail = { ok: true, data: config.detail }; // rendered with the page: no round trip
    const history = { ok: true, data: config.history };
    if (!detail.ok) { banner(detail.message); return; }
    api.version = detail.data.version;
    const ocr = new Map();
    for (const h of history.ok ? history.data : []) if (!ocr.has(h.key)) ocr.set(h.key, h.ocr_value);
    const data = new Map(detail.data.fields.map((d) => [d.key, d]));
    for (const f of fields) {
      fill(f, data.get(f.key));
      f.ocr = ocr.has(f.key) ? ocr.get(f.key) : f.saved;
    }
    await Promise.all([claimed, link.load(detail.data)]); // ready once claimed and linked
    if (config.editable) setInterval(claim, CLAIM_RENEW_MS);
    order = rank();
    root.dataset.order = order.map((f) => f.key).join(" ");
    // Where each key moves from each field (read by the review benchmark and the tests).
    root.dataset.moves = JSON.stringify(Object.fromEntries(fields.map((f) => [f.key, {
      ArrowDown: neighbour(f, 1, 0)?.key, ArrowUp: neighbour(f, -1, 0)?.key,
      ArrowRight: neighbour(f, 0, 1)?.key, ArrowLeft: neighbour(f, 0, -1)?.key }])));
    root.dataset.ready = "true";
    performance.mark("cardscan-ready"); // read by the review benchmark: the page can be worked
    if (!config.editable) return;
    const first = uncertain()[0];
    if (first) first.input.focus();
    else if (confirmButton) confirmButton.focus();
  }
  load();
}
