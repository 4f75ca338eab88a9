// The Status tab (WEB-API.md "Status"): version, the probe report and recent log lines.
import { api } from './http.js';
import { $, banner } from './ui.js';

export async function load() {
  try {
    const s = await api('GET', '/api/status');
    $('status-version').textContent = s.version || '';
    $('status-probe').textContent = s.probe || '(no probe report)';
    const log = Array.isArray(s.log) ? s.log : [];
    const pre = $('status-log');
    pre.textContent = log.length ? log.join('\n') : '(no log lines)';
    pre.scrollTop = pre.scrollHeight;   // newest at the bottom, in view
  } catch (err) {
    banner(`Cannot read the status: ${err.message}`);
  }
}

export function initStatus() {
  $('status-refresh').addEventListener('click', load);
}
