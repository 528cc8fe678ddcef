/* In-browser verification of an event against the signed checkpoint.
 *
 * Trusts nothing the server says except what it can check:
 *  1. the checkpoint note (c2sp.org/signed-note) must carry a valid Ed25519
 *     signature from the log key printed in the page (the vkey
 *     "name+keyid+base64(0x01 || key)"; the key id is checked too);
 *  2. the statement pasted or fetched must have the event id asked for
 *     (SHA-256 of the canonical statement without its signature);
 *  3. its RFC 6962 leaf hash, combined with the audit path (RFC 9162
 *     section 2.1.3.2), must give the root hash the checkpoint signs. The
 *     audit path is computed here from the log's C2SP tlog-tiles (hash tiles
 *     under data/tile/, O(log n) of them); data/ids/ only says where to look,
 *     and the leaf text comes from the entry bundle (or is pasted).
 * Uses only WebCrypto (SHA-256, Ed25519). */
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form) { return; }
  var subtle = window.crypto && window.crypto.subtle;
  var enc = new TextEncoder();
  var idInput = document.getElementById("event-id");
  var pick = document.getElementById("event-pick");
  var leafBox = document.getElementById("leaf-text");
  var result = document.getElementById("verify-result");
  var stepsList = document.getElementById("verify-steps");
  var proof = null;

  function msg(name) { return form.dataset["msg" + name] || name; }

  function show(state, text) {
    result.className = "verify-result " + state;
    result.setAttribute("data-state", state);
    result.textContent = text;
  }

  function step(text, ok) {
    var li = document.createElement("li");
    li.textContent = (ok ? "\u2713 " : "\u2717 ") + text;
    li.className = ok ? "ok" : "bad";
    stepsList.appendChild(li);
  }

  function b64decode(text) {
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function concat(parts) {
    var n = 0, i;
    for (i = 0; i < parts.length; i++) { n += parts[i].length; }
    var out = new Uint8Array(n), at = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  async function sha256(bytes) { return new Uint8Array(await subtle.digest("SHA-256", bytes)); }
  function leafHash(bytes) { return sha256(concat([new Uint8Array([0]), bytes])); }
  function nodeHash(left, right) { return sha256(concat([new Uint8Array([1]), left, right])); }

  /* RFC 9162 2.1.3.2: recompute the root from a leaf hash and its audit path. */
  async function rootFromProof(index, size, leaf, path) {
    if (index >= size) { throw new Error("index beyond tree size"); }
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) { throw new Error("proof too long"); }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(path[i], r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, path[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) { throw new Error("proof too short"); }
    return r;
  }

  /* C2SP signed-note verifier key: name+hex(keyid)+base64(type || key). */
  async function parseVkey(vkey) {
    var first = vkey.indexOf("+"), second = vkey.indexOf("+", first + 1);
    if (first < 1 || second < 0) { throw new Error("malformed log key"); }
    /* the base64 key material may itself contain "+": split at the first two only */
    var parts = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
    var material = b64decode(parts[2]);
    if (material[0] !== 1 || material.length !== 33) { throw new Error("not an Ed25519 note key"); }
    var key = material.slice(1);
    var id = (await sha256(concat([enc.encode(parts[0] + "\n"), new Uint8Array([1]), key]))).slice(0, 4);
    if (hex(id) !== parts[1]) { throw new Error("log key id does not match its name and key"); }
    return { name: parts[0], id: id, key: key };
  }

  function parseNote(note) {
    var split = note.lastIndexOf("\n\n");
    if (split < 0 || note.charAt(note.length - 1) !== "\n") { throw new Error("malformed signed note"); }
    var text = note.slice(0, split + 1);
    var lines = note.slice(split + 2, -1).split("\n");
    var sigs = lines.map(function (line) {
      if (line.indexOf("\u2014 ") !== 0) { throw new Error("malformed signature line"); }
      var rest = line.slice(2), space = rest.indexOf(" ");
      var raw = b64decode(rest.slice(space + 1));
      return { name: rest.slice(0, space), id: raw.slice(0, 4), sig: raw.slice(4) };
    });
    var body = text.slice(0, -1).split("\n");
    if (body.length < 3) { throw new Error("malformed checkpoint"); }
    return { text: text, sigs: sigs, origin: body[0], size: Number(body[1]), root: b64decode(body[2]) };
  }

  async function verifyNote(note, vkey) {
    var k = await parseVkey(vkey);
    var key = await subtle.importKey("raw", k.key, { name: "Ed25519" }, false, ["verify"]);
    var mine = note.sigs.filter(function (s) { return s.name === k.name && equal(s.id, k.id); });
    if (!mine.length) { return false; }
    for (var i = 0; i < mine.length; i++) {
      if (mine[i].sig.length !== 64) { return false; }
      if (!(await subtle.verify({ name: "Ed25519" }, key, mine[i].sig, enc.encode(note.text)))) { return false; }
    }
    return true;
  }

  async function eventIdOf(leafText) {
    var marker = ',"signature":"', cut = leafText.lastIndexOf(marker);
    if (cut < 0) { throw new Error("not a signed statement"); }
    var end = leafText.indexOf('"', cut + marker.length);
    return hex(await sha256(enc.encode(leafText.slice(0, cut) + leafText.slice(end + 1))));
  }

  function wantedId() { return idInput.value.trim().toLowerCase(); }

  /* c2sp.org/tlog-tiles: tile index 1234067 is x001/x234/067; the right edge is a partial tile .p/W. */
  var TILE = 256;
  function tileUrl(level, index, width) {
    var groups = [];
    do { groups.unshift(("00" + (index % 1000)).slice(-3)); index = Math.floor(index / 1000); } while (index > 0);
    var path = groups.map(function (g, i) { return i < groups.length - 1 ? "x" + g : g; }).join("/");
    return form.dataset.tiles + level + "/" + path + (width < TILE ? ".p/" + width : "");
  }

  var tiles = {};
  function fetchTile(level, index, width) {
    var url = tileUrl(level, index, width);
    if (!tiles[url]) {
      tiles[url] = fetch(url, { cache: "no-store" }).then(function (response) {
        if (!response.ok) { throw new Error("missing tile " + url); }
        return response.arrayBuffer();
      }).then(function (buffer) { return new Uint8Array(buffer); });
    }
    return tiles[url];
  }

  /* Stored hashes per tlog-tiles: tile level t holds the subtrees of 256**t leaves. */
  function tileWidth(t, tileIndex, size) {
    return Math.min(TILE, Math.floor(size / Math.pow(TILE, t)) - tileIndex * TILE);
  }

  /* Hash of the perfect subtree of 2**h leaves numbered k, folded from one hash tile. */
  async function perfectHash(h, k, size) {
    var t = Math.floor(h / 8), r = h - 8 * t, count = Math.pow(2, r), first = k * count;
    var tileIndex = Math.floor(first / TILE), width = tileWidth(t, tileIndex, size);
    var tile = await fetchTile(t, tileIndex, width);
    if (tile.length !== width * 32) { throw new Error("tile of the wrong length"); }
    var at = first - tileIndex * TILE, level = [];
    for (var i = 0; i < count; i++) { level.push(tile.slice((at + i) * 32, (at + i + 1) * 32)); }
    while (level.length > 1) {
      var up = [];
      for (var j = 0; j < level.length; j += 2) { up.push(await nodeHash(level[j], level[j + 1])); }
      level = up;
    }
    return level[0];
  }

  function largestPowerBelow(n) { var k = 1; while (k * 2 < n) { k *= 2; } return k; }

  /* RFC 6962 hash of leaves [a, b): perfect and aligned, or the right edge of the tree. */
  async function rangeHash(a, b, size) {
    var n = b - a, h = Math.round(Math.log2(n));
    if (Math.pow(2, h) === n && a % n === 0) { return perfectHash(h, a / n, size); }
    var k = largestPowerBelow(n);
    return nodeHash(await rangeHash(a, a + k, size), await rangeHash(a + k, b, size));
  }

  /* RFC 9162 2.1.3.1: the subtrees whose hashes make the audit path of leaf m in [lo, hi), deepest first. */
  function pathRanges(m, lo, hi, out) {
    if (hi - lo <= 1) { return out; }
    var k = largestPowerBelow(hi - lo);
    if (m < lo + k) { pathRanges(m, lo, lo + k, out); out.push([lo + k, hi]); }
    else { pathRanges(m, lo + k, hi, out); out.push([lo, lo + k]); }
    return out;
  }

  async function auditPath(index, size) {
    var ranges = pathRanges(index, 0, size, []), path = [];
    for (var i = 0; i < ranges.length; i++) { path.push(await rangeHash(ranges[i][0], ranges[i][1], size)); }
    return path;
  }

  async function fetchCheckpoint() {
    var response = await fetch(form.dataset.checkpoint, { cache: "no-store" });
    return parseNote(await response.text());
  }

  /* The leaf text at index from its entry bundle (each entry behind a big-endian uint16 length). */
  async function fetchLeaf(index, size) {
    var bundle = Math.floor(index / TILE), width = Math.min(TILE, size - bundle * TILE);
    var raw = await fetchTile("entries", bundle, width), at = 0, n = 0;
    while (at + 2 <= raw.length) {
      var length = raw[at] * 256 + raw[at + 1];
      if (n === index - bundle * TILE) { return new TextDecoder().decode(raw.slice(at + 2, at + 2 + length)); }
      at += 2 + length; n += 1;
    }
    throw new Error("entry bundle too short");
  }

  async function loadProof() {
    var id = wantedId();
    stepsList.textContent = "";
    proof = null;
    if (!/^[0-9a-f]{64}$/.test(id)) { show("invalid", msg("BadId")); return false; }
    show("working", msg("Working"));
    var shard = id.slice(0, Number(form.dataset.idPrefix));
    var response = await fetch(form.dataset.ids + shard + ".json", { cache: "no-store" });
    var positions = response.ok ? await response.json() : {};
    if (!Object.prototype.hasOwnProperty.call(positions, id)) { show("invalid", msg("NoProof")); return false; }
    var note = await fetchCheckpoint();
    proof = { event_id: id, leaf_index: positions[id], tree_size: note.size };
    leafBox.value = proof.leaf_index < note.size ? await fetchLeaf(proof.leaf_index, note.size) : "";
    return true;
  }

  async function verify() {
    stepsList.textContent = "";
    if (!subtle || !subtle.importKey) { show("invalid", msg("NoWebcrypto")); return; }
    if (!proof || proof.event_id !== wantedId()) {
      if (!(await loadProof())) { return; }
      stepsList.textContent = "";
    }
    show("working", msg("Working"));
    var problems = [];
    var note = await fetchCheckpoint();
    var signed = false;
    try { signed = await verifyNote(note, form.dataset.vkey); } catch (e) { signed = false; }
    step("checkpoint signed by " + form.dataset.vkey.slice(0, form.dataset.vkey.indexOf("+")) + " (Ed25519)", signed);
    if (!signed) { problems.push(msg("BadSignature")); }
    var leafText = leafBox.value.replace(/\r?\n$/, "");
    var idOk = false;
    try { idOk = (await eventIdOf(leafText)) === wantedId(); } catch (e) { idOk = false; }
    step("statement has event id " + wantedId().slice(0, 16) + "\u2026", idOk);
    if (!idOk) { problems.push(msg("IdMismatch")); }
    var sizeOk = proof.tree_size === note.size && proof.leaf_index < note.size;
    step("log position " + proof.leaf_index + " is within the checkpoint's " + note.size + " events", sizeOk);
    if (!sizeOk) { problems.push(msg("SizeMismatch")); }
    var rootOk = false, path = [];
    try {
      path = await auditPath(proof.leaf_index, note.size);
      var root = await rootFromProof(proof.leaf_index, note.size, await leafHash(enc.encode(leafText)), path);
      rootOk = equal(root, note.root);
    } catch (e) { rootOk = false; }
    step("leaf " + proof.leaf_index + " + " + path.length + " proof hashes from the log's tiles lead to root " + hex(note.root).slice(0, 16) + "\u2026", rootOk);
    if (!rootOk) { problems.push(msg("RootMismatch")); }
    if (problems.length) { show("invalid", msg("Invalid") + " " + problems.join("; ") + "."); }
    else { show("valid", msg("Valid")); }
  }

  function run(action) {
    action().catch(function (e) { show("invalid", msg("Invalid") + " " + e.message); });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); run(verify); });
  document.getElementById("load-proof").addEventListener("click", function () { run(loadProof); });
  if (pick) {
    pick.addEventListener("change", function () {
      if (pick.value) { idInput.value = pick.value; run(verify); }
    });
  }
  function fromHash() {
    var id = window.location.hash.replace("#", "");
    if (/^[0-9a-f]{64}$/.test(id)) { idInput.value = id; run(verify); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
