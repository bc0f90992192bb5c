// The operator console: reads the fleet from inventory-service's REST API (/api/v1) and reservation-service's
// (relayed on this origin under /console/reservation/api/v1) with the token the user signed in with, and draws it.
// Plain JavaScript, no build step, nothing fetched from elsewhere.
"use strict";

const TOKEN_KEY = "ballast.console.token";
const INVENTORY = "/api/v1";
const RESERVATION = "/console/reservation/api/v1";
const GIB = 1024 ** 3;

// ---- the token ------------------------------------------------------------------------------------------------

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The claims of a JWT (not verified here: the services verify it on every call). */
function claims(jwt) {
  const parts = jwt.split(".");
  if (parts.length !== 3) {
    throw new Error("this is not a bearer token: a token is three base64url parts joined by dots");
  }
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json);
  } catch (e) {
    throw new Error("this is not a bearer token: its middle part is not base64url-encoded JSON");
  }
}

function roles() {
  const jwt = token();
  if (!jwt) return [];
  try {
    const granted = claims(jwt).groups || [];
    // An operator or orchestrator reads too (io.ballast.support.security.Roles).
    return granted.length ? [...new Set(["viewer", ...granted])] : [];
  } catch (e) {
    return [];
  }
}

// ---- calls ----------------------------------------------------------------------------------------------------

/** A failed call: the service's problem detail, or what went wrong on the way. */
class CallFailed extends Error {
  constructor(method, path, status, problem) {
    super(describe(method, path, status, problem));
    this.status = status;
    this.problem = problem;
  }
}

function describe(method, path, status, problem) {
  const detail = problem && (problem.detail || problem.title) ? problem.detail || problem.title : "";
  const what = method + " " + path;
  if (status === 401) {
    return what + " was refused (401): the token is missing, expired or not signed for this stack. Sign in again.";
  }
  if (status === 403) {
    return what + " was refused (403): your token's roles (" + (roles().join(", ") || "none") +
      ") do not allow it" + (detail ? ": " + detail : "") + ".";
  }
  if (status === 0) return what + " failed: " + detail;
  return what + " failed (" + status + ")" + (detail ? ": " + detail : "");
}

/** Calls {@code path} with the signed-in token; resolves to the parsed JSON body, or rejects with CallFailed. */
async function call(method, path, body, accepted) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new CallFailed(method, path, 0, { detail: "the service could not be reached (" + e.message + ")" });
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = { detail: text.slice(0, 200) };
  }
  if (response.ok || (accepted || []).includes(response.status)) {
    return { status: response.status, body: json };
  }
  throw new CallFailed(method, path, response.status, json);
}

const inventory = (path) => call("GET", INVENTORY + path).then((a) => a.body);
const reservation = (path) => call("GET", RESERVATION + path).then((a) => a.body);

/** Every page of a list ({@code key}: its items) that inventory or reservation answers with {@code next}. */
async function all(read, path, key, cursor) {
  const items = [];
  let next = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await read(path + (next ? sep + cursor + "=" + encodeURIComponent(next) : ""));
    items.push(...page[key]);
    next = page.next || null;
  } while (next && items.length < 10000);
  return items;
}

// ---- figures --------------------------------------------------------------------------------------------------

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

function humanBytes(n) {
  const negative = n < 0;
  let value = Math.abs(n);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return (negative ? "−" : "") + shown + " " + UNITS[unit];
}

/** A byte count: human-readable, the exact figure in its title and data-bytes. */
function bytes(n) {
  if (n === null || n === undefined) return el("span", { class: "unknown", title: "not known yet" }, "—");
  return el("span", { class: "bytes", "data-bytes": String(n), title: n.toLocaleString("en") + " bytes" },
    humanBytes(n));
}

/** Parses what a person types as a size: bytes, or a number with a unit (KiB … TiB, KB … TB, K … T). */
function parseBytes(text, what) {
  const typed = (text || "").trim();
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(typed);
  if (!match || (match[3] && match[3].toLowerCase() === "ib" && !match[2])) {
    throw new Error(what + ": '" + typed + "' is not a size; write bytes (2147483648) or a number and a unit " +
      "(2 GiB, 512 MiB)");
  }
  const power = "bkmgtp".indexOf((match[2] || "b").toLowerCase());
  const decimal = match[3] && match[3].toLowerCase() === "b" && match[2];
  const value = Math.round(Number(match[1]) * (decimal ? 1000 : 1024) ** power);
  if (!Number.isSafeInteger(value)) throw new Error(what + ": " + typed + " is too large");
  return value;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const days = seconds / 86400;
  if (days >= 365) return (days / 365).toFixed(1) + " years";
  if (days >= 2) return days.toFixed(1) + " days";
  const hours = seconds / 3600;
  if (hours >= 1) return hours.toFixed(1) + " h";
  return Math.round(seconds / 60) + " min";
}

function time(iso) {
  if (!iso) return "—";
  const at = new Date(iso);
  return el("span", { title: iso }, at.toLocaleString("en-GB", { hour12: false }));
}

// ---- the page -------------------------------------------------------------------------------------------------

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const $ = (id) => document.getElementById(id);

function fill(id, ...content) {
  const node = $(id);
  node.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

function problem(error) {
  $("problems").append(el("div", { class: "problem" }, error.message || String(error)));
}

/** A table: columns are [heading, cell(row), numeric?]; each row gets the attributes rowAttributes(row). */
function table(columns, rows, rowAttributes, empty) {
  if (!rows.length) return el("p", { class: "note empty" }, empty || "Nothing to show.");
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map(([heading, , numeric]) => el("th", { class: numeric ? "num" : null },
      heading)))),
    el("tbody", {}, rows.map((row) => el("tr", rowAttributes ? rowAttributes(row) : {},
      columns.map(([, cell, numeric, field]) => el("td", { class: numeric ? "num" : null, "data-field": field },
        cell(row)))))));
}

/** A column of byte counts named after the REST field it shows. */
function bytesColumn(heading, field, of) {
  return [heading, (row) => bytes((of ? of(row) : row)[field]), true, field];
}

function badge(text, kind) {
  return el("span", { class: "badge " + (kind || "") }, text);
}

function link(href, text) {
  return el("a", { href }, text);
}

const diskLink = (id) => link("/console/disks/" + encodeURIComponent(id), id);
const datastoreLink = (id, name) => link("/console/datastores/" + encodeURIComponent(id), name || id);

// ---- charts (inline SVG) --------------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function legend(entries) {
  return el("div", { class: "legend" }, entries.map(([color, text, pattern]) =>
    el("span", {}, el("i", { style: "background:" + (pattern || color) }), text)));
}

const HATCH = "repeating-linear-gradient(45deg, #f2d7d5 0 4px, #e3a9a4 4px 6px)";

/**
 * One bar per datastore, its width the capacity: demand, other and holds from the left, the reserve at the right end,
 * headroom between; a tick marks the limit (capacity less reserve, times the ratio when relaxed).
 */
function capacityChart(datastores, names) {
  const width = 880;
  const label = 220;
  const bar = 22;
  const gap = 14;
  const scale = Math.max(...datastores.map((d) => Math.max(d.capacityBytes, d.limitBytes,
    d.worstCaseDemandBytes + d.otherBytes + d.holdBytes)), 1);
  const x = (b) => label + (Math.max(0, b) / scale) * (width - label - 10);
  const height = datastores.length * (bar + gap) + 6;
  const chart = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
    "aria-label": "capacity per datastore", class: "capacity-chart" },
  svg("defs", {}, svg("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)" }, svg("rect", { width: 6, height: 6, fill: "#f2d7d5" }),
  svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#e3a9a4", "stroke-width": 3 }))));
  datastores.forEach((d, i) => {
    const y = 3 + i * (bar + gap);
    const used = [
      ["demand", d.worstCaseDemandBytes, "var(--demand)"],
      ["other", d.otherBytes, "var(--other)"],
      ["holds", d.holdBytes, "var(--holds)"],
    ];
    const group = svg("g", { "data-datastore": d.id });
    group.append(svg("text", { x: 0, y: y + 15 }, (names[d.id] || d.id).slice(0, 32)));
    group.append(svg("rect", { x: x(0), y, width: x(d.capacityBytes) - x(0), height: bar, fill: "var(--headroom)" },
      svg("title", {}, "capacity " + humanBytes(d.capacityBytes) + " (" + d.capacityBytes + " bytes)")));
    group.append(svg("rect", { x: x(d.capacityBytes - d.reserveBytes), y,
      width: x(d.capacityBytes) - x(d.capacityBytes - d.reserveBytes), height: bar, fill: "url(#hatch)" },
    svg("title", {}, "reserve " + humanBytes(d.reserveBytes) + " (" + d.reserveBytes + " bytes)")));
    let at = 0;
    for (const [name, value, color] of used) {
      if (value > 0) {
        group.append(svg("rect", { x: x(at), y, width: x(at + value) - x(at), height: bar, fill: color,
          "data-segment": name }, svg("title", {}, name + " " + humanBytes(value) + " (" + value + " bytes)")));
      }
      at += value;
    }
    group.append(svg("line", { x1: x(d.limitBytes), x2: x(d.limitBytes), y1: y - 3, y2: y + bar + 3,
      stroke: d.invariantHolds ? "#1d2733" : "#b3261e", "stroke-width": 2 },
    svg("title", {}, "limit " + humanBytes(d.limitBytes) + " (" + d.limitBytes + " bytes)")));
    chart.append(group);
  });
  return [legend([["var(--demand)", "worst-case demand"], ["var(--other)", "other"], ["var(--holds)", "holds"],
    ["var(--headroom)", "headroom"], ["", "reserve", HATCH], ["#1d2733", "limit"]]), chart];
}

/** A bar per disk: designated size, its budget, what the guest uses and the ballast that bounds it. */
function diskChart(disks) {
  const width = 880;
  const label = 260;
  const bar = 16;
  const gap = 10;
  const scale = Math.max(...disks.map((d) => d.designatedBytes), 1);
  const x = (b) => label + (Math.max(0, b) / scale) * (width - label - 10);
  const height = disks.length * (bar + gap) + 6;
  const chart = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
    "aria-label": "budget per disk" });
  disks.forEach((d, i) => {
    const y = 3 + i * (bar + gap);
    const ballast = d.designatedBytes - d.effectiveBytes;
    chart.append(svg("g", { "data-disk": d.id },
      svg("text", { x: 0, y: y + 12 }, d.id.length > 40 ? "…" + d.id.slice(-39) : d.id),
      svg("rect", { x: x(0), y, width: x(d.designatedBytes) - x(0), height: bar, fill: "#eef1f5", stroke: "#b8c2ce" },
        svg("title", {}, "designated " + humanBytes(d.designatedBytes))),
      svg("rect", { x: x(d.effectiveBytes), y, width: x(d.designatedBytes) - x(d.effectiveBytes), height: bar,
        fill: "var(--ballast)" }, svg("title", {}, "ballast " + humanBytes(ballast))),
      svg("rect", { x: x(0), y: y + 3, width: x(d.budgetBytes) - x(0), height: bar - 6, fill: "var(--budget)" },
        svg("title", {}, "budget " + humanBytes(d.budgetBytes))),
      svg("rect", { x: x(0), y: y + 5, width: x(d.utilizedBytes) - x(0), height: bar - 10, fill: "var(--used)" },
        svg("title", {}, "utilized " + humanBytes(d.utilizedBytes))),
      svg("line", { x1: x(d.minimumBudgetBytes), x2: x(d.minimumBudgetBytes), y1: y - 2, y2: y + bar + 2,
        stroke: "#b3261e", "stroke-width": 1.5 }, svg("title", {}, "minimum " + humanBytes(d.minimumBudgetBytes)))));
  });
  return [legend([["#eef1f5", "designated"], ["var(--budget)", "budget"], ["var(--used)", "utilized"],
    ["var(--ballast)", "ballast"], ["#b3261e", "minimum"]]), chart];
}

/**
 * Utilized bytes over time, each filesystem of the disk a line, with the budget and designated size, and the
 * forecast from the last point: the Theil–Sen slope, and the band to the upper end the planner uses.
 */
function usageChart(series, disk, forecast, horizonDays) {
  const width = 880;
  const height = 300;
  const left = 70;
  const bottom = 30;
  const now = Date.now();
  const points = series.flatMap((s) => s.points);
  const start = Math.min(now - 3600e3, ...points.map((p) => Date.parse(p.at)));
  const end = now + horizonDays * 86400e3;
  const top = Math.max(disk.designatedBytes, 1);
  // The past (as far back as the points reach) on the left half, the forecast's horizon on the right half.
  const middle = left + (width - left - 10) / 2;
  const x = (t) => t <= now ? left + ((t - start) / (now - start)) * (middle - left)
    : middle + ((t - now) / (end - now)) * (width - 10 - middle);
  const y = (b) => height - bottom - (Math.max(0, Math.min(b, top)) / top) * (height - bottom - 10);
  const chart = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
    "aria-label": "usage and forecast", class: "usage-chart" });
  for (let i = 0; i <= 4; i++) {
    const b = (top * i) / 4;
    chart.append(svg("line", { x1: left, x2: width - 10, y1: y(b), y2: y(b), stroke: "#e7ecf2" }),
      svg("text", { x: 4, y: y(b) + 4 }, humanBytes(Math.round(b))));
  }
  for (const t of [start, now, end]) {
    chart.append(svg("text", { x: Math.max(left, Math.min(x(t) - 40, width - 110)), y: height - 10 },
      new Date(t).toLocaleString("en-GB", { hour12: false, month: "short", day: "numeric", hour: "2-digit",
        minute: "2-digit" })));
  }
  chart.append(svg("line", { x1: x(now), x2: x(now), y1: 10, y2: height - bottom, stroke: "#8a94a3",
    "stroke-dasharray": "3 3" }));
  const level = (b, color, name) => svg("line", { x1: left, x2: width - 10, y1: y(b), y2: y(b), stroke: color,
    "stroke-width": 1.5, "data-line": name }, svg("title", {}, name + " " + humanBytes(b)));
  chart.append(level(disk.designatedBytes, "#1d2733", "designated"));
  if (disk.budgetBytes !== undefined) chart.append(level(disk.budgetBytes, "#3569b5", "budget"));
  if (disk.minimumBudgetBytes !== undefined) chart.append(level(disk.minimumBudgetBytes, "#b3261e", "minimum"));
  let lastTotal = null;
  for (const s of series) {
    const sorted = s.points.slice().sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    if (!sorted.length) continue;
    const path = sorted.map((p, i) => (i ? "L" : "M") + x(Date.parse(p.at)).toFixed(1) + " " +
      y(p.utilizedBytes).toFixed(1)).join(" ");
    chart.append(svg("path", { d: path, fill: "none", stroke: "var(--used)", "stroke-width": 2,
      "data-series": s.mountPoint }));
    for (const p of sorted) {
      chart.append(svg("circle", { cx: x(Date.parse(p.at)), cy: y(p.utilizedBytes), r: 2.5, fill: "var(--used)",
        "data-point": p.utilizedBytes }, svg("title", {}, s.mountPoint + " " + p.at + ": " +
        humanBytes(p.utilizedBytes) + " (" + p.utilizedBytes + " bytes)")));
    }
    const last = sorted[sorted.length - 1];
    lastTotal = (lastTotal || 0) + last.utilizedBytes;
  }
  if (forecast && lastTotal !== null) {
    const days = horizonDays;
    const upper = lastTotal + Math.max(0, forecast.upperSlopeBytesPerDay) * days;
    const lower = lastTotal + forecast.lowerSlopeBytesPerDay * days;
    const mid = lastTotal + forecast.slopeBytesPerDay * days;
    chart.append(svg("path", { d: "M" + x(now) + " " + y(lastTotal) + " L" + x(end) + " " + y(upper) + " L" + x(end) +
      " " + y(lower) + " Z", fill: "rgba(53,105,181,0.15)", "data-forecast": "band" }),
    svg("line", { x1: x(now), y1: y(lastTotal), x2: x(end), y2: y(mid), stroke: "var(--demand)",
      "stroke-dasharray": "6 4", "stroke-width": 2, "data-forecast": "slope" },
    svg("title", {}, "forecast: " + humanBytes(Math.round(forecast.slopeBytesPerDay)) + "/day")));
  }
  return [legend([["var(--used)", "utilized"], ["#1d2733", "designated"], ["#3569b5", "budget"],
    ["#b3261e", "minimum"], ["rgba(53,105,181,0.35)", "forecast (Theil–Sen slope, 95 % band)"]]), chart];
}

// ---- pages ----------------------------------------------------------------------------------------------------

async function overviewPage() {
  const [known, budgets] = await Promise.all([
    all(inventory, "/datastores?limit=1000", "datastores", "after"),
    all(reservation, "/datastores?limit=1000", "datastores", "after"),
  ]);
  const names = Object.fromEntries(known.map((d) => [d.id, d.name]));
  const hosts = Object.fromEntries(known.map((d) => [d.id, d.hostIds]));
  fill("capacity-chart", capacityChart(budgets, names));
  fill("datastores", table([
    ["Datastore", (d) => datastoreLink(d.id, names[d.id]), false, "name"],
    ["Hosts", (d) => (hosts[d.id] || []).join(", "), false, "hosts"],
    ["Mode", (d) => d.mode + (d.mode === "relaxed" ? " ×" + d.ratio : ""), false, "mode"],
    bytesColumn("Capacity", "capacityBytes"),
    bytesColumn("Reserve", "reserveBytes"),
    bytesColumn("Limit", "limitBytes"),
    bytesColumn("Worst-case demand", "worstCaseDemandBytes"),
    bytesColumn("Other", "otherBytes"),
    bytesColumn("Holds", "holdBytes"),
    bytesColumn("Headroom", "headroomBytes"),
    ["Time to full", (d) => duration(d.timeToFullSeconds), true, "timeToFullSeconds"],
    ["Disks", (d) => d.disks, true, "disks"],
    ["Invariant", (d) => d.invariantHolds ? badge("holds", "good") : badge("violated", "bad"), false, "invariant"],
    ["Alerts", (d) => d.alerts.map((a) => badge(a, (ALERTS[a.split("/")[0]] || ["warn"])[0])), false, "alerts"],
  ], budgets, (d) => ({ "data-datastore": d.id }), "reservation-service knows no datastore yet."));
}

async function datastorePage(id) {
  const [known, budget, disks, vms] = await Promise.all([
    inventory("/datastores/" + encodeURIComponent(id)),
    reservation("/datastores/" + encodeURIComponent(id)),
    reservation("/datastores/" + encodeURIComponent(id) + "/disks"),
    all(inventory, "/vms?limit=1000&datastore=" + encodeURIComponent(id), "vms", "after"),
  ]);
  const vmNames = Object.fromEntries(vms.map((v) => [v.id, v.name]));
  fill("title", "Datastore " + known.name);
  fill("datastore-summary", el("div", { class: "summary" },
    figure("Location", known.location), figure("Hosts", known.hostIds.join(", ")),
    figure("Mode", budget.mode + (budget.mode === "relaxed" ? " ×" + budget.ratio : "")),
    ...byteFigures(budget, [["Capacity", "capacityBytes"]]),
    figure("Allocated on the host", bytes(known.allocatedBytes), "allocatedBytes"),
    ...byteFigures(budget, [["Reserve", "reserveBytes"], ["Worst-case demand", "worstCaseDemandBytes"],
      ["Holds", "holdBytes"], ["Headroom", "headroomBytes"]]),
    figure("Time to full", duration(budget.timeToFullSeconds), "timeToFullSeconds")));
  fill("capacity-chart", capacityChart([budget], { [budget.id]: known.name }));
  const sorted = disks.disks.slice().sort((a, b) => a.id.localeCompare(b.id));
  fill("disk-chart", sorted.length ? diskChart(sorted) : null);
  fill("disks", table([
    ["Disk", (d) => diskLink(d.id), false, "id"],
    ["VM", (d) => vmNames[d.vmId] || d.vmId, false, "vm"],
    ["Profile", (d) => d.profile, false, "profile"],
    bytesColumn("Designated", "designatedBytes"),
    bytesColumn("Budget", "budgetBytes"),
    bytesColumn("Effective", "effectiveBytes"),
    bytesColumn("Utilized", "utilizedBytes"),
    bytesColumn("Minimum", "minimumBudgetBytes"),
    bytesColumn("Worst-case", "worstCaseDemandBytes"),
    ["Ballast", (d) => bytes(d.ballasts.reduce((sum, b) => sum + b.appliedBytes, 0)), true, "ballastBytes"],
    bytesColumn("Unreclaimed", "unreclaimedBytes"),
    ["State", (d) => badge(d.state, d.state === "STEADY" ? "good" : d.state === "FROZEN" ? "bad" : "warn"), false,
      "state"],
    ["Agent", (d) => d.agentOnline ? badge("online", "good") : badge("offline", "bad"), false, "agent"],
    ["Pinned", pinnedOf, true, "pinnedBallastBytes"],
  ], sorted, (d) => ({ "data-disk": d.id }), "No disk on this datastore."));
  if (budget.recommendation) {
    $("disks").after(recommendationNote(budget.recommendation));
  }
}

/** A figure per [label, field] of {@code source}'s byte counts, each named after its REST field. */
function byteFigures(source, pairs) {
  return pairs.map(([label, field]) => figure(label, bytes(source[field]), field));
}

const pinnedOf = (budget) => budget.pinnedBallastBytes === null || budget.pinnedBallastBytes === undefined ? "—"
  : bytes(budget.pinnedBallastBytes);

function figure(label, value, field) {
  return el("div", { "data-field": field }, el("span", { class: "label" }, label),
    el("span", { class: "value" }, value));
}

function recommendationNote(r) {
  return el("p", { class: "problem" }, "Recommended: move VM " + r.vmId + " to ",
    datastoreLink(r.toDatastoreId), " (", bytes(r.bytesToMove), " to copy, frees ", bytes(r.demandFreedBytes),
    "): " + r.reason);
}

async function diskPage(id) {
  const known = await inventory("/disks/" + encodeURIComponent(id));
  const [budget, vm, ledger, datastore] = await Promise.all([
    reservation("/disks/" + encodeURIComponent(id)).catch((e) => {
      problem(e);
      return null;
    }),
    inventory("/vms/" + encodeURIComponent(known.vmId)),
    reservation("/ledger?limit=100&disk=" + encodeURIComponent(id)),
    known.datastoreId ? inventory("/datastores/" + encodeURIComponent(known.datastoreId)) : null,
  ]);
  fill("title", "Disk " + id + " of VM " + vm.name);
  const filesystems = vm.filesystems.filter((f) => f.diskId === id);
  const since = new Date(Date.now() - 7 * 86400e3).toISOString();
  const series = await Promise.all(filesystems.map((f) => inventory("/vms/" + encodeURIComponent(vm.id) +
    "/usage?mountPoint=" + encodeURIComponent(f.mountPoint) + "&since=" + encodeURIComponent(since))
    .then((u) => ({ mountPoint: f.mountPoint, points: u.points }))));
  const about = { known, vm, datastore };
  showDiskSummary(about, budget);
  const b = budget || {};
  fill("usage-chart", usageChart(series, { designatedBytes: known.designatedBytes, budgetBytes: b.budgetBytes,
    minimumBudgetBytes: b.minimumBudgetBytes }, b.forecast, 7));
  fill("forecast", b.forecast ? "Forecast: " + b.forecast.explanation :
    "No forecast yet: reservation-service estimates one once the disk has usage history.");
  fill("ledger", ledgerTable(ledger.lines));
  if (ledger.next) {
    $("ledger").append(el("p", { class: "note" }, "Older lines: ",
      el("code", {}, "GET /api/v1/ledger?disk=" + id + "&before=" + ledger.next), " on reservation-service."));
  }
  roleNote(["operator", "orchestrator"], "pin a ballast (operator) or ask for growth (operator or orchestrator)");
  wireDiskActions(id, about);
}

/** The disk's figures: what inventory records of it and, when reservation-service answered, its budget. */
function showDiskSummary({ known, vm, datastore }, budget) {
  const b = budget || {};
  fill("disk-summary", el("div", { class: "summary" },
    figure("VM", link("/console/vms", vm.name)),
    figure("Datastore", datastore ? datastoreLink(datastore.id, datastore.name) : "—"),
    figure("Image", el("span", { class: "mono" }, known.imagePath)), figure("Format", known.format),
    ...byteFigures(known, [["Designated", "designatedBytes"], ["Backed on the host", "backedBytes"]]),
    ...byteFigures(b, [["Budget", "budgetBytes"], ["Effective", "effectiveBytes"], ["Utilized", "utilizedBytes"],
      ["Minimum", "minimumBudgetBytes"], ["Worst-case demand", "worstCaseDemandBytes"],
      ["Unreclaimed", "unreclaimedBytes"]]),
    figure("State", b.state ? badge(b.state) : "—", "state"),
    figure("Agent", budget ? (b.agentOnline ? badge("online", "good") : badge("offline", "bad")) : "—", "agent"),
    figure("Pinned ballast", pinnedOf(b), "pinnedBallastBytes"),
    ...(b.ballasts || []).map((s) => figure("Ballast on " + s.mountPoint, bytes(s.appliedBytes), "ballast:" +
      s.mountPoint))));
}

function ledgerTable(lines) {
  return table([
    ["At", (l) => time(l.at), false, "at"],
    bytesColumn("Budget before", "beforeBytes"),
    bytesColumn("Budget after", "afterBytes"),
    ["Change", (l) => bytes(l.afterBytes - l.beforeBytes), true, "change"],
    ["Reason", (l) => l.reason, false, "reason"],
  ], lines, (l) => ({ "data-line": l.id }), "No budget change recorded yet.");
}

function roleNote(needed, what) {
  const mine = roles();
  const node = $("role-note");
  if (!node) return;
  node.textContent = needed.some((r) => mine.includes(r))
    ? "Signed in with the roles " + mine.join(", ") + "."
    : "Your token's roles (" + (mine.join(", ") || "none") + ") may read but not " + what +
      ": the service will refuse. Sign in with such a token to act.";
}

let growthPoll = null;

function wireDiskActions(id, about) {
  const growthResult = $("growth-result");
  $("growth-form").onsubmit = async (event) => {
    event.preventDefault();
    growthResult.replaceChildren();
    clearInterval(growthPoll);
    try {
      const additionalBytes = parseBytes($("growth-bytes").value, "additional size");
      if (additionalBytes <= 0) throw new Error("additional size: must be more than 0 bytes");
      const growthId = "console-" + Date.now();
      const path = RESERVATION + "/disks/" + encodeURIComponent(id) + "/growth";
      const answer = await call("POST", path,
        { growthId, additionalBytes, reason: $("growth-reason").value || "asked on the console" }, [409]);
      // 409 is a growth refused for want of room (its view), or a request refused outright (a problem: a pinned
      // disk, an agent offline), which changed nothing
      if (!answer.body || !answer.body.state) throw new CallFailed("POST", path, answer.status, answer.body);
      showGrowth(answer.body);
      if (answer.body.state === "PENDING") {
        growthPoll = setInterval(async () => {
          const now = await reservation("/growth/" + encodeURIComponent(growthId)).catch(() => null);
          if (now) showGrowth(now);
          if (!now || now.state !== "PENDING") {
            clearInterval(growthPoll);
            refreshDisk(id, about);
          }
        }, 2000);
      }
      refreshDisk(id, about);
    } catch (e) {
      growthResult.replaceChildren(el("span", { class: "refused" }, e.message));
    }
  };
  const overrideResult = $("override-result");
  const override = async (ballastBytes) => {
    overrideResult.replaceChildren();
    try {
      const disk = (await call("PUT", RESERVATION + "/disks/" + encodeURIComponent(id) + "/ballast",
        { ballastBytes })).body;
      overrideResult.replaceChildren(el("span", { class: "ok" }, ballastBytes === null
        ? "The ballast is the planner's again; budget now " : "Ballast pinned at ", ballastBytes === null
        ? bytes(disk.budgetBytes) : bytes(disk.pinnedBallastBytes), "."));
      refreshDisk(id, about);
    } catch (e) {
      overrideResult.replaceChildren(el("span", { class: "refused" }, e.message));
    }
  };
  $("override-form").onsubmit = (event) => {
    event.preventDefault();
    try {
      override(parseBytes($("override-bytes").value, "ballast"));
    } catch (e) {
      overrideResult.replaceChildren(el("span", { class: "refused" }, e.message));
    }
  };
  $("override-clear").onclick = () => override(null);
}

function showGrowth(g) {
  const kinds = { GRANTED: "ok", PENDING: "ok", REFUSED: "refused", EXPIRED: "refused" };
  $("growth-result").replaceChildren(el("span", { class: kinds[g.state], "data-growth": g.state, "data-growth-id": g.id },
    "Growth " + g.id + ": " + g.state + " (", bytes(g.additionalBytes), " more; budget ", bytes(g.previousBudgetBytes),
    " → ", bytes(g.targetBudgetBytes), ")", g.detail ? ": " + g.detail : ""),
  g.recommendation ? recommendationNote(g.recommendation) : null);
}

/** Reads the disk's budget and ledger again after an action, leaving the forms as they are. */
async function refreshDisk(id, about) {
  $("problems").replaceChildren();
  try {
    const [budget, ledger] = await Promise.all([
      reservation("/disks/" + encodeURIComponent(id)),
      reservation("/ledger?limit=100&disk=" + encodeURIComponent(id)),
    ]);
    showDiskSummary(about, budget);
    fill("ledger", ledgerTable(ledger.lines));
  } catch (e) {
    problem(e);
  }
}

async function vmsPage() {
  const after = new URLSearchParams(location.search).get("after");
  const [report, savings, datastores] = await Promise.all([
    inventory("/reports/vms?limit=1000" + (after ? "&after=" + encodeURIComponent(after) : "")),
    inventory("/reports/savings"),
    all(inventory, "/datastores?limit=1000", "datastores", "after"),
  ]);
  const datastoreNames = Object.fromEntries(datastores.map((d) => [d.id, d.name]));
  const projected = Object.fromEntries(savings.disks.map((s) => [s.diskId, s]));
  fill("savings", el("div", { class: "summary" },
    figure("Projected", bytes(savings.projectedBytes), "projectedBytes"),
    figure("Projected value", money(savings.projectedCost, savings.currency), "projectedCost"),
    figure("Realized", bytes(savings.realizedBytes), "realizedBytes"),
    figure("Realized value", money(savings.realizedCost, savings.currency), "realizedCost")),
  table([
    ["Profile", (p) => p.profile || "default", false, "profile"],
    ["VMs", (p) => p.vms, true, "vms"],
    bytesColumn("Projected", "projectedBytes"),
    ["Value", (p) => money(p.projectedCost, savings.currency), true, "projectedCost"],
    bytesColumn("Realized", "realizedBytes"),
  ], savings.profiles, (p) => ({ "data-profile": p.profile }), "No profile has VMs yet."));
  const scale = Math.max(...report.rows.map((r) => r.designatedBytes), 1);
  fill("report", table([
    ["VM", (r) => el("span", { title: r.vmId }, r.vmName), false, "vmName"],
    ["Host", (r) => r.hostId, false, "hostId"],
    ["Profile", (r) => r.profile || "default", false, "profile"],
    ["Power", (r) => r.powerState, false, "powerState"],
    ["Disk", (r) => el("a", { href: "/console/disks/" + encodeURIComponent(r.diskId), title: r.diskId },
      r.diskId.startsWith(r.vmId + "-") ? r.diskId.slice(r.vmId.length + 1) : r.diskId), false, "diskId"],
    ["Datastore", (r) => r.datastoreId ? datastoreLink(r.datastoreId, datastoreNames[r.datastoreId]) : "—", false,
      "datastoreId"],
    bytesColumn("Designated", "designatedBytes"),
    bytesColumn("Guest total", "totalBytes"),
    bytesColumn("Guest used", "usedBytes"),
    bytesColumn("Guest free", "freeBytes"),
    ["Free %", (r) => r.freePercent === null ? "—" : r.freePercent.toFixed(1) + " %", true, "freePercent"],
    bytesColumn("Ballast", "ballastBytes"),
    bytesColumn("Host allocation", "backedBytes"),
    ["Guest vs host", (r) => usageBar(r, scale), false, "usageBar"],
    ["Alignment", (r) => badge(r.alignment, r.alignment === "aligned" ? "good" : r.alignment === "unknown" ? "" :
      "bad"), false, "alignment"],
    ["Projected savings", (r) => projected[r.diskId] ? (projected[r.diskId].status === "not-scanned"
      ? badge("not scanned") : bytes(projected[r.diskId].projectedBytes)) : "—", true, "projectedBytes"],
  ], report.rows, (r) => ({ "data-disk": r.diskId }), "No VM is known yet."));
  if (report.next) {
    $("report").append(el("p", {}, link("/console/vms?after=" + encodeURIComponent(report.next), "Next page →")));
  }
  $("csv").onclick = () => downloadCsv(after).catch(problem);
}

function money(amount, currency) {
  return amount === null || amount === undefined ? "—" : amount.toFixed(2) + " " + currency;
}

/** Two thin bars against the designated size: what the guest uses (top) and what the host allocates (bottom). */
function usageBar(r, scale) {
  const w = 120;
  const at = (b) => ((b || 0) / scale) * w;
  return svg("svg", { width: w, height: 14, role: "img", "aria-label": "guest usage and host allocation" },
    svg("rect", { x: 0, y: 0, width: at(r.designatedBytes), height: 14, fill: "#eef1f5" }),
    svg("rect", { x: 0, y: 1, width: at(r.usedBytes), height: 5, fill: "var(--used)" },
      svg("title", {}, "guest uses " + (r.usedBytes === null ? "—" : humanBytes(r.usedBytes)))),
    svg("rect", { x: 0, y: 8, width: at(r.backedBytes), height: 5, fill: "var(--holds)" },
      svg("title", {}, "host allocates " + humanBytes(r.backedBytes))));
}

async function downloadCsv(after) {
  const path = INVENTORY + "/reports/vms?format=csv&limit=1000" + (after ? "&after=" + encodeURIComponent(after) : "");
  const response = await fetch(path, { headers: { Authorization: "Bearer " + token(), Accept: "text/csv" } });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    throw new CallFailed("GET", path, response.status, body);
  }
  const blob = await response.blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: "ballast-vm-report.csv" });
  document.body.append(a);
  a.click();
  a.remove();
}

const ENDED = ["FINISHED", "FAILED", "CANCELLED"];

async function jobsPage() {
  const vms = await all(inventory, "/vms?limit=1000", "vms", "after");
  const names = Object.fromEntries(vms.map((v) => [v.id, v.name]));
  fill("resize-vm", vms.map((v) => el("option", { value: v.id }, v.name + " (" + v.id + ")")));
  const disksOf = async () => {
    const vm = $("resize-vm").value;
    if (!vm) return;
    const detail = await inventory("/vms/" + encodeURIComponent(vm));
    fill("resize-disk", el("option", { value: "" }, "its only disk"),
      detail.disks.map((d) => el("option", { value: d.id }, d.targetDev + " (" + humanBytes(d.designatedBytes) +
        ", " + d.format + ")")));
  };
  $("resize-vm").onchange = () => disksOf().catch(problem);
  await disksOf();
  roleNote(["operator"], "plan or start a resize (operator)");
  let submitter = null;
  for (const button of [$("dry-run"), $("start")]) button.onclick = () => (submitter = button);
  $("resize-form").onsubmit = async (event) => {
    event.preventDefault();
    const result = $("resize-result");
    result.replaceChildren();
    try {
      const request = { vmId: $("resize-vm").value, dryRun: submitter ? submitter.value === "true" : true };
      if ($("resize-disk").value) request.diskId = $("resize-disk").value;
      if ($("resize-alignment").value) request.alignment = $("resize-alignment").value;
      const targets = $("resize-targets").value.trim();
      if (targets) request.targets = parseTargets(targets);
      else request.byProfile = true;
      const answer = await call("POST", INVENTORY + "/resize-jobs", request);
      const job = answer.body;
      result.replaceChildren(el("span", { class: "ok", "data-job": job.id }, (job.dryRun ? "Dry run " : "Resize ") +
        job.id + " is " + job.state + (job.state === "WAITING_FOR_SCAN" ? " (a scan of the disk goes first)" : "") +
        "."));
      await showJobs(names);
    } catch (e) {
      result.replaceChildren(el("span", { class: "refused" }, e.message));
    }
  };
  await showJobs(names);
  setInterval(() => showJobs(names).catch(problem), 2000);
}

/** "1=6 GiB, 2=10 GiB" → [{partition: 1, sizeBytes: …}, …] */
function parseTargets(text) {
  return text.split(",").map((part) => {
    const match = /^\s*(\d+)\s*=\s*(.+)$/.exec(part);
    if (!match) {
      throw new Error("partition sizes: '" + part.trim() + "' is not PARTITION=SIZE (e.g. 1=6 GiB)");
    }
    return { partition: Number(match[1]), sizeBytes: parseBytes(match[2], "partition " + match[1]) };
  });
}

let shownJobs = "";
const endedJobs = new Map();

/**
 * The newest jobs with their steps. The list answers jobs without their steps, so each job is read on its own: an
 * ended one once (it changes no more), the others at every look.
 */
async function newestJobs() {
  const page = await inventory("/resize-jobs?limit=50");
  return Promise.all(page.jobs.map(async (listed) => {
    if (endedJobs.has(listed.id)) return endedJobs.get(listed.id);
    const job = await inventory("/resize-jobs/" + encodeURIComponent(listed.id));
    if (ENDED.includes(job.state)) endedJobs.set(job.id, job);
    return job;
  }));
}

async function showJobs(names) {
  const page = { jobs: await newestJobs() };
  const seen = JSON.stringify(page.jobs);
  fill("live", "live, read " + new Date().toLocaleTimeString("en-GB", { hour12: false }));
  if (seen === shownJobs) return;
  shownJobs = seen;
  fill("jobs", table([
    ["Job", (j) => el("span", { class: "mono", title: j.id }, j.id.slice(0, 8)), false, "id"],
    ["Kind", (j) => j.kind + (j.kind === "RESIZE" && j.dryRun ? " (dry run)" : ""), false, "kind"],
    ["VM", (j) => names[j.vmId] || j.vmId, false, "vm"],
    ["Disk", (j) => j.diskId ? el("a", { href: "/console/disks/" + encodeURIComponent(j.diskId), title: j.diskId },
      j.diskId.startsWith(j.vmId + "-") ? j.diskId.slice(j.vmId.length + 1) : j.diskId) : "—", false, "diskId"],
    ["State", (j) => badge(j.state, j.state === "FINISHED" ? "good" : j.state === "FAILED" ? "bad" :
      ENDED.includes(j.state) ? "" : "warn"), false, "state"],
    ["Progress", (j) => progress(j), false, "progress"],
    ["Projected", (j) => bytes(j.projectedSavingsBytes), true, "projectedSavingsBytes"],
    ["Realized", (j) => bytes(j.realizedSavingsBytes), true, "realizedSavingsBytes"],
    ["Created", (j) => time(j.createdAt), false, "createdAt"],
    ["Steps", (j) => el("ol", { class: "steps" }, j.steps.map((s) => el("li", { "data-step": s.step },
      s.step + (s.detail ? ": " + s.detail : ""), s.bytesTotal ? [" ", bytes(s.bytesDone), " of ", bytes(s.bytesTotal)]
        : null))), false, "steps"],
  ], page.jobs, (j) => ({ "data-job": j.id, "data-state": j.state }), "No scan or resize job yet."));
}

function progress(job) {
  const last = job.steps[job.steps.length - 1];
  if (!last) return "—";
  const share = last.bytesTotal ? last.bytesDone / last.bytesTotal : ENDED.includes(job.state) ? 1 : 0;
  return el("span", { "data-progress": share.toFixed(3) },
    el("span", { class: "progress" }, el("span", { style: "width:" + (share * 100).toFixed(1) + "%" })),
    last.step + (last.bytesTotal ? " " + Math.round(share * 100) + " %" : ""));
}

const ALERTS = {
  INVARIANT_AT_RISK: ["bad", "worst-case demand is over the limit (inventory brought more than fits): ballasts are " +
    "being inflated"],
  MINIMUMS_UNMET: ["bad", "even every disk at its minimum does not fit: a migration is recommended"],
  TIME_TO_FULL: ["warn", "forecast growth uses the headroom above the minimums up within the horizon"],
  BALLAST_TAMPERED: ["bad", "a guest wrote back into its ballast's punched ranges"],
  AGENT_OFFLINE: ["warn", "an agent stopped reporting: its disk's budget is frozen"],
  UNATTRIBUTED_REPORT: ["warn", "an agent reported a disk that is not its VM's: nothing was done on its account"],
};

async function alertsPage() {
  const [known, budgets, vms] = await Promise.all([
    all(inventory, "/datastores?limit=1000", "datastores", "after"),
    all(reservation, "/datastores?limit=1000", "datastores", "after"),
    all(inventory, "/vms?limit=1000", "vms", "after"),
  ]);
  const names = Object.fromEntries(known.map((d) => [d.id, d.name]));
  const vmNames = Object.fromEntries(vms.map((v) => [v.id, v.name]));
  const raised = budgets.flatMap((d) => [
    ...(d.invariantHolds ? [] : [{ datastore: d, kind: "INVARIANT_VIOLATED", disk: null }]),
    ...d.alerts.map((a) => ({ datastore: d, kind: a.split("/")[0], disk: a.includes("/") ? a.slice(a.indexOf("/") + 1)
      : null })),
  ]);
  fill("alerts", table([
    ["Datastore", (a) => datastoreLink(a.datastore.id, names[a.datastore.id]), false, "datastore"],
    ["Alert", (a) => badge(a.kind, (ALERTS[a.kind] || ["bad"])[0]), false, "kind"],
    ["Disk", (a) => a.disk ? diskLink(a.disk) : "—", false, "disk"],
    ["What it means", (a) => a.kind === "INVARIANT_VIOLATED" ? "the datastore's demand is over its limit by " +
      humanBytes(-a.datastore.headroomBytes) : (ALERTS[a.kind] || ["", ""])[1], false, "meaning"],
    bytesColumn("Headroom", "headroomBytes", (a) => a.datastore),
  ], raised, (a) => ({ "data-alert": a.kind, "data-datastore": a.datastore.id }),
  "No alert is raised: every datastore's invariant holds."));
  const recommended = budgets.filter((d) => d.recommendation);
  fill("recommendations", table([
    ["Datastore", (d) => datastoreLink(d.id, names[d.id]), false, "datastore"],
    ["Move VM", (d) => el("span", { title: d.recommendation.vmId, "data-vm": d.recommendation.vmId },
      vmNames[d.recommendation.vmId] || d.recommendation.vmId), false, "vmId"],
    ["To", (d) => datastoreLink(d.recommendation.toDatastoreId, names[d.recommendation.toDatastoreId]), false,
      "toDatastoreId"],
    bytesColumn("Bytes to copy", "bytesToMove", (d) => d.recommendation),
    bytesColumn("Demand freed", "demandFreedBytes", (d) => d.recommendation),
    ["Clears the deficit", (d) => d.recommendation.clearsDeficit ? "yes" : "no", false, "clearsDeficit"],
    ["Why", (d) => d.recommendation.reason, false, "reason"],
  ], recommended, (d) => ({ "data-datastore": d.id }),
  "No migration is recommended: every datastore can give its disks their minimums."));
  fill("time-to-full", table([
    ["Datastore", (d) => datastoreLink(d.id, names[d.id]), false, "datastore"],
    ["Time to full", (d) => duration(d.timeToFullSeconds), true, "timeToFullSeconds"],
    bytesColumn("Headroom", "headroomBytes"),
  ], budgets, (d) => ({ "data-datastore": d.id }), "reservation-service knows no datastore yet."));
}

function signInPage() {
  const next = new URLSearchParams(location.search).get("next") || "/console";
  $("sign-in-form").onsubmit = async (event) => {
    event.preventDefault();
    $("problems").replaceChildren();
    const typed = $("token").value.trim().replace(/^Bearer\s+/i, "");
    try {
      const c = claims(typed);
      if (c.exp && c.exp * 1000 < Date.now()) {
        throw new Error("this token expired at " + new Date(c.exp * 1000).toISOString() + ": ask for a new one");
      }
      sessionStorage.setItem(TOKEN_KEY, typed);
      await inventory("/hosts?limit=1");
      location.assign(next.startsWith("/console") ? next : "/console");
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      problem(e);
    }
  };
}

function showWho() {
  const who = $("who");
  const jwt = token();
  if (!jwt) {
    who.replaceChildren(link("/console/sign-in?next=" + encodeURIComponent(location.pathname + location.search),
      "Sign in"));
    return;
  }
  let c = {};
  try {
    c = claims(jwt);
  } catch (e) {
    c = {};
  }
  who.replaceChildren(el("span", { "data-roles": roles().join(" ") }, (c.upn || c.sub || "signed in") + " · " +
    roles().join(", ") + (c.exp ? " · until " + new Date(c.exp * 1000).toLocaleTimeString("en-GB",
    { hour12: false }) : "")),
  el("button", { type: "button", class: "small", id: "sign-out", onclick: () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.assign("/console/sign-in");
  } }, "Sign out"));
}

const PAGES = {
  "sign-in": signInPage,
  overview: overviewPage,
  datastore: datastorePage,
  disk: diskPage,
  vms: vmsPage,
  jobs: jobsPage,
  alerts: alertsPage,
};

async function start() {
  const main = $("page");
  const page = main.dataset.page;
  showWho();
  if (page !== "sign-in" && !token()) {
    problem(new Error("Sign in first: the console reads the fleet with your own token."));
    main.dataset.state = "signed-out";
    return;
  }
  try {
    await PAGES[page](main.dataset.subject);
    main.dataset.state = "loaded";
  } catch (e) {
    problem(e);
    main.dataset.state = "failed";
  }
}

document.addEventListener("DOMContentLoaded", start);
