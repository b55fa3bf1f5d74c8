/* The link panel of the document page: which roster member the page belongs to and, for a
 * service card, which of the member's registered contacts wrote it. Members are offered
 * best fit first (from what the page says); a choice is saved when the reviewer leaves
 * the panel, picks a contact, or confirms the card. */

import { STALE } from "./review_api.js";

const option = (value, text) => {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
};

export class LinkPanel {
  constructor({ api, form, sourceLabels, onStale, contactName }) {
    this.api = api;
    this.form = form;
    this.sourceLabels = sourceLabels;
    this.onStale = onStale;
    this.contactName = contactName; // the card's contact name as saved, to preselect
    this.panel = document.getElementById("doc-link");
    this.member = document.getElementById("doc-link-member");
    this.contact = document.getElementById("doc-link-contact");
    this.status = document.getElementById("doc-link-state");
    this.detail = null;
    this.dirty = false;
    if (!this.member) return;
    this.member.addEventListener("change", () => this.memberChosen());
    if (this.contact) this.contact.addEventListener("change", () => { this.dirty = true; this.commit(); });
    this.panel.addEventListener("focusout", (e) => {
      if (!this.panel.contains(e.relatedTarget)) this.commit();
    });
  }

  /** Whether the page is linked as its form requires (a card: member and contact). */
  linked() {
    const d = this.detail;
    return Boolean(d && d.member_id && (this.form !== "service_card" || d.contact_no));
  }

  focus() {
    if (this.member) this.member.focus();
  }

  /** Show the page's link (``detail`` is the page from the API) with the options. */
  async load(detail) {
    this.detail = detail;
    if (!this.member || this.dirty) return;
    // The member list and the chosen member's contacts load side by side.
    const [r] = await Promise.all([
      this.api.get("/suggest/member_name?q=&limit=50"),
      this.loadContacts(detail.member_id, detail.contact_no),
    ]);
    const members = r.ok ? r.data : [];
    if (detail.member_id && !members.some((m) => m.member_id === detail.member_id)) {
      const m = await this.api.call("GET", `/api/v1/roster/members/${detail.member_id}`);
      if (m.ok) members.unshift({ value: m.data.name, member_id: m.data.id, detail: m.data.code });
    }
    this.member.replaceChildren(option("", "（未关联）"),
      ...members.map((m) => option(m.member_id, `${m.value}（${m.detail || ""}）`)));
    this.member.value = detail.member_id || "";
    this.show();
  }

  async loadContacts(memberId, chosen) {
    if (!this.contact) return;
    const items = [option("", "（未关联）")];
    if (memberId) {
      const r = await this.api.call("GET", `/api/v1/roster/members/${memberId}/contacts`);
      for (const c of r.ok ? r.data.contacts : []) {
        items.push(option(c.no, `${c.no} ${c.name || ""}${c.phone ? ` · ${c.phone}` : ""}`));
      }
    }
    this.contact.replaceChildren(...items);
    this.contact.value = chosen || "";
  }

  async memberChosen() {
    this.dirty = true;
    await this.loadContacts(this.member.value, null);
    const name = this.contactName();
    const same = name && [...(this.contact ? this.contact.options : [])]
      .find((o) => o.value && o.textContent.split(" ")[1] === name);
    if (same) this.contact.value = same.value;
  }

  show() {
    const d = this.detail;
    const member = this.member.selectedOptions[0];
    const contact = this.contact && this.contact.selectedOptions[0];
    const parts = [d.member_id && member ? `委员 ${member.textContent}` : "未关联委员"];
    if (this.contact) parts.push(d.contact_no && contact ? `联系对象 ${contact.textContent}` : "未关联联系对象");
    if (d.link_source) parts.push(`来源：${this.sourceLabels[d.link_source] || d.link_source}`);
    document.getElementById("doc-link-now").textContent = parts.join(" · ");
    this.panel.classList.toggle("unlinked", !this.linked());
  }

  /** Save the chosen link, if it changed (queued after the field corrections). */
  commit() {
    if (!this.dirty) return this.api.queue;
    this.dirty = false;
    const memberId = this.member.value ? Number(this.member.value) : null;
    const contactNo = this.contact && this.contact.value && memberId ? Number(this.contact.value) : null;
    this.status.textContent = "保存中…";
    return this.api.enqueue(async () => {
      const r = await this.api.call("PUT", `${this.api.base}/link`,
        { member_id: memberId, contact_no: contactNo }, { versioned: true });
      if (r.ok) {
        this.api.version = r.data.version;
        this.detail = r.data;
        this.status.textContent = "已保存";
        this.show();
        return;
      }
      if (r.code === STALE) this.onStale(r.message);
      else this.dirty = true; // leaving the panel again retries
      this.status.textContent = r.message;
    });
  }
}
