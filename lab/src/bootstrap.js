// Entry point of the JupyterLab host page.
// Runs before anything else: sets the public path from the page config,
// loads every prebuilt (federated) extension container listed by the server,
// lets them join the shared scope, then imports the application itself.

function readPageConfig() {
  const el = document.getElementById('jupyter-config-data');
  return el ? JSON.parse(el.textContent || '{}') : {};
}

const pageConfig = readPageConfig();

// eslint-disable-next-line no-undef
__webpack_public_path__ = (pageConfig.fullStaticUrl || '') + '/';

function addScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.async = true;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`Failed to load extension script ${url}`));
    script.src = url;
    document.head.appendChild(script);
  });
}

async function loadContainer(baseUrl, ext) {
  await addScript(`${baseUrl}/${ext.name}/${ext.load}`);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[ext.name];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

(async () => {
  const federated = pageConfig.federated_extensions || [];
  const baseUrl = pageConfig.fullLabextensionsUrl;
  const results = await Promise.allSettled(
    federated.map(ext => loadContainer(baseUrl, ext))
  );
  results.forEach(r => {
    if (r.status === 'rejected') {
      console.error(r.reason);
    }
  });
  const { main } = await import('./app.js');
  if (document.readyState === 'complete') {
    void main();
  } else {
    window.addEventListener('load', () => void main());
  }
})();
