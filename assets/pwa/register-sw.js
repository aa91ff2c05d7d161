// Registers the service worker (offline use), after the app's first result, and, when a new build is waiting, shows an
// "update available" bar: the new files are used only after the user chooses to reload.
// On the development server (trunk serve) the worker's precache list is empty: it caches nothing.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator)) return;
  // Next to this script, which Trunk puts in the app's folder (`/`, or PUBLIC_URL's path): the
  // worker's scope is then that folder.
  const workerUrl = new URL('sw.js', document.currentScript.src).href;

  function text(en, tr) {
    return document.documentElement.lang === 'tr' ? tr : en;
  }

  function showUpdateBar(worker) {
    if (document.querySelector('[data-testid="update-available"]')) return;
    const bar = document.createElement('div');
    bar.setAttribute('role', 'status');
    bar.setAttribute('data-testid', 'update-available');
    bar.className = 'update-bar';
    const label = document.createElement('span');
    label.textContent = text('A new version is available.', 'Yeni bir sürüm var.');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = text('Reload', 'Yenile');
    button.addEventListener('click', function () {
      askedToReload = true;
      worker.postMessage({ type: 'reorder:skip-waiting' });
    });
    bar.append(label, button);
    document.body.append(bar);
  }

  // Only the tab whose "Reload" was pressed reloads. Another tab (one in the middle of a batch
  // run, say) keeps its page and is told that the new version will load on its next reload.
  let askedToReload = false;
  let reloading = false;
  function showActivatedBar() {
    const existing = document.querySelector('[data-testid="update-available"]');
    if (existing) existing.remove();
    const bar = document.createElement('div');
    bar.setAttribute('role', 'status');
    bar.setAttribute('data-testid', 'update-activated');
    bar.className = 'update-bar';
    bar.textContent = text(
      'A new version is ready: it loads the next time this tab reloads.',
      'Yeni sürüm hazır: bu sekme bir sonraki yenilemede onu yükler.'
    );
    document.body.append(bar);
  }
  // Registered once the page is loaded and the app has shown its first result (the app sets
  // window['reorder:settled'] and fires that event; src/web/after_paint.rs): installing the
  // worker downloads every file of the build, which must not compete with the first
  // probability. If the app never says so (it failed to start), 10 s after the load.
  let started = false;
  function whenSettled(register) {
    function once() {
      if (started) return;
      started = true;
      register();
    }
    if (window['reorder:settled']) {
      once();
      return;
    }
    window.addEventListener('reorder:settled', once);
    setTimeout(once, 10000);
  }
  window.addEventListener('load', function () {
    whenSettled(register);
  });
  function register() {
    const hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener('controllerchange', function () {
      // The first install takes control silently; later ones come from a "Reload" press.
      if (!hadController || reloading) return;
      if (askedToReload) {
        reloading = true;
        window.location.reload();
      } else {
        showActivatedBar();
      }
    });
    navigator.serviceWorker
      .register(workerUrl)
      .then(function (registration) {
        if (registration.waiting && navigator.serviceWorker.controller) {
          showUpdateBar(registration.waiting);
        }
        registration.addEventListener('updatefound', function () {
          const worker = registration.installing;
          if (!worker) return;
          worker.addEventListener('statechange', function () {
            if (worker.state === 'installed' && navigator.serviceWorker.controller) {
              showUpdateBar(worker);
            }
          });
        });
      })
      .catch(function (error) {
        console.warn('service worker registration failed', error);
      });
  }
})();
