// Creates and starts the JupyterLab application from the bundled extension
// packages (see generated ./plugins.js) plus the federated extensions the
// server lists in the page config. The app is exposed as window.jupyterapp.

import { PageConfig } from '@jupyterlab/coreutils';
import { PluginRegistry } from '@lumino/coreutils';
import { bundledExtensions, bundledMimeExtensions } from './plugins.js';
import './style.js';

async function getFederatedModule(scope, modulePath) {
  const factory = await window._JUPYTERLAB[scope].get(modulePath);
  const mod = factory();
  mod.__scope__ = scope;
  return mod;
}

function pluginsOf(mod) {
  const exported = Object.prototype.hasOwnProperty.call(mod, '__esModule')
    ? mod.default
    : mod;
  return Array.isArray(exported) ? exported : [exported];
}

export async function main() {
  const { JupyterLab } = await import('@jupyterlab/application');
  const { IConnectionStatus } = await import('@jupyterlab/application/lib/tokens.js');
  const { IServiceManager } = await import('@jupyterlab/services/lib/tokens.js');

  const disabled = [];
  const deferred = [];
  const ignorePlugins = [];
  const availablePlugins = [];
  const plugins = [];
  const mimeExtensions = [];

  const accept = (mod, scope, sink) => {
    for (const plugin of pluginsOf(mod)) {
      const isDisabled = PageConfig.Extension.isDisabled(plugin.id);
      availablePlugins.push({
        id: plugin.id,
        description: plugin.description,
        requires: plugin.requires ?? [],
        optional: plugin.optional ?? [],
        provides: plugin.provides ?? null,
        autoStart: plugin.autoStart,
        enabled: !isDisabled,
        extension: scope
      });
      if (isDisabled) {
        disabled.push(plugin.id);
        continue;
      }
      if (PageConfig.Extension.isDeferred(plugin.id)) {
        deferred.push(plugin.id);
        ignorePlugins.push(plugin.id);
      }
      sink.push(plugin);
    }
  };

  const federated = JSON.parse(PageConfig.getOption('federated_extensions') || '[]');
  const federatedNames = new Set();
  const extPromises = [];
  const mimePromises = [];
  const stylePromises = [];
  for (const ext of federated) {
    if (ext.extension) {
      federatedNames.add(ext.name);
      extPromises.push(getFederatedModule(ext.name, ext.extension));
    }
    if (ext.mimeExtension) {
      federatedNames.add(ext.name);
      mimePromises.push(getFederatedModule(ext.name, ext.mimeExtension));
    }
    if (ext.style && !PageConfig.Extension.isDisabled(ext.name)) {
      stylePromises.push(getFederatedModule(ext.name, ext.style));
    }
  }

  // A federated copy of a bundled package replaces the bundled one.
  for (const [name, load] of bundledMimeExtensions) {
    if (federatedNames.has(name)) continue;
    try {
      accept(await load(), name, mimeExtensions);
    } catch (e) {
      console.error(e);
    }
  }
  for (const r of await Promise.allSettled(mimePromises)) {
    if (r.status === 'fulfilled') accept(r.value, r.value.__scope__, mimeExtensions);
    else console.error(r.reason);
  }
  for (const [name, load] of bundledExtensions) {
    if (federatedNames.has(name)) continue;
    try {
      accept(await load(), name, plugins);
    } catch (e) {
      console.error(e);
    }
  }
  for (const r of await Promise.allSettled(extPromises)) {
    if (r.status === 'fulfilled') accept(r.value, r.value.__scope__, plugins);
    else console.error(r.reason);
  }
  for (const r of await Promise.allSettled(stylePromises)) {
    if (r.status === 'rejected') console.error(r.reason);
  }

  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const serviceManager = await pluginRegistry.resolveOptionalService(IServiceManager);

  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    connectionStatus,
    mimeExtensions,
    disabled: {
      matches: disabled,
      patterns: PageConfig.Extension.disabled.map(v => v.raw)
    },
    deferred: {
      matches: deferred,
      patterns: PageConfig.Extension.deferred.map(v => v.raw)
    },
    availablePlugins
  });
  // Exposed unconditionally: this host exists for tests and local runs.
  window.jupyterapp = lab;
  await lab.start({ ignorePlugins, bubblingKeydown: true });
}
