// The Apps tab (WEB-API.md "Apps"): every app with its box art; web-managed apps can be
// added, edited and removed. Saving commands is root-equivalent, so the form asks for the
// password every time (the server checks it: 403 "password required"). Box art is checked
// (PNG type, signature, at most 4 MiB) before anything is sent, and previewed as a data: URL
// (the CSP allows img-src 'self' data:, not blob:).
import { api } from './http.js';
import { $, banner, confirmAction, el, setMessage } from './ui.js';

const kMaxImageBytes = 4 * 1024 * 1024;
const kPngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let editing = null;      // the app object being edited, null when adding
let imageFile = null;    // a checked PNG waiting to be uploaded with the next save

function prepRow(step = { do: '', undo: '' }) {
  const row = el('div', { class: 'prep-row', dataset: { testid: 'prep-row' } },
    el('input', { class: 'mono prep-do', value: step.do || '', placeholder: 'do', 'aria-label': 'Do command' }),
    el('input', { class: 'mono prep-undo', value: step.undo || '', placeholder: 'undo', 'aria-label': 'Undo command' }),
    el('button', { type: 'button', class: 'button small', 'aria-label': 'Remove step',
      onclick: () => row.remove() }, '✕'));
  return row;
}

async function checkImage(file) {
  if (!file) return 'Choose a PNG file.';
  if (file.type && file.type !== 'image/png') return `Box art must be a PNG image (this is ${file.type}).`;
  if (file.size > kMaxImageBytes) {
    return `Box art must be at most 4 MiB (this file is ${(file.size / 1048576).toFixed(1)} MiB).`;
  }
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  if (head.length < 8 || kPngSignature.some((b, i) => head[i] !== b)) return 'This file is not a PNG image.';
  return '';
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function onImageChosen() {
  const file = $('app-image').files[0] || null;
  const preview = $('app-image-preview');
  imageFile = null;
  preview.hidden = true;
  setMessage($('app-image-error'), '');
  if (!file) return;
  const problem = await checkImage(file);
  if (problem) {
    setMessage($('app-image-error'), problem);
    $('app-image').value = '';
    return;
  }
  imageFile = file;
  preview.src = await readAsDataUrl(file);
  preview.hidden = false;
}

function openForm(app) {
  editing = app;
  imageFile = null;
  $('app-form-title').textContent = app ? `Edit ${app.name}` : 'Add app';
  $('app-name').value = app ? app.name : '';
  $('app-cmd').value = app ? app.cmd || '' : '';
  $('app-working-dir').value = app ? app.working_dir || '' : '';
  $('app-prep-rows').replaceChildren(...(app && Array.isArray(app.prep) ? app.prep.map(prepRow) : []));
  $('app-detached').value = app && Array.isArray(app.detached) ? app.detached.join('\n') : '';
  $('app-image').value = '';
  const preview = $('app-image-preview');
  if (app && app.has_image) {
    preview.src = `/api/apps/${app.id}/image?v=${Date.now()}`;
    preview.hidden = false;
  } else {
    preview.removeAttribute('src');
    preview.hidden = true;
  }
  $('app-password').value = '';
  setMessage($('app-image-error'), '');
  setMessage($('app-form-error'), '');
  $('app-dialog').showModal();
  $('app-name').focus();
}

function formBody() {
  const prep = [...$('app-prep-rows').querySelectorAll('.prep-row')]
    .map((row) => ({ do: row.querySelector('.prep-do').value.trim(), undo: row.querySelector('.prep-undo').value.trim() }))
    .filter((step) => step.do || step.undo);
  const detached = $('app-detached').value.split('\n').map((line) => line.trim()).filter(Boolean);
  return {
    name: $('app-name').value.trim(),
    cmd: $('app-cmd').value.trim(),
    working_dir: $('app-working-dir').value.trim(),
    prep,
    detached,
    password: $('app-password').value,
  };
}

async function save(event) {
  event.preventDefault();
  const error = $('app-form-error');
  setMessage(error, '');
  const body = formBody();
  if (!body.name) {
    setMessage(error, 'The app needs a name.');
    return;
  }
  if (!body.password) {
    setMessage(error, 'Enter the administrator password to save commands.');
    $('app-password').focus();
    return;
  }
  const button = $('app-save');
  button.disabled = true;
  try {
    const saved = editing ? await api('POST', `/api/apps/${editing.id}`, body) : await api('POST', '/api/apps', body);
    const id = saved && saved.id !== undefined ? saved.id : editing && editing.id;
    if (imageFile && id !== undefined) {
      try {
        await api('POST', `/api/apps/${id}/image`, undefined, { raw: imageFile, type: 'image/png' });
      } catch (err) {
        // The app is saved; only the picture failed: say so and keep the dialog for a retry.
        editing = saved || editing;
        setMessage(error, `Saved, but the box art was refused: ${err.message}`);
        await load();
        return;
      }
    }
    $('app-dialog').close();
    await load();
  } catch (err) {
    setMessage(error, err.message);
  } finally {
    button.disabled = false;
  }
}

function appRow(app) {
  const actions = app.editable
    ? el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'button small', dataset: { testid: 'app-edit' }, onclick: () => openForm(app) }, 'Edit'),
      el('button', { type: 'button', class: 'button small danger', dataset: { testid: 'app-remove' },
        onclick: () => confirmAction({
          text: `Remove “${app.name}”? Moonlight stops offering it at once.`,
          okLabel: 'Remove',
          askPassword: true,
          action: async (password) => {
            await api('POST', `/api/apps/${app.id}/delete`, { password });
            await load();
          },
        }) }, 'Remove'))
    : el('span', { class: 'badge' }, app.source === 'builtin' ? 'built-in' : 'config file');
  return el('li', { class: 'card row app', dataset: { testid: 'app-row', appId: String(app.id), appName: app.name } },
    el('img', { class: 'art', src: `/api/apps/${app.id}/image`, alt: '', width: 60, height: 80, loading: 'lazy' }),
    el('div', { class: 'row-main' },
      el('p', { class: 'row-title', dataset: { testid: 'app-name' } }, app.name),
      app.cmd ? el('p', { class: 'small mono cmd', dataset: { testid: 'app-cmd' } }, app.cmd) : el('p', { class: 'small muted' }, 'No command'),
      app.working_dir ? el('p', { class: 'small muted mono' }, `in ${app.working_dir}`) : null),
    actions);
}

export async function load() {
  try {
    const answer = await api('GET', '/api/apps');
    const apps = answer && Array.isArray(answer.apps) ? answer.apps : [];
    $('apps-list').replaceChildren(...apps.map(appRow));
  } catch (err) {
    banner(`Cannot list the apps: ${err.message}`);
  }
}

export function initApps() {
  $('app-add').addEventListener('click', () => openForm(null));
  $('app-cancel').addEventListener('click', () => $('app-dialog').close());
  $('app-prep-add').addEventListener('click', () => $('app-prep-rows').append(prepRow()));
  $('app-image').addEventListener('change', onImageChosen);
  $('app-form').addEventListener('submit', save);
}
