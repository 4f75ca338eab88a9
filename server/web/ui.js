// Small DOM helpers shared by the tabs: element creation without innerHTML (text is never
// parsed as markup, so names from the API cannot inject anything), messages, the banner,
// the confirmation dialog and time formatting.

export const $ = (id) => document.getElementById(id);

// el('li', { class: 'row', dataset: { testid: 'x' } }, child, 'text', ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A message paragraph: kind 'error' | 'ok' | 'warn' | '' ; empty text hides it.
export function setMessage(node, text, kind = 'error') {
  node.textContent = text || '';
  node.classList.remove('error', 'ok', 'warn');
  if (kind) node.classList.add(kind);
  node.hidden = !text;
}

// The page-wide banner for errors that belong to no form (a failed list load, ...).
export function banner(text) {
  setMessage($('banner'), text, 'error');
}

export function localTime(unixSeconds) {
  if (!unixSeconds) return 'never';
  return new Date(unixSeconds * 1000).toLocaleString();
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

// confirmAction({ text, okLabel, askPassword, action(password) }): shows the dialog; on OK
// runs action; an error thrown by it is shown in the dialog (which stays open to retry).
export function confirmAction({ text, okLabel = 'OK', askPassword = false, action }) {
  const dialog = $('confirm-dialog');
  const form = $('confirm-form');
  const ok = $('confirm-ok');
  const password = $('confirm-password');
  $('confirm-text').textContent = text;
  ok.textContent = okLabel;
  $('confirm-password-row').hidden = !askPassword;
  password.value = '';
  password.required = askPassword;
  setMessage($('confirm-error'), '');
  return new Promise((resolve) => {
    const cleanup = (result) => {
      form.removeEventListener('submit', onSubmit);
      $('confirm-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    const onCancel = (event) => {
      event.preventDefault();
      cleanup(false);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        await action(password.value);
        cleanup(true);
      } catch (err) {
        setMessage($('confirm-error'), err.message);
      } finally {
        ok.disabled = false;
      }
    };
    form.addEventListener('submit', onSubmit);
    $('confirm-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    if (askPassword) password.focus();
  });
}
