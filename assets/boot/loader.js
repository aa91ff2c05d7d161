// The page's loader: JS, WASM (Trunk's names) and BUNDLE (build.rs's) come first (Trunk.toml).
await new Promise((go) => {
  if (document.visibilityState !== 'visible') return go();
  requestAnimationFrame(() => setTimeout(go, 0));
  setTimeout(go, 200);
});
const sheet = document.getElementById('app-style');
const styled = new Promise((go) => {
  if (!sheet) return go();
  sheet.onload = sheet.onerror = go;
  sheet.removeAttribute('disabled');
});
document.head.appendChild(Object.assign(document.createElement('link'),
  { rel: 'preload', href: WASM, as: 'fetch', crossOrigin: 'anonymous', type: 'application/wasm' }));
window.reorderBundlePrefetch = fetch(BUNDLE).then((r) => (r.ok ? r.arrayBuffer() : null)).catch(() => null);
// The wasm as a response to compile while it streams in: decoded when a static host's tree keeps
// it gzip-compressed (scripts/static_space.py; told by gzip's magic number, 1f 8b), and typed
// application/wasm whatever type the host sends.
const wasmResponse = fetch(WASM).then(async (response) => {
  if (!response.ok) throw new Error(`${WASM} answered ${response.status}`);
  const reader = response.body.getReader();
  let head = new Uint8Array(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await reader.read();
    done = next.done;
    if (!done) head = head.length ? new Uint8Array([...head, ...next.value]) : next.value;
  }
  let body = new ReadableStream({
    start(out) {
      if (head.length) out.enqueue(head);
      if (done) out.close();
    },
    async pull(out) {
      const next = await reader.read();
      if (next.done) out.close();
      else out.enqueue(next.value);
    },
  });
  if (head[0] === 0x1f && head[1] === 0x8b) body = body.pipeThrough(new DecompressionStream('gzip'));
  return new Response(body, { headers: { 'Content-Type': 'application/wasm' } });
});
try {
  const [bindings] = await Promise.all([import(JS), styled]);
  const wasm = await bindings.default({ module_or_path: wasmResponse });
  window.wasmBindings = bindings;
  dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
} catch (error) {
  const shown = Object.assign(document.createElement('p'), { id: 'boot-error', className: 'boot-lead',
    textContent: `The app could not start (${error}). Reload the page to try again. / Uygulama başlatılamadı; sayfayı yeniden yükleyin.` });
  shown.setAttribute('role', 'alert');
  shown.dataset.testid = 'boot-error';
  document.getElementById('boot')?.append(shown);
  throw error;
}
