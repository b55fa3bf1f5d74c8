// The work screens: keyboard lists (queue, batches), live batch progress, upload from the
// browser, and the field grid with autosave. Plain JS, no build step. Every change goes to
// the JSON API with the session's CSRF token (data-csrf on <main>).
(function () {
  "use strict";

  const main = document.querySelector("main[data-screen]");
  if (!main) return;
  const csrf = main.dataset.csrf || "";

  /** Keys typed into a form control (or meant for a link or button) are not shortcuts. */
  function ownKeys(target) {
    return Boolean(target.closest && target.closest("input, select, textarea, button, a, [contenteditable]"));
  }

  function plainKey(event) {
    return !(event.altKey || event.ctrlKey || event.metaKey);
  }

  async function request(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = body && body.error ? body.error.message : "";
      throw new Error(message || `服务器返回 ${response.status}`);
    }
    return body;
  }

  // --- lists: j/k or arrows move the selection, Enter opens, n/p turn the page ------------

  function keyboardList(table) {
    const rows = Array.from(table.querySelectorAll("tbody tr[data-href]"));
    let current = 0;
    function select(index) {
      if (!rows.length) return;
      rows[current].classList.remove("selected");
      rows[current].removeAttribute("aria-selected");
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows[current].classList.add("selected");
      rows[current].setAttribute("aria-selected", "true");
      rows[current].scrollIntoView({ block: "nearest" });
    }
    rows.forEach((row, index) => {
      row.addEventListener("click", () => select(index));
      row.addEventListener("dblclick", () => (window.location.href = row.dataset.href));
    });
    select(0);
    document.addEventListener("keydown", (event) => {
      if (!plainKey(event) || ownKeys(event.target)) return;
      const pager = document.querySelector(".pager");
      let link = null;
      if (event.key === "j" || event.key === "ArrowDown") select(current + 1);
      else if (event.key === "k" || event.key === "ArrowUp") select(current - 1);
      else if (event.key === "Home") select(0);
      else if (event.key === "End") select(rows.length - 1);
      else if (event.key === "Enter" && rows.length) window.location.href = rows[current].dataset.href;
      else if (event.key === "n" && pager && (link = pager.querySelector("a[rel=next]"))) link.click();
      else if (event.key === "p" && pager && (link = pager.querySelector("a[rel=prev]"))) link.click();
      else return;
      event.preventDefault();
    });
  }

  document.querySelectorAll("table[data-list]").forEach(keyboardList);

  // --- the queue: f opens the field grid at the first kind with values to check ----------

  const toFields = document.getElementById("to-fields");
  if (toFields) {
    document.addEventListener("keydown", (event) => {
      if (event.key !== "f" || !plainKey(event) || ownKeys(event.target)) return;
      if (document.querySelector("dialog[open]")) return;
      event.preventDefault();
      window.location.href = toFields.href;
    });
  }

  // --- the queue: confirm at once every page left with nothing to check (c, then Enter) ---

  const confirmChecked = document.getElementById("confirm-checked");
  if (confirmChecked) {
    const dialog = document.getElementById("confirm-checked-dialog");
    const status = document.getElementById("checked-status");
    const ask = () => {
      dialog.returnValue = ""; // Esc keeps the last answer in some browsers: never a stale "ok"
      dialog.showModal();
    };
    confirmChecked.addEventListener("click", ask);
    document.addEventListener("keydown", (event) => {
      if (event.key !== "c" || !plainKey(event) || ownKeys(event.target) || dialog.open) return;
      if (confirmChecked.disabled) return;
      event.preventDefault();
      ask();
    });
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "ok") return;
      confirmChecked.disabled = true;
      status.textContent = "正在确认……";
      try {
        const result = await request("/api/v1/review/confirm-checked", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: confirmChecked.dataset.selection,
        });
        const left = Object.entries(result.skipped)
          .map(([key, ids]) => `${ids.length} 页${result.reasons[key]}`).join("，");
        const blank = result.blank.length ? `，退回空白页 ${result.blank.length} 页` : "";
        status.textContent = `已确认 ${result.done.length} 页${blank}${left ? `；未确认：${left}` : ""}。`;
        window.setTimeout(() => window.location.reload(), 800);
      } catch (error) {
        status.textContent = `确认失败：${error.message}`;
        confirmChecked.disabled = false;
      }
    });
  }

  // --- batches: live progress while running -------------------------------------------

  function showProgress(scope, batch, labels) {
    const set = (selector, text) => {
      const node = scope.querySelector(selector);
      if (node) node.textContent = String(text);
    };
    const bar = scope.querySelector("progress");
    if (bar) {
      bar.max = Math.max(batch.pages_planned, 1);
      bar.value = batch.pages_done;
    }
    const status = scope.querySelector("#batch-status, [data-field=status]");
    if (status) {
      status.textContent = labels[batch.status] || batch.status;
      status.className = batch.status;
    }
    set("[data-field=pages]", `${batch.pages_done} / ${batch.pages_planned}`);
    set("#pages-done", batch.pages_done);
    set("#pages-planned", batch.pages_planned);
    set("#pages-failed, [data-field=pages_failed]", batch.pages_failed);
    set("#files-checked", batch.files_checked);
    set("#files-duplicate, [data-field=files_duplicate]", batch.files_duplicate);
    set("#files-failed", batch.files_failed);
  }

  /** Poll one batch every second until it stops running; `onChange` sees every answer. */
  function follow(batchId, onChange) {
    async function tick() {
      let batch;
      try {
        batch = await request(`/api/v1/batches/${batchId}`);
      } catch (error) {
        window.setTimeout(tick, 3000); // the server may be restarting: keep trying, slower
        return;
      }
      await onChange(batch);
      if (batch.status === "running") window.setTimeout(tick, 1000);
    }
    tick();
  }

  const BATCH_LABELS = { running: "进行中", done: "已完成", interrupted: "已中断" };

  if (main.dataset.screen === "batches") {
    document.querySelectorAll("tr[data-running]").forEach((row) => {
      follow(row.dataset.batchId, (batch) => showProgress(row, batch, BATCH_LABELS));
    });
  }

  function fileRow(file, labels) {
    const row = document.createElement("tr");
    row.dataset.fileId = file.id;
    let note = "";
    if (file.status === "duplicate") note = labels.duplicate;
    else if (file.error_code) note = labels.fileError[file.error_code] || file.error_code;
    const cells = [
      file.original_name,
      (file.kind || "").toUpperCase(),
      labels.fileStatus[file.status] || file.status,
      file.pages,
      note,
    ];
    cells.forEach((text, index) => {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      if (index === 2) cell.className = file.status;
      row.appendChild(cell);
    });
    return row;
  }

  if (main.dataset.screen === "batch" && main.dataset.status === "running") {
    const body = document.getElementById("batch-files");
    const labels = JSON.parse(body.dataset.labels);
    let filesShown = -1;
    follow(main.dataset.batchId, async (batch) => {
      showProgress(main, batch, labels.batchStatus);
      main.dataset.status = batch.status;
      if (batch.files_checked === filesShown && batch.status === "running") return;
      filesShown = batch.files_checked;
      const files = await request(`/api/v1/batches/${main.dataset.batchId}/files?limit=500`);
      body.replaceChildren(...files.items.map((file) => fileRow(file, labels)));
    });
  }

  // --- upload from the browser ----------------------------------------------------------

  const upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = upload.querySelector("[data-upload-status]");
      const button = upload.querySelector("button[type=submit]");
      button.disabled = true;
      status.textContent = "正在上传……";
      try {
        const accepted = await request("/api/v1/batches", {
          method: "POST",
          headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
          body: new FormData(upload),
        });
        status.textContent = "上传完成，正在打开批次……";
        window.location.href = `/batches/${accepted.batch_id}`;
      } catch (error) {
        status.textContent = `上传失败：${error.message}`;
        button.disabled = false;
      }
    });
  }

  // --- the field grid: move, type to replace, Enter saves and moves on, Esc restores ------

  const grid = document.getElementById("field-grid");
  if (grid) fieldGrid(grid);

  function fieldGrid(grid) {
    const cells = Array.from(grid.querySelectorAll(".cell"));
    if (!cells.length) return;
    const choices = JSON.parse(grid.dataset.choices || "[]");
    const pending = new Map(); // cell → text being saved, so one value is saved once
    let current = 0;

    const inputOf = (cell) => cell.querySelector("input.value");
    const editable = !inputOf(cells[0]).readOnly;

    function toValue(text) {
      const typed = text.trim();
      if (!typed) return null;
      for (const [index, [value, label]] of choices.entries()) {
        const aliases = [label, label[0], String(index + 1), String(value)];
        if (aliases.includes(typed)) return value;
      }
      return typed;
    }

    function toText(value) {
      if (value === null || value === undefined) return "";
      const choice = choices.find(([code]) => code === value);
      return choice ? choice[1] : String(value);
    }

    function mark(cell, state, text) {
      cell.classList.remove("saving", "saved", "failed");
      if (state) cell.classList.add(state);
      cell.querySelector(".state").textContent = text;
    }

    /** Save the cell's value if it changed (or, with `accept`, confirm an uncertain one). */
    // Saves go one after the other: two at once on the same page would refuse each other,
    // as each was made on the page version the other one replaces.
    let turn = Promise.resolve();
    function inTurn(task) {
      const run = turn.then(task, task);
      turn = run.catch(() => undefined);
      return run;
    }

    async function save(cell, accept) {
      const input = inputOf(cell);
      const text = input.value;
      const uncertain = cell.dataset.needsReview === "true";
      if (!editable || pending.get(cell) === text) return;
      if (text === input.dataset.original && !(accept && uncertain)) return;
      pending.set(cell, text);
      mark(cell, "saving", "保存中……");
      const url = `/api/v1/pages/${cell.dataset.pageId}/fields/${encodeURIComponent(cell.dataset.key)}`;
      try {
        const field = await inTurn(() => request(url, {
          method: "PUT",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ value: toValue(text) }),
        }));
        const shown = toText(field.value);
        if (input.value === text) input.value = shown; // unless typed over meanwhile
        input.dataset.original = shown;
        cell.dataset.needsReview = "false";
        cell.classList.remove("uncertain");
        mark(cell, "saved", "已保存");
      } catch (error) {
        mark(cell, "failed", `保存失败：${error.message}`);
      } finally {
        pending.delete(cell);
      }
    }

    function go(index) {
      cells[current].tabIndex = -1;
      cells[current].classList.remove("editing");
      current = Math.max(0, Math.min(cells.length - 1, index));
      cells[current].tabIndex = 0;
      cells[current].focus();
      cells[current].scrollIntoView({ block: "nearest" });
    }

    function columns() {
      const top = cells[0].offsetTop;
      const inRow = cells.findIndex((cell) => cell.offsetTop !== top);
      return inRow > 0 ? inRow : cells.length;
    }

    function edit(cell, text) {
      const input = inputOf(cell);
      if (!editable) return;
      if (text !== undefined) input.value = text;
      cell.classList.add("editing");
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }

    function restore(cell) {
      const input = inputOf(cell);
      input.value = input.dataset.original;
      mark(cell, null, cell.dataset.needsReview === "true" ? "待核对" : "");
    }

    cells.forEach((cell, index) => {
      const input = inputOf(cell);
      cell.addEventListener("focusin", () => {
        if (index !== current) {
          cells[current].tabIndex = -1;
          current = index;
          cell.tabIndex = 0;
        }
      });
      input.addEventListener("focus", () => cell.classList.add("editing"));
      input.addEventListener("blur", () => {
        cell.classList.remove("editing");
        save(cell, false); // autosave what was typed
      });
      input.addEventListener("keydown", (event) => {
        if (event.isComposing || !plainKey(event)) return;
        if (event.key === "Enter") {
          save(cell, true);
          go(index + 1);
        } else if (event.key === "Escape") {
          restore(cell);
          go(index);
        } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          save(cell, false);
          go(index + (event.key === "ArrowDown" ? columns() : -columns()));
        } else return;
        event.preventDefault();
      });
      const image = cell.querySelector(".crop img");
      if (image) {
        image.addEventListener("error", () => {
          const note = document.createElement("span");
          note.className = "nocrop";
          note.textContent = "图像缺失";
          image.replaceWith(note);
        });
      }
    });

    grid.addEventListener("keydown", (event) => {
      const cell = event.target.closest(".cell");
      if (!cell || event.target !== cell || !plainKey(event)) return;
      const index = cells.indexOf(cell);
      const key = event.key;
      if (key === "ArrowRight" || key === "j") go(index + 1);
      else if (key === "ArrowLeft" || key === "k") go(index - 1);
      else if (key === "ArrowDown") go(index + columns());
      else if (key === "ArrowUp") go(index - columns());
      else if (key === "Home") go(0);
      else if (key === "End") go(cells.length - 1);
      else if (key === "Enter") {
        save(cell, true);
        go(index + 1);
      } else if (key === "Escape") restore(cell);
      else if (key === "F2") edit(cell);
      else if (key === "Backspace" || key === "Delete") edit(cell, "");
      else if (key === "o") window.location.href = cell.querySelector("[data-open]").href;
      else if (key === "Process") {
        edit(cell, ""); // an input method is composing: let it write into the field
        return;
      } else if (key.length === 1) edit(cell, key);
      else return;
      event.preventDefault();
    });

    /** Every value still marked uncertain and not touched is right: accept them all in one
     * request (what was typed is saved first), then move on to the next uncertain values. */
    async function acceptRest() {
      if (!editable || grid.dataset.accepting) return;
      grid.dataset.accepting = "true";
      const active = cells.find((cell) => cell.contains(document.activeElement));
      if (active) await save(active, false);
      const rest = cells.filter((cell) => {
        const input = inputOf(cell);
        return cell.dataset.needsReview === "true" && input.value === input.dataset.original
          && !cell.classList.contains("failed") && !pending.has(cell);
      });
      rest.forEach((cell) => mark(cell, "saving", "保存中……"));
      try {
        // Queued after every save still under way (`inTurn`): the values are final.
        const result = await inTurn(() => request("/api/v1/review/accept-fields", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ cells: rest.map((c) => ({ page_id: Number(c.dataset.pageId), key: c.dataset.key })) }),
        }));
        const refused = new Set(Object.values(result.skipped).flat());
        for (const cell of rest) {
          if (refused.has(Number(cell.dataset.pageId))) {
            mark(cell, "failed", "未能确认：请打开所在卡片处理");
            continue;
          }
          cell.dataset.needsReview = "false";
          cell.classList.remove("uncertain");
          mark(cell, "saved", "已确认");
        }
        if (cells.some((cell) => cell.classList.contains("failed"))) return; // keep refusals in sight
        // The next uncertain values of this kind, else the next kind with some, else the queue.
        window.location.assign(main.dataset.next);
      } catch (error) {
        rest.forEach((cell) => mark(cell, "failed", `确认失败：${error.message}`));
      } finally {
        delete grid.dataset.accepting;
      }
    }

    // Alt + the letter in a cell's corner goes straight to it (Alt+Shift for the capitals):
    // the odd value spotted anywhere on the grid is one chord away. `code`, not `key`, so
    // the chord is the same whatever the layout or the input method.
    document.addEventListener("keydown", (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
      const letter = /^Key([A-Z])$/.exec(event.code);
      if (!letter) return;
      const jump = event.shiftKey ? letter[1] : letter[1].toLowerCase();
      const index = cells.findIndex((cell) => cell.dataset.jump === jump);
      if (index < 0) return;
      event.preventDefault();
      go(index); // the value being typed is saved as its field loses the focus
    });

    // PageDown/PageUp: the next/previous cells of the same grid (the values past the
    // uncertain ones, for a reviewer who checks every one), once what was typed is saved.
    async function turnPage(rel) {
      const link = document.querySelector(`.pager a[rel=${rel}]`);
      if (!link) return;
      const active = cells.find((cell) => cell.contains(document.activeElement));
      if (active) await save(active, false);
      await turn; // every save under way has ended
      if (cells.some((cell) => cell.classList.contains("failed"))) return; // keep it in sight
      window.location.assign(link.href);
    }
    document.addEventListener("keydown", (event) => {
      if ((event.key !== "PageDown" && event.key !== "PageUp") || !plainKey(event) || event.isComposing) return;
      event.preventDefault();
      turnPage(event.key === "PageDown" ? "next" : "prev");
    });

    const acceptButton = document.getElementById("accept-rest");
    if (acceptButton) acceptButton.addEventListener("click", acceptRest);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        acceptRest();
      }
    });

    go(0);
    performance.mark("cardscan-ready"); // the grid can be worked: read by the review benchmark
  }
})();
