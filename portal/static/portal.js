// CamShare's web portal inside Telegram: four pages drawn from the JSON API. Every word shown
// comes from the server (/api/texts, or the data itself), in the reader's language; every
// request carries Telegram's signed initData. Text is set with textContent, never as HTML.
"use strict";

const webApp = window.Telegram && window.Telegram.WebApp;
const page = document.getElementById("page");
const notice = document.getElementById("notice");
let T = {};

// --- talking to the API -----------------------------------------------------------------------

class Refused extends Error {
  constructor(status, body) {
    super(body.message || "");
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: "tma " + (webApp ? webApp.initData : "") };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // Relative to the page: behind a reverse proxy the portal may live under a path.
  const response = await fetch(path.replace(/^\//, ""), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  let data = {};
  try {
    data = await response.json();
  } catch (error) {
    data = { message: T.error || "" };
  }
  if (!response.ok) throw new Refused(response.status, data);
  return data;
}

// --- small DOM helpers ----------------------------------------------------------------------------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "onclick") node.addEventListener("click", value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function button(label, onclick, kind = "action", testId) {
  return el("button", { class: kind, onclick, type: "button", "data-test": testId, text: label });
}

function fields(pairs) {
  const list = el("dl", { class: "fields" });
  for (const [term, value] of pairs) list.append(el("dt", { text: term }), el("dd", { text: value }));
  return list;
}

function show(...nodes) {
  page.replaceChildren(...nodes);
  window.scrollTo(0, 0);
}

function say(text, problem = false) {
  notice.textContent = text || "";
  notice.hidden = !text;
  notice.classList.toggle("problem", problem);
}

function expiry(item) {
  return item.expires ? fill(T.expires_on, { moment: item.expires }) : "";
}

function refusalBox(name) {
  return el("p", { class: "refusal", "data-refusal": name, hidden: true });
}

function hideRefusal(table) {
  const form = table.closest(".card");
  const box = form && form.querySelector('[data-refusal="grants"]');
  if (box) box.hidden = true;
}

function showRefusal(container, error) {
  const body = error instanceof Refused ? error.body : {};
  const place = body.field && container.querySelector(`[data-refusal="${body.field}"]`);
  const target = place || container.querySelector('[data-refusal="top"]');
  for (const box of container.querySelectorAll("[data-refusal]")) box.hidden = true;
  if (target) {
    target.textContent = body.message || T.error;
    target.hidden = false;
  } else {
    say(body.message || T.error, true);
  }
}

// Placeholders filled in one pass, so that a name holding "{owner}" or "$&" stays as typed.
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, key) => (Object.hasOwn(values, key) ? values[key] : whole));
}

function confirmInline(card, question, yesLabel, action) {
  const box = el(
    "div",
    { class: "card confirm", "data-test": "confirm" },
    el("p", { text: question }),
    el(
      "div",
      { class: "actions" },
      button(yesLabel, async (event) => {
        event.currentTarget.disabled = true; // one request, however many taps
        try {
          const result = await action();
          if (result && result.outcome) say(result.outcome);
        } catch (error) {
          say(error.body ? error.body.message : T.error, true);
        }
      }, "danger", "confirm-yes"),
      button(T.close, () => box.remove(), "action", "confirm-no"),
    ),
  );
  card.after(box);
}

// --- Device Management --------------------------------------------------------------------------

async function devicesPage() {
  const data = await api("GET", "/api/devices");
  if (!data.devices.length) return show(el("p", { class: "empty", text: T.no_devices }));
  show(
    el("h2", { text: T.tab_devices }),
    ...data.devices.map((device) =>
      el(
        "div",
        { class: "card", "data-device": device.id },
        el("div", { class: "title", text: device.name }),
        el("div", { class: "meta", text: [device.type_label, device.serial, device.channels].join(" · ") }),
        el("div", { class: "meta", text: `${T.status}: ${device.status}` }),
        el("div", { class: "actions" }, button(T.share, () => sharePage(device.id), "primary", "share")),
      ),
    ),
  );
}

// The table: rows are channels, columns permissions; a row's box shares the whole channel, a
// column's box sets that permission on every shared channel. Live View is locked on CCTV.
function grantsTable(channels, permissions, locked, granted) {
  const state = new Map(channels.map((c) => [c.number, new Set(granted[c.number] || [])]));
  const table = el("table", { class: "grants", "data-test": "grants" });
  const head = el("tr", {}, el("th", { class: "channel", text: T.channel }));
  const columnBoxes = {};
  for (const permission of permissions) {
    const box = el("input", { type: "checkbox", "data-column": permission.name, "aria-label": permission.label });
    columnBoxes[permission.name] = box;
    head.append(el("th", {}, el("label", {}, el("span", { text: permission.label }), box)));
  }
  table.append(el("thead", {}, head));
  const body = el("tbody");
  const rows = new Map();
  for (const channel of channels) {
    const rowBox = el("input", { type: "checkbox", "data-row": channel.number, "aria-label": T.whole_row });
    const row = el("tr", { "data-channel": channel.number }, el("td", { class: "channel" }, el("label", {}, rowBox, el("span", { text: channel.name }))));
    const cells = {};
    for (const permission of permissions) {
      const box = el("input", { type: "checkbox", "data-cell": `${channel.number}:${permission.name}`, "aria-label": `${channel.name}: ${permission.label}` });
      cells[permission.name] = box;
      box.addEventListener("change", () => {
        table.parentNode && hideRefusal(table);
        const held = state.get(channel.number);
        if (box.checked) {
          held.add(permission.name);
          if (locked) held.add("live_view");
        } else held.delete(permission.name);
        draw();
      });
      row.append(el("td", {}, box));
    }
    rowBox.addEventListener("change", () => {
      state.set(channel.number, new Set(rowBox.checked ? permissions.map((p) => p.name) : []));
      draw();
    });
    rows.set(channel.number, { rowBox, cells });
    body.append(row);
  }
  // A column acts on the channels being shared (all of them when none is yet).
  const sharedChannels = () => {
    const shared = channels.filter((c) => state.get(c.number).size > 0);
    return shared.length ? shared : channels;
  };
  for (const permission of permissions) {
    columnBoxes[permission.name].addEventListener("change", () => {
      const on = columnBoxes[permission.name].checked;
      for (const channel of sharedChannels()) {
        const held = state.get(channel.number);
        if (on) {
          held.add(permission.name);
          if (locked) held.add("live_view");
        } else held.delete(permission.name);
      }
      draw();
    });
  }
  table.append(body);

  function draw() {
    for (const channel of channels) {
      const held = state.get(channel.number);
      const { rowBox, cells } = rows.get(channel.number);
      rowBox.checked = held.size === permissions.length;
      rowBox.indeterminate = held.size > 0 && held.size < permissions.length;
      for (const permission of permissions) {
        const box = cells[permission.name];
        box.checked = held.has(permission.name);
        // R7: on a shared CCTV channel Live View cannot be removed.
        box.disabled = locked && permission.name === "live_view" && held.size > 0;
      }
    }
    const shared = sharedChannels();
    for (const permission of permissions) {
      const count = shared.filter((c) => state.get(c.number).has(permission.name)).length;
      const box = columnBoxes[permission.name];
      box.checked = count === shared.length;
      box.indeterminate = count > 0 && count < shared.length;
      box.disabled = locked && permission.name === "live_view";
    }
  }
  draw();
  const grants = () => {
    const result = {};
    for (const [number, held] of state) if (held.size) result[number] = [...held];
    return result;
  };
  return { table, grants };
}

async function sharePage(deviceId) {
  say("");
  const device = await api("GET", `/api/devices/${deviceId}`);
  const everything = Object.fromEntries(device.channels.map((c) => [c.number, device.permissions.map((p) => p.name)]));
  const { table, grants } = grantsTable(device.channels, device.permissions, device.live_view_locked, everything);
  const recipient = el("input", { type: "text", id: "recipient", name: "recipient", autocomplete: "off", "aria-describedby": "recipient-hint" });
  recipient.addEventListener("input", () => {
    form.querySelector('[data-refusal="recipient"]').hidden = true;
  });
  const form = el(
    "div",
    { class: "card", "data-test": "share-form" },
    el("div", { class: "title", text: `${T.share}: ${device.name}` }),
    el("div", { class: "meta", text: [device.type_label, device.serial, device.status].join(" · ") }),
    refusalBox("top"),
    el("label", { class: "field", for: "recipient", text: T.recipient }),
    recipient,
    el("p", { class: "hint", id: "recipient-hint", text: T.recipient_hint }),
    refusalBox("recipient"),
    device.live_view_locked ? el("p", { class: "hint", text: T.live_view_locked }) : null,
    el("div", { class: "table-wrap" }, table),
    refusalBox("grants"),
  );
  form.append(
    el(
      "div",
      { class: "actions sticky" },
      button(T.save, async (event) => {
        event.target.disabled = true;
        try {
          const result = await api("POST", `/api/devices/${deviceId}/shares`, { recipient: recipient.value, grants: grants() });
          say(result.outcome);
          await open("shared");
        } catch (error) {
          showRefusal(form, error);
        } finally {
          event.target.disabled = false;
        }
      }, "primary", "save"),
      button(T.back, () => open("devices"), "action", "back"),
    ),
  );
  show(form);
}

// --- My Shared Devices --------------------------------------------------------------------------

async function sharedPage() {
  const data = await api("GET", "/api/shares");
  if (!data.devices.length) return show(el("h2", { text: T.tab_shared }), el("p", { class: "empty", text: T.no_shared }));
  show(
    el("h2", { text: T.tab_shared }),
    ...data.devices.map((device) => {
      const card = el("div", { class: "card", "data-device": device.id }, el("div", { class: "title", text: device.name }), el("div", { class: "meta", text: device.type_label }));
      for (const share of device.shares) {
        const line = el(
          "div",
          { class: "share-line", "data-share": share.id },
          el("div", {}, el("strong", { text: share.who }), " · ", share.state_label),
          el("div", { class: "meta", text: [`${T.since} ${share.since}`, share.channels, expiry(share)].filter(Boolean).join(" · ") }),
        );
        const actions = el("div", { class: "actions" }, button(T.edit, () => editPage(share.id), "action", "edit"));
        if (share.state === "active") {
          actions.append(button(T.delete, () => confirmInline(line, fill(T.confirm_delete_share, { device: device.name, person: share.who }), T.delete, async () => {
            const result = await api("POST", `/api/shares/${share.id}/revoke`);
            await sharedPage();
            return result;
          }), "danger", "delete"));
        } else {
          actions.append(button(T.cancel_invitation, () => confirmInline(line, fill(T.confirm_cancel_invitation, { device: device.name, person: share.who }), T.cancel_invitation, async () => {
            const result = await api("POST", `/api/shares/${share.id}/cancel`);
            await sharedPage();
            return result;
          }), "danger", "cancel"));
        }
        line.append(actions);
        card.append(line);
      }
      return card;
    }),
  );
}

async function editPage(shareId) {
  say("");
  const share = await api("GET", `/api/shares/${shareId}`);
  const granted = Object.fromEntries(share.grants.map((g) => [g.channel, g.permissions]));
  const device = await api("GET", `/api/devices/${share.device_id}`);
  const { table, grants } = grantsTable(share.channels, device.permissions, share.live_view_locked, granted);
  const form = el(
    "div",
    { class: "card", "data-test": "edit-form" },
    el("div", { class: "title", text: `${share.device_name}: ${share.who}` }),
    el("div", { class: "meta", text: `${share.state_label} · ${T.since} ${share.since}` }),
    refusalBox("top"),
    el("div", { class: "table-wrap" }, table),
    refusalBox("grants"),
  );
  form.append(
    el(
      "div",
      { class: "actions sticky" },
      button(T.save, async () => {
        try {
          const result = await api("PUT", `/api/shares/${shareId}`, { grants: grants() });
          say(result.outcome);
          await open("shared");
        } catch (error) {
          showRefusal(form, error);
        }
      }, "primary", "save"),
      button(T.back, () => open("shared"), "action", "back"),
    ),
  );
  show(form);
}

// --- Others' Shared Devices ---------------------------------------------------------------------

async function receivedPage() {
  const data = await api("GET", "/api/received");
  const nodes = [el("h2", { text: T.tab_received })];
  if (data.invitations.length) {
    nodes.push(
      el(
        "div",
        { class: "card", "data-test": "invitations" },
        el("p", { class: "meta", text: T.invitations_waiting }),
        ...data.invitations.map((invitation) =>
          el(
            "div",
            { class: "share-line", "data-invitation": invitation.id },
            el("div", {}, el("strong", { text: invitation.name }), " · ", invitation.from),
            el("div", { class: "meta", text: [invitation.channels, expiry(invitation)].filter(Boolean).join(" · ") }),
          ),
        ),
      ),
    );
  }
  if (!data.devices.length) nodes.push(el("p", { class: "empty", text: T.no_received }));
  for (const device of data.devices) {
    const card = el(
      "div",
      { class: "card", "data-received": device.id },
      el("div", { class: "title", text: device.name }),
      fields([
        [T.serial, device.serial],
        [T.status, device.status],
        [T.from, device.from],
        [T.since, device.since],
      ]),
    );
    card.append(
      el(
        "div",
        { class: "actions" },
        button(T.rename, () => renameForm(card, device), "action", "rename"),
        button(T.details, () => detailsPage(device.id), "action", "details"),
        button(T.delete, () => confirmInline(card, fill(T.confirm_remove_received, { device: device.name, owner: device.from }), T.delete, async () => {
          const result = await api("POST", `/api/received/${device.id}/remove`);
          await receivedPage();
          return result;
        }), "danger", "delete"),
      ),
    );
    nodes.push(card);
  }
  show(...nodes);
}

function renameForm(card, device) {
  const input = el("input", { type: "text", value: device.alias || "", placeholder: device.device_name, "aria-label": T.device_name });
  const form = el(
    "div",
    { class: "card", "data-test": "rename-form" },
    el("label", { class: "field", text: T.alias_hint }),
    input,
    refusalBox("alias"),
    refusalBox("top"),
  );
  form.append(
    el(
      "div",
      { class: "actions sticky" },
      button(T.save, async () => {
        try {
          await api("POST", `/api/received/${device.id}/rename`, { alias: input.value });
          await receivedPage();
        } catch (error) {
          showRefusal(form, error);
        }
      }, "primary", "save"),
      button(T.close, () => form.remove(), "action", "close"),
    ),
  );
  card.after(form);
  input.focus();
}

async function detailsPage(shareId) {
  const share = await api("GET", `/api/received/${shareId}`);
  show(
    el("h2", { text: T.details }),
    el(
      "div",
      { class: "card", "data-test": "details-card" },
      el("div", { class: "title", text: share.name }),
      el("ul", { class: "grant-list" }, ...share.grants.map((g) => el("li", {}, el("strong", { text: g.name }), el("div", { class: "meta", text: g.label })))),
      fields([[T.from, share.from], [T.since, share.since]]),
      el("div", { class: "actions" }, button(T.back, () => open("received"), "action", "back")),
    ),
  );
}

// --- My Account ---------------------------------------------------------------------------------

async function accountPage() {
  const me = await api("GET", "/api/me");
  const code = el("div", { "data-test": "qr" });
  show(
    el("h2", { text: T.tab_account }),
    el(
      "div",
      { class: "card" },
      el("div", { class: "title", text: me.username ? `${me.name} (@${me.username})` : me.name }),
      fields([
        [T.region, me.region_label],
        [T.phone, me.phone ? `${me.phone} ✅` : T.not_shared],
        [T.email, me.email ? `${me.email} ✅` : T.not_verified],
      ]),
    ),
    el("h2", { text: T.my_qr }),
    el(
      "div",
      { class: "card" },
      code,
      el("div", { class: "actions" }, button(T.show_qr, async () => {
        const qr = await api("POST", "/api/account/qr");
        code.replaceChildren(el("img", { class: "qr", src: qr.image, alt: qr.link }), el("p", { class: "caption", text: T.qr_caption }));
      }, "primary", "show-qr")),
    ),
  );
}

// --- the frame ----------------------------------------------------------------------------------

const PAGES = { devices: devicesPage, shared: sharedPage, received: receivedPage, account: accountPage };

async function open(name) {
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.page === name));
  }
  page.setAttribute("data-page", name);
  try {
    await PAGES[name]();
  } catch (error) {
    show(el("p", { class: "refusal", text: (error.body && error.body.message) || T.error }));
  }
}

async function start() {
  if (webApp) {
    webApp.ready();
    webApp.expand();
  }
  try {
    T = await api("GET", "/api/texts");
  } catch (error) {
    document.getElementById("tabs").hidden = true;
    show(el("p", { class: "card refusal", "data-test": "unauthorized", text: (error.body && error.body.message) || "" }));
    return;
  }
  document.title = T.title;
  for (const tab of document.querySelectorAll("#tabs button")) {
    tab.textContent = T["tab_" + tab.dataset.page];
    tab.addEventListener("click", () => {
      say("");
      open(tab.dataset.page);
    });
  }
  // The chat's "Open portal" buttons name a page (?page=shared); a t.me link may (startapp).
  const wanted =
    new URLSearchParams(location.search).get("page") ||
    (webApp && webApp.initDataUnsafe && webApp.initDataUnsafe.start_param) ||
    "";
  await open(Object.hasOwn(PAGES, wanted) ? wanted : "devices");
  document.body.setAttribute("data-ready", "true");
}

start();
