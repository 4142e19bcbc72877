// google.colab.kernel in the page, for Colab's own snippets and libraries that detect Colab:
// invokeFunction (a Python callback registered with google.colab.output.register_callback),
// proxyPort (the URL of a server on a port inside the runtime, through its own port),
// accessAllowed, comms (Jupyter comms with the notebook's kernel, as Colab's channels) and
// disconnect (google.colab.runtime.unassign: the page saves, then the runtime stops).
import { PageConfig, URLExt } from '@jupyterlab/coreutils';

function currentKernel(tracker) {
  const panel = tracker.currentWidget;
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) throw new Error('no kernel to call: open a notebook with a running kernel');
  return kernel;
}

async function invokeFunction(tracker, name, args = [], kwargs = {}) {
  const call = JSON.stringify(JSON.stringify({ name, args, kwargs }));
  const future = currentKernel(tracker).requestExecute({
    code: `__import__('google.colab.output', fromlist=['_invoke'])._invoke(${call})`,
    silent: false,
    store_history: false,
    allow_stdin: false,
    stop_on_error: false
  });
  const data = {};
  let failure = null;
  future.onIOPub = msg => {
    const type = msg.header.msg_type;
    if (type === 'display_data' || type === 'execute_result') Object.assign(data, msg.content.data);
    if (type === 'error') failure = `${msg.content.ename}: ${msg.content.evalue}`;
  };
  return future.done.then(() => {
    if (failure) throw new Error(failure);
    return { data };
  });
}

// A comm as Colab's channel: send, close, and the kernel's messages as an async iterable.
function channel(comm) {
  const queue = [];
  let wake = null;
  let closed = false;
  const notify = () => {
    if (wake) wake();
    wake = null;
  };
  comm.onMsg = msg => {
    queue.push({ data: msg.content.data, buffers: msg.buffers || [] });
    notify();
  };
  comm.onClose = () => {
    closed = true;
    notify();
  };
  return {
    commId: comm.commId,
    send: (data, options = {}) => comm.send(data, undefined, options.buffers).done,
    close: () => {
      if (!comm.isDisposed) comm.close();
    },
    messages: {
      [Symbol.asyncIterator]: async function* () {
        for (;;) {
          if (queue.length) yield queue.shift();
          else if (closed) return;
          else await new Promise(resolve => (wake = resolve));
        }
      }
    }
  };
}

function comms(tracker) {
  return {
    open: async (targetName, data = {}, buffers = []) => {
      const comm = currentKernel(tracker).createComm(targetName);
      const opened = channel(comm);
      await comm.open(data, undefined, buffers).done;
      return opened;
    },
    // JupyterLab awaits a target's handler before it reads the kernel's next message, and a
    // handler that awaits its own send would wait for itself: the callback runs detached.
    registerTarget: (targetName, callback) =>
      currentKernel(tracker).registerCommTarget(targetName, (comm, msg) => {
        const opened = channel(comm);
        Promise.resolve()
          .then(() => callback(opened, { data: msg.content.data, buffers: msg.buffers || [] }))
          .catch(error => console.error(`google.colab.kernel.comms target '${targetName}':`, error));
      })
  };
}

export function provideKernel(tracker) {
  const proxyPort = async port => new URL(URLExt.join(PageConfig.getBaseUrl(), 'proxy', String(port), '/'),
                                          window.location.href).href;
  const google = (window.google = window.google || {});
  google.colab = google.colab || {};
  google.colab.kernel = Object.assign(google.colab.kernel || {}, {
    accessAllowed: true,
    invokeFunction: (...args) => invokeFunction(tracker, ...args),
    proxyPort,
    comms: comms(tracker),
    disconnect: () => {
      currentKernel(tracker).requestExecute({ code: 'from google.colab import runtime\nruntime.unassign()' });
    }
  });
}
