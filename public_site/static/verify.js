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
 * The checks themselves are proof.js's (the desk's module, shipped with the
 * site): this page only finds the tiles and shows each step. */
import {
  equal, eventIdOf, hasWebCrypto, hex, leafFromBundle, leafHash, nodeHash, parseNote,
  rootFromProof, TILE, tilePath, verifyNote,
} from "./proof.js";

(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form) { return; }
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

  function wantedId() { return idInput.value.trim().toLowerCase(); }

  var tiles = {};
  function fetchTile(level, index, width) {
    var url = form.dataset.tiles + tilePath(level, index, width);
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
    leafBox.value = proof.leaf_index < note.size ? await leafFromBundle(fetchTile, proof.leaf_index, note.size) : "";
    return true;
  }

  async function verify() {
    stepsList.textContent = "";
    if (!hasWebCrypto()) { show("invalid", msg("NoWebcrypto")); return; }
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
