// The inbox's device signatures (WebAuthn), served as /static/passkey.mjs: registering this device
// on /passkeys, and signing a decision on it when the model accepts the person's device. Without
// JavaScript, or when the person has no registered device, the forms post as they are and the
// server signs on the person's behalf (docs/web.md).

const b64url = (buffer) => {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const fromB64url = (text) => {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
};

async function post(url, fields) {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), credentials: 'same-origin' });
  const body = await res.json().catch(() => ({ error: `the server answered ${res.status}` }));
  if (!res.ok || body.error) throw new Error(body.error ?? `the server answered ${res.status}`);
  return body;
}

function say(text) {
  const status = document.getElementById('passkey-status');
  if (status) status.textContent = text;
}

async function register(form) {
  const csrf = form.elements.csrf.value;
  const o = await post('/passkeys/options', { csrf });
  const credential = await navigator.credentials.create({
    publicKey: { ...o, challenge: fromB64url(o.challenge), user: { ...o.user, id: fromB64url(o.user.id) } },
  });
  const r = credential.response;
  const done = await post('/passkeys/register', {
    csrf,
    label: form.elements.label.value,
    clientDataJSON: b64url(r.clientDataJSON),
    attestationObject: b64url(r.attestationObject),
  });
  say(`Registered. Ask the platform team to add this line under passkeys: in the keys file: ${done.line}`);
  setTimeout(() => location.reload(), 1500);
}

function hidden(form, name, value) {
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = name;
  input.value = value;
  form.append(input);
}

async function decide(form) {
  const fields = Object.fromEntries(new FormData(form));
  const action = form.getAttribute('action');
  const c = await post(action.replace(/\/decide$/, '/challenge'), fields);
  if (c.device) {
    const assertion = await navigator.credentials.get({
      publicKey: {
        challenge: fromB64url(c.challenge),
        rpId: c.rpId,
        allowCredentials: c.allowCredentials.map((id) => ({ type: 'public-key', id: fromB64url(id) })),
        userVerification: 'required',
        timeout: c.timeout,
      },
    });
    const r = assertion.response;
    hidden(form, 'device_credential', b64url(assertion.rawId));
    hidden(form, 'device_authenticator_data', b64url(r.authenticatorData));
    hidden(form, 'device_client_data', b64url(r.clientDataJSON));
    hidden(form, 'device_signature', b64url(r.signature));
  }
  form.dataset.ready = '1';
  form.submit();
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !window.PublicKeyCredential) return;
  if (form.id === 'register-passkey') {
    event.preventDefault();
    register(form).catch((err) => say(`The device was not registered: ${err.message}`));
  } else if (form.classList.contains('decide-form') && form.dataset.ready !== '1') {
    event.preventDefault();
    decide(form).catch((err) => {
      const p = document.createElement('p');
      p.className = 'error';
      p.setAttribute('role', 'alert');
      p.textContent = `Not decided: ${err.message}`;
      form.after(p);
    });
  }
});
