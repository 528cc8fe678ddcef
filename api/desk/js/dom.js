/* Building the desk's elements without HTML strings: text from the ledger is always text. */

export function el(tag, attrs = {}, ...content) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) { continue; }
    if (name.startsWith("on")) { node.addEventListener(name.slice(2), value); } else { node.setAttribute(name, value === true ? "" : value); }
  }
  for (const item of content.flat(Infinity)) {
    if (item === null || item === undefined || item === false) { continue; }
    node.append(item instanceof Node ? item : document.createTextNode(String(item)));
  }
  return node;
}

export function clear(node, ...content) {
  node.replaceChildren();
  node.append(...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}
