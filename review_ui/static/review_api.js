/* The JSON API as the document page uses it: the session's CSRF token on changes, the
 * page version as If-Match, and changes sent one after the other (each needs the version
 * the previous one returned). Errors come back as {ok: false, code, message}. */

export const STALE = "stale_write";
export const STALE_MESSAGE = "此卡片已被他人修改，请刷新后再改。";

export class PageApi {
  constructor(pageId, csrf, onPending) {
    this.base = `/api/v1/pages/${pageId}`;
    this.csrf = csrf;
    this.version = 0;
    this.pending = 0;
    this.queue = Promise.resolve();
    this.onPending = onPending;
  }

  async call(method, url, body, { versioned = false, keepalive = false } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (versioned) headers["If-Match"] = `"${this.version}"`;
    let response;
    try {
      response = await fetch(url, {
        method, headers, keepalive, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      return { ok: false, status: 0, code: "network", message: "无法连接服务器，请检查网络后重试。" };
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (response.ok) return { ok: true, status: response.status, data };
    const error = (data && data.error) || {};
    return {
      ok: false, status: response.status, code: error.code || "error",
      message: error.message || `请求失败（${response.status}），请重试。`,
    };
  }

  /** GET something of this page (`""` is the page itself). */
  get(path = "") {
    return this.call("GET", this.base + path);
  }

  /** Queue a change; ``task`` runs after every change queued before it. */
  enqueue(task) {
    this.pending += 1;
    this.onPending();
    const run = this.queue.then(task).finally(() => {
      this.pending -= 1;
      this.onPending();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
