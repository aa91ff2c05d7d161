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
try {
  const [bindings] = await Promise.all([import(JS), styled]);
  const wasm = await bindings.default({ module_or_path: WASM });
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
