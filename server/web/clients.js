// The Clients tab (WEB-API.md "Clients"): paired devices with first/last seen in local time,
// rename in place, unpair after a confirmation (takes effect at once on the server).
import { api } from './http.js';
import { $, banner, confirmAction, el, localTime, setMessage } from './ui.js';

function renameForm(client, row) {
  const input = el('input', { value: client.name, maxlength: 64, 'aria-label': 'New name', dataset: { testid: 'rename-input' } });
  const error = el('p', { class: 'message error', role: 'alert', hidden: true });
  const form = el('form', { class: 'rename-form', dataset: { testid: 'rename-form' } },
    input,
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'button', onclick: () => load() }, 'Cancel'),
      el('button', { type: 'submit', class: 'button primary', dataset: { testid: 'rename-save' } }, 'Save')),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      setMessage(error, 'The name cannot be empty.');
      return;
    }
    try {
      await api('POST', `/api/clients/${encodeURIComponent(client.id)}/rename`, { name });
      await load();
    } catch (err) {
      setMessage(error, err.message);
    }
  });
  row.replaceChildren(form);
  input.focus();
  input.select();
}

function clientRow(client) {
  const row = el('li', { class: 'card row', dataset: { testid: 'client-row', clientId: client.id } });
  row.append(
    el('div', { class: 'row-main' },
      el('p', { class: 'row-title', dataset: { testid: 'client-name' } }, client.name || '(no name)'),
      el('p', { class: 'muted small mono' }, `id ${client.id}`),
      el('p', { class: 'small' }, 'First seen ', el('time', { dataset: { testid: 'client-first-seen' } }, localTime(client.first_seen_unix_s))),
      el('p', { class: 'small' }, 'Last seen ', el('time', { dataset: { testid: 'client-last-seen' } }, localTime(client.last_seen_unix_s)))),
    el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'button small', dataset: { testid: 'client-rename' },
        onclick: () => renameForm(client, row) }, 'Rename'),
      el('button', { type: 'button', class: 'button small danger', dataset: { testid: 'client-unpair' },
        onclick: () => confirmAction({
          text: `Unpair “${client.name}”? It can no longer stream until it is paired again.`,
          okLabel: 'Unpair',
          action: async () => {
            await api('POST', `/api/clients/${encodeURIComponent(client.id)}/unpair`);
            await load();
          },
        }) }, 'Unpair')));
  return row;
}

export async function load() {
  try {
    const answer = await api('GET', '/api/clients');
    const clients = (answer && Array.isArray(answer.clients)) ? answer.clients : [];
    $('clients-list').replaceChildren(...clients.map(clientRow));
    $('clients-empty').hidden = clients.length > 0;
  } catch (err) {
    banner(`Cannot list the paired devices: ${err.message}`);
  }
}

export function initClients() {
  $('clients-refresh').addEventListener('click', load);
}
