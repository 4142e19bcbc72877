// localab's JupyterLab extension: the runtime's time left (and GPU memory, when it has a
// GPU) in the status bar; a notification 30 and 5 minutes before the profile's lifetime
// ends; and every open document saved when the runtime is about to stop.
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

import { showOutputsInTheirAreas } from './areas';
import { answerEvalJs } from './evaljs';
import { provideKernel } from './kernel';
import { renderForms } from './forms';

const ID = '@localab/runtime-extension:status';
const POLL_MS = 5000;

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

function describe(status) {
  const parts = [];
  if (status.sudo) parts.push('Privileged: sudo');
  if (status.remaining_s !== null) parts.push(`Runtime: ${duration(status.remaining_s)} left`);
  if (status.gpu) {
    const gb = (bytes) => (bytes / 1e9).toFixed(1);
    parts.push(`GPU: ${gb(status.gpu.used_bytes)} / ${gb(status.gpu.cap_bytes)} GB`);
  }
  return parts.join(' | ');
}

const plugin = {
  id: ID,
  autoStart: true,
  optional: [IStatusBar],
  activate: (app, statusBar) => {
    const settings = ServerConnection.makeSettings();
    const url = URLExt.join(settings.baseUrl, 'localab', 'status');
    const node = document.createElement('div');
    node.className = 'jp-localab-status';
    const widget = new Widget({ node });
    widget.id = 'jp-localab-status';
    if (statusBar) {
      statusBar.registerStatusItem(ID, { item: widget, align: 'left', rank: 1000 });
    }
    const warned = new Set();
    let saved = false;

    const poll = async () => {
      let status;
      try {
        const response = await ServerConnection.makeRequest(url, {}, settings);
        if (!response.ok) return;
        status = await response.json();
      } catch (error) {
        return;
      }
      node.textContent = describe(status);
      node.title = [
        status.sudo ? 'Started with --sudo: the notebook user may sudo (root in the container).' : '',
        status.expires_at ? `The runtime stops at ${status.expires_at} (profile ${status.profile}); the drive is kept` : ''
      ].filter(Boolean).join(' ');
      const left = status.remaining_s;
      node.classList.toggle('jp-mod-soon', left !== null && left <= 1800);
      const marks = [...(status.warn_at_s || [])].sort((a, b) => b - a);
      marks.forEach((mark, index) => {
        const later = index + 1 < marks.length ? marks[index + 1] : 0;
        if (left !== null && left <= mark && !warned.has(mark)) {
          warned.add(mark);
          if (left <= later) return; // the next, closer warning says it
          Notification.warning(
            `This runtime stops in ${duration(left)}: its ${duration(status.lifetime_s)} lifetime ends. ` +
              'Open notebooks are saved just before; the drive is kept, and notebooks and text files left in /content are copied into its localab/rescued/ when the runtime is removed.',
            { autoClose: false }
          );
        }
      });
      if (status.stopping && !saved) {
        saved = true;
        await app.commands.execute('docmanager:save-all');
        Notification.info('The runtime is stopping: open documents were saved.', { autoClose: false });
      }
    };
    poll();
    setInterval(poll, POLL_MS);
  }
};

const colab = {
  id: '@localab/runtime-extension:colab',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker) => {
    answerEvalJs();
    showOutputsInTheirAreas();
    provideKernel(tracker);
    renderForms(tracker);
  }
};

export default [plugin, colab];
